import Fluent
import Vapor
import StrideIQCore

/// `GET/PATCH /v1/athlete`: the caller's own profile.
struct AthleteController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let athlete = routes.grouped("v1", "athlete")
        athlete.get(use: show)
        athlete.patch(use: update)
    }

    func show(req: Request) async throws -> JSONResponse<AthleteDTO> {
        JSONResponse(.ok, AthleteDTO(try req.currentAthlete.athlete))
    }

    func update(req: Request) async throws -> JSONResponse<AthleteDTO> {
        let patch = try req.decodeBody(AthletePatch.self)
        let athlete = try req.currentAthlete.athlete
        let before = (athlete.timezone, athlete.units, athlete.aiConsent)
        if patch.has(.displayName) { athlete.displayName = patch.value.displayName }
        if let timezone = patch.value.timezone { athlete.timezone = timezone }
        if let units = patch.value.units { athlete.units = units }
        if let consent = patch.value.aiConsent { athlete.aiConsent = consent }
        // Zone, units and consent change what the briefing says (or whether there is one).
        let affectsBriefing = before != (athlete.timezone, athlete.units, athlete.aiConsent)
        try await req.db.writeTransaction { db in
            try await athlete.save(on: db)
            if affectsBriefing { try await req.triggerBriefingRefresh("profile_changed", athlete: athlete, on: db) }
        }
        return JSONResponse(.ok, AthleteDTO(athlete))
    }
}

struct AthletePatch: RequestBody {
    let displayName: String?
    let timezone: String?
    let units: Units?
    let aiConsent: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case timezone, units
        case displayName = "display_name", aiConsent = "ai_consent"
    }

    static var nullableFields: Set<String> { ["display_name"] }

    func validate(into v: inout FieldValidator) {
        v.length(displayName, "display_name", Limits.displayName)
        if let timezone { v.check(TimeZoneRules.isValid(timezone), "timezone", "must be an IANA time zone such as Europe/Paris") }
    }
}
