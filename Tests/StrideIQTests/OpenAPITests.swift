import Foundation
import StrideIQCore
import Testing
import Vapor

@testable import StrideIQ

@Suite("OpenAPI document")
struct OpenAPITests {
    /// The document as served.
    static func served(_ t: TestApp) async throws -> JSON {
        let reply = try await t.request(.GET, "/openapi.json")
        return reply.json
    }

    /// The document as the app encodes it, without a server.
    static let document: JSON = try! JSON(data: OpenAPIDocument.json)

    /// `"GET /v1/activities/{activity_id}"` for every operation in the document.
    static func documentedOperations(_ document: JSON) -> Set<String> {
        var operations = Set<String>()
        for (path, item) in document["paths"].object {
            for method in item.object.keys { operations.insert("\(method.uppercased()) \(path)") }
        }
        return operations
    }

    // MARK: (c) served as OpenAPI 3.1 JSON

    @Test func servedAtOpenAPIJSONAsOpenAPI31() async throws {
        try await TestApp.with(.sqlite) { t in
            let reply = try await t.request(.GET, "/openapi.json")
            #expect(reply.status == .ok)
            #expect(reply.headers.contentType == .json)
            let document = reply.json
            #expect(document["openapi"].string == "3.1.0")
            #expect(document["info"]["title"].string == "StrideIQ")
            #expect(document["info"]["version"].string?.isEmpty == false)
            #expect(document["components"]["securitySchemes"]["bearerAuth"]["scheme"].string == "bearer")
            #expect(document == Self.document, "the served document is the encoded one")
        }
    }

    @Test func documentPassesOpenAPIKitsValidation() throws {
        try OpenAPIDocument.document.validate()
    }

    /// The `code` of the error shape lists every code the API can return, and nothing else.
    @Test func errorCodesAreTheErrorCodeEnum() {
        let codes = Self.document["components"]["schemas"]["Error"]["properties"]["code"]["enum"].array.compactMap(\.string)
        #expect(codes == ErrorCode.allCases.map(\.rawValue))
        // Every code an operation documents is one of them.
        var documented = Set<String>()
        for item in Self.document["paths"].object.values {
            for operation in item.object.values {
                for response in operation["responses"].object.values {
                    let code = response["content"]["application/json"]["schema"]["allOf"][1]["properties"]["code"]
                    documented.formUnion((code["enum"].array + [code["const"]]).compactMap(\.string))
                }
            }
        }
        #expect(!documented.isEmpty && documented.isSubset(of: codes), "\(documented.subtracting(codes).sorted())")
    }

    /// Each response schema's example (the type's `openAPIExample`, encoded as a handler encodes it) is valid
    /// against the schema it was recorded into, and sets every key.
    @Test func responseExamplesMatchTheirSchemas() {
        let validator = SchemaValidator(document: Self.document)
        var checked = 0
        for (name, schema) in Self.document["components"]["schemas"].object {
            for example in schema["examples"].array {
                checked += 1
                let problems = validator.problems(example, against: ["$ref": .string("#/components/schemas/\(name)")])
                #expect(problems.isEmpty, "\(name): \(problems)")
                let unset = schema["properties"].object.keys.filter { example[$0].isNull }
                #expect(unset.isEmpty, "\(name)'s example leaves \(unset.sorted()) null")
            }
        }
        #expect(checked >= 25)
    }

    // MARK: (a) routes ↔ operations

    @Test func everyRegisteredRouteIsDocumentedAndNothingElse() async throws {
        try await TestApp.with(.sqlite) { t in
            let registered = Set(
                t.app.routes.all.map { route in
                    let path = route.path.map { component -> String in
                        switch component {
                        case .constant(let text): text
                        case .parameter(let name): "{\(name)}"
                        case .anything: "*"
                        case .catchall: "**"
                        }
                    }
                    return "\(route.method.rawValue) /\(path.joined(separator: "/"))"
                })
            let documented = Self.documentedOperations(try await Self.served(t))
            // The web app's pages and assets are not API operations (`WebRoutes`).
            let webApp = Set(
                WebRoutes.pagePaths.map { "GET /" + $0.map(\.description).joined(separator: "/") } + ["GET /assets/**"])
            #expect(webApp.isSubset(of: registered), "the web app is served")
            let undocumented = registered.subtracting(documented).subtracting(webApp).sorted()
            let unregistered = documented.subtracting(registered).sorted()
            #expect(undocumented.isEmpty, "registered routes missing from the OpenAPI document: \(undocumented.joined(separator: ", "))")
            #expect(unregistered.isEmpty, "documented operations no route serves: \(unregistered.joined(separator: ", "))")
            #expect(!registered.isEmpty)
        }
    }

    // MARK: (b) references and well-formedness

    @Test func everyReferenceResolves() {
        let validator = SchemaValidator(document: Self.document)
        var references: [String] = []
        func collect(_ value: JSON) {
            switch value {
            case .object(let object):
                if let reference = object["$ref"]?.string { references.append(reference) }
                object.values.forEach(collect)
            case .array(let items): items.forEach(collect)
            default: break
            }
        }
        collect(Self.document)
        #expect(references.count > 50)
        let broken = Set(references.filter { validator.resolve($0) == nil }).sorted()
        #expect(broken.isEmpty, "unresolvable references: \(broken)")
        // Every component schema is used somewhere.
        let unused = Self.document["components"]["schemas"].object.keys
            .filter { !references.contains("#/components/schemas/\($0)") }.sorted()
        #expect(unused.isEmpty, "schemas nothing refers to: \(unused)")
    }

    @Test func operationsAreWellFormed() {
        var operationIDs: [String] = []
        var linkTargets: [String] = []
        for (path, item) in Self.document["paths"].object {
            let templateParameters = Set(path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) })
            for (method, operation) in item.object {
                let name = "\(method.uppercased()) \(path)"
                if let id = operation["operationId"].string { operationIDs.append(id) } else { Issue.record("\(name) has no operationId") }
                #expect(operation["summary"].string?.isEmpty == false, "\(name) has no summary")
                #expect(!operation["security"].isNull, "\(name) does not say who may call it")
                let declared = Set(operation["parameters"].array.filter { $0["in"] == "path" }.compactMap { $0["name"].string })
                #expect(declared == templateParameters, "\(name): path parameters \(declared) ≠ \(templateParameters)")
                let responses = operation["responses"].object
                #expect(responses.keys.contains { $0.hasPrefix("2") }, "\(name) has no success response")
                for (status, response) in responses {
                    #expect(response["description"].string?.isEmpty == false, "\(name) \(status) has no description")
                    let content = response["content"].object
                    if status == "204" || status == "304" {
                        #expect(content.isEmpty, "\(name) \(status) must have no body")
                    } else if let stream = content["text/event-stream"] {
                        #expect(
                            status == "200" && content.count == 1 && stream["schema"]["type"] == "string" && !stream["x-itemSchema"].isNull,
                            "\(name) \(status): an event stream is a string as a whole, with a schema per event")
                    } else if let download = content["application/gpx+xml"] ?? content["application/zip"] {
                        #expect(
                            ["GET /v1/activities/{activity_id}/export.gpx", "GET /v1/export"].contains(name) && status == "200"
                                && content.count == 1 && download["schema"]["type"] == "string",
                            "\(name) \(status): only the exports are files")
                    } else if let text = content["text/plain"] {
                        #expect(
                            name == "GET /metrics" && status == "200" && content.count == 1 && text["schema"]["type"] == "string",
                            "\(name) \(status): only the Prometheus exposition is plain text")
                    } else {
                        #expect(
                            content.count == 1 && !response["content"]["application/json"]["schema"].isNull,
                            "\(name) \(status) has no JSON schema")
                    }
                    if let code = Int(status), (400..<500).contains(code) {
                        let schema = response["content"]["application/json"]["schema"]
                        let base = schema["allOf"][0]["$ref"].string ?? schema["$ref"].string ?? ""
                        #expect(
                            ["Error", "ValidationError", "DuplicateActivityError"].map { "#/components/schemas/\($0)" }.contains(base),
                            "\(name) \(status) is not in the error shape")
                    }
                    for link in response["links"].object.values { linkTargets.append(link["operationId"].string ?? "") }
                }
                if !operation["requestBody"].isNull {
                    for status in ["400", "413", "415", "422"] {
                        #expect(responses[status] != nil, "\(name) takes a body but does not document \(status)")
                    }
                }
                if operation["security"] == [["bearerAuth": []]] {
                    #expect(responses["401"] != nil, "\(name) needs a token but does not document 401")
                }
            }
        }
        #expect(Set(operationIDs).count == operationIDs.count, "duplicate operationIds: \(operationIDs.sorted())")
        let unknownTargets = Set(linkTargets).subtracting(operationIDs)
        #expect(unknownTargets.isEmpty, "links to unknown operations: \(unknownTargets)")
    }

    @Test func accessMatchesTheRouteGroups() {
        let open: Set = [
            "GET /ping", "GET /health", "GET /v1/health", "GET /openapi.json", "GET /metrics",
            "POST /v1/auth/register", "POST /v1/auth/login", "POST /v1/auth/refresh",
        ]
        for operation in OpenAPIDocument.operations {
            let name = "\(operation.method.rawValue.uppercased()) \(operation.path)"
            switch operation.access {
            case .open: #expect(open.contains(name), "\(name) is documented as open")
            case .bearer: #expect(!open.contains(name) && name != "POST /v1/auth/logout", "\(name) is documented as needing a token")
            case .bearerOptional: #expect(name == "POST /v1/auth/logout")
            }
            #expect(operation.rateLimited == operation.path.hasPrefix("/v1/auth/"), "\(name): rate limit applies exactly to /v1/auth/*")
        }
    }

    // MARK: (d) bounds come from Limits and the vocabularies

    @Test func boundsAndVocabulariesComeFromTheValidationConstants() {
        let schemas = Self.document["components"]["schemas"]
        let activity = schemas["ActivityCreate"]["properties"]
        #expect(activity["distance_m"]["minimum"].double == Limits.Activity.distanceM.lowerBound)
        #expect(activity["distance_m"]["maximum"].double == Limits.Activity.distanceM.upperBound)
        #expect(activity["avg_hr"]["minimum"].int == Limits.Activity.heartRate.lowerBound)
        #expect(activity["utc_offset_s"]["minimum"].int == Limits.Activity.utcOffsetS.lowerBound)
        #expect(activity["name"]["maxLength"].int == Limits.Activity.name.upperBound)
        #expect(activity["sport"]["enum"].array.compactMap(\.string) == Sport.allCases.map(\.rawValue))
        #expect(schemas["ActivityCreate"]["required"] == ["start_time"])

        let checkin = schemas["CheckinUpsert"]["properties"]
        #expect(checkin["notes"]["maxLength"].int == Limits.Checkin.notes.upperBound)
        #expect(checkin["sleep_h"]["maximum"].double == Limits.Checkin.sleepH.upperBound)
        #expect(checkin["rpe_1_10"]["maximum"].int == Limits.Checkin.rpe.upperBound)
        #expect(checkin["stress_1_5"]["type"] == ["integer", "null"], "check-in measurements can be cleared with null")
        #expect(checkin["date"]["type"] == "string" && checkin["date"]["format"] == "date")

        let workout = schemas["WorkoutCreate"]["properties"]
        #expect(workout["target_pace_min_s_per_km"]["minimum"].int == Limits.Plan.paceSPerKm.lowerBound)
        #expect(workout["workout_type"]["enum"].array.compactMap(\.string) == WorkoutType.allCases.map(\.rawValue))
        #expect(workout["phase"]["enum"].array.last == .null, "a nullable enum lists null among its values")
        #expect(schemas["PlanUpdate"]["properties"]["status"]["enum"].array.compactMap(\.string) == PlanStatus.allCases.map(\.rawValue))
        #expect(schemas["RegisterRequest"]["properties"]["password"]["maxLength"].int == Limits.Password.bytes.upperBound)

        let list = Self.document["paths"]["/v1/activities"]["get"]["parameters"].array
        let limit = list.first { $0["name"] == "limit" }?["schema"]
        #expect(limit?["minimum"].int == Limits.Activity.pageSize.lowerBound)
        #expect(limit?["maximum"].int == Limits.Activity.pageSize.upperBound)
        #expect(list.first { $0["name"] == "offset" }?["schema"]["maximum"].int == ActivityListQuery.maxOffset)
        let message = schemas["CoachChatRequest"]["properties"]["message"]
        #expect(message["minLength"].int == CoachChatBody.messageLength.lowerBound)
        #expect(message["maxLength"].int == CoachChatBody.messageLength.upperBound)
        #expect(
            schemas["HomeBriefing"]["properties"]["briefing_state"]["enum"].array.compactMap(\.string)
                == BriefingState.allCases.map(\.rawValue))
        #expect(schemas["WeekProgress"]["properties"]["status"]["enum"].array.compactMap(\.string) == WeekStatus.allCases.map(\.rawValue))
        #expect(
            schemas["CoachChatResponse"]["properties"]["finish_reason"]["enum"].array.compactMap(\.string)
                == CoachFinishReason.allCases.map(\.rawValue))
        #expect(schemas["CoachContext"]["properties"]["days"]["maximum"].int == CoachContextBuilder.runDaysRange.upperBound)
        #expect(schemas["CoachSuggestions"]["properties"]["suggestions"]["maxItems"].int == CoachSuggestions.maxCount)

        let checkins = Self.document["paths"]["/v1/daily-checkin"]["get"]["parameters"].array
        #expect(checkins.first { $0["name"] == "limit" }?["schema"]["maximum"].int == Limits.Checkin.listLimit.upperBound)
    }

    /// Request bodies accept `null` exactly where the decoder does.
    @Test func nullableRequestFieldsAreTheDecodersNullableFields() {
        func nullable(_ schema: String) -> Set<String> {
            Set(
                Self.document["components"]["schemas"][schema]["properties"].object
                    .filter { $0.value["type"].array.contains("null") || $0.value["anyOf"].array.contains(["type": "null"]) }.keys)
        }
        #expect(nullable("CheckinUpsert") == CheckinBody.nullableFields)
        #expect(nullable("PlanUpdate") == PlanBody.nullableFields)
        #expect(nullable("WorkoutUpdate") == WorkoutBody.nullableFields)
        #expect(nullable("AthleteUpdate") == AthletePatch.nullableFields)
        #expect(nullable("ActivityCreate").isEmpty && nullable("RegisterRequest").isEmpty)
    }

    @Test func emailPatternAgreesWithTheEmailRule() {
        let samples = [
            "a@b.c", "runner@example.com", "x@y", "@b.c", "a@.b", "a@b.", "a@b..c", "a@@b.c", "a b@c.d", "a@b\u{3000}.c",
            "a\u{85}b@c.d", "ünï@cödé.de", "a@b.c\n", "ab", "a@b.c.d", "a.b@c.d", "\u{feff}a@b.c",
            "a@\u{301}b@c.d", "a@.\u{301}b.c", "a@b.\u{301}c", "a\r\nb@c.d",
            String(repeating: "e\u{301}", count: 125) + "@b.co", String(repeating: "e\u{301}", count: 124) + "@b.co",
        ]
        let schema = Self.document["components"]["schemas"]["RegisterRequest"]["properties"]["email"]
        let validator = SchemaValidator(document: Self.document)
        for sample in samples {
            #expect(
                validator.problems(.string(sample), against: schema).isEmpty == EmailRules.isValid(sample), "\(sample.debugDescription)")
        }
        // The whitespace class is exactly what Swift calls whitespace.
        let whitespace = try! NSRegularExpression(pattern: "^[\(OpenAPIDocument.whitespaceClass)]$")
        for value in UInt32(0)...0x3000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = String(Character(scalar))
            let matched = whitespace.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
            #expect(matched == Character(scalar).isWhitespace, "U+\(String(value, radix: 16))")
        }
    }

    /// The coach's question: 1–4,000 code points, not only white space — the schema and the body's rule agree.
    @Test func coachMessageSchemaAgreesWithTheMessageRule() {
        let schema = Self.document["components"]["schemas"]["CoachChatRequest"]["properties"]["message"]
        let validator = SchemaValidator(document: Self.document)
        var samples = [
            "", "a", " a ", "\r\n", " \u{301}", "\u{200B}", "\u{FEFF}", "\u{0}", "🏃", String(repeating: "🏃", count: 4_000),
            String(repeating: "🏃", count: 4_001), String(repeating: " ", count: 3_999) + "x", String(repeating: " ", count: 4_000),
        ]
        // Nothing past U+3000 is white space to Foundation.
        for value in Array(UInt32(0)...0x3000) + [0xFEFF, 0xFFFD, 0x1F3C3, 0xE0020, 0x10FFFF] {
            if let scalar = Unicode.Scalar(value) {
                samples.append(String(scalar))
                samples.append(" \(scalar)\n")
            }
        }
        for sample in samples {
            var rule = FieldValidator()
            CoachChatBody(message: sample, includeContext: nil).validate(into: &rule)
            #expect(validator.problems(.string(sample), against: schema).isEmpty == rule.isValid, "\(sample.prefix(20).debugDescription)")
        }
    }

    /// `format: date-time` is RFC 3339, and the server reads exactly that: nothing rolled over, nothing looser.
    @Test func timestampsAreExactlyRFC3339() throws {
        let foundation = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        for valid in [
            "2026-11-29T07:30:00.000Z", "2024-02-29T23:59:59.500-03:30", "1990-01-01T00:00:00.000+14:00", "9999-12-31T23:59:59.000Z",
        ] {
            #expect(JSONCoding.parseTimestamp(valid) == (try foundation.parse(valid)), "\(valid)")
        }
        for valid in ["2026-11-29t07:30:00z", "2026-11-29T07:30:00.123456789Z", "2026-11-29T07:30:00-00:00"] {
            #expect(JSONCoding.parseTimestamp(valid) != nil, "\(valid)")
        }
        for invalid in [
            "2024-01-01T12:99:00Z", "2023-02-29T00:00:00Z", "2024-01-01T00:00:60Z", "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:00", "2024-01-01T00:00:00+0100", "2024-01-01T00:00:00+24:00", "2024-01-01 00:00:00Z",
            "2024-01-01T00:00:00.Z", "0000-01-01T00:00:00Z", "2024-01-01T00:00:00Z\n", "+2024-01-01T00:00:00Z",
            "2024-1-01T00:00:00Z", "\u{662}\u{660}\u{662}\u{664}-01-01T00:00:00Z", "2024-01-01", "",
        ] {
            #expect(JSONCoding.parseTimestamp(invalid) == nil, "\(invalid.debugDescription)")
        }
        // What the server writes, it reads back.
        let now = Date(timeIntervalSince1970: 1_795_953_600.125)
        #expect(JSONCoding.parseTimestamp(JSONCoding.formatTimestamp(now)) == now)
    }

    // MARK: response shapes

    enum Sample { case allNil, allSet, other }

    /// Every response DTO, encoded the way handlers encode it, with every optional nil and with every optional
    /// set, is valid against its schema.
    @Test func responseObjectsMatchTheirSchemas() throws {
        let now = Date(timeIntervalSince1970: 1_795_953_600.25)
        let athlete = Athlete(id: UUID(), email: "a@b.co", passwordHash: "x", displayName: nil)
        let named = Athlete(id: UUID(), email: "c@d.co", passwordHash: "x", displayName: "Kip", role: .owner, timezone: "Europe/Paris")
        named.createdAt = now

        func activity(full: Bool) -> Activity {
            let a = Activity()
            a.id = UUID()
            a.$athlete.id = UUID()
            a.name = "Run"
            a.sport = .run
            a.startTime = now
            a.utcOffsetS = 3600
            a.source = full ? "garmin" : "manual"
            if full {
                a.timezone = "Europe/Paris"
                a.distanceM = 10_000
                a.movingTimeS = 3000
                a.durationS = 3100
                a.avgHR = 150
                a.maxHR = 170
                a.elevationGainM = 50
                a.externalID = "g-1"
                a.createdAt = now
            }
            return a
        }
        func checkin(full: Bool) -> DailyCheckin {
            let c = DailyCheckin()
            c.id = UUID()
            c.date = "2026-11-29"
            if full {
                c.sleepH = 7.5
                c.sleepQuality = 4
                c.stress = 2
                c.soreness = 3
                c.enjoyment = 5
                c.confidence = 4
                c.readiness = 4
                c.rpe = 6
                c.notes = "ok"
                c.hrvRMSSD = 61.2
                c.restingHR = 48
                c.createdAt = now
                c.updatedAt = now
            }
            return c
        }
        func workout(full: Bool) -> PlannedWorkout {
            let w = PlannedWorkout()
            w.id = UUID()
            w.$plan.id = UUID()
            w.$athlete.id = UUID()
            w.scheduledDate = "2026-12-01"
            w.workoutType = .tempo
            w.title = "Tempo"
            if full {
                w.weekNumber = 3
                w.workoutDescription = "3 x 10 min"
                w.phase = .build
                w.targetDistanceM = 12_000
                w.targetDurationS = 3600
                w.targetPaceMinSPerKm = 240
                w.targetPaceMaxSPerKm = 250
                w.coachNotes = "relax"
            }
            return w
        }
        func plan(full: Bool) -> TrainingPlan {
            let p = TrainingPlan()
            p.id = UUID()
            p.$athlete.id = UUID()
            p.name = "Marathon"
            p.status = .active
            p.goalRaceDate = "2027-04-18"
            p.goalRaceDistanceM = 42_195
            if full {
                p.goalRaceName = "Paris"
                p.goalTimeSeconds = 10_800
                p.planStartDate = "2027-01-01"
                p.planEndDate = "2027-04-18"
                p.totalWeeks = 16
                p.createdAt = now
                p.updatedAt = now
            }
            return p
        }
        // Home: the payload of an athlete with nothing recorded, and of one with a plan, runs, other sports, a
        // check-in and a briefing (yesterday's run), and of one whose last run was days ago.
        let utc = TimeZone(identifier: "UTC")!
        let today = LocalDate(now, in: utc)
        func at(_ day: LocalDate, hour: Double) -> Date { day.start(in: utc).addingTimeInterval(hour * 3600) }
        let yesterdayRun = ActivityFact(
            id: UUID(), name: "Easy", sport: .run, startTime: at(today.adding(days: -1), hour: 7),
            distanceM: 10_000, movingTimeS: 3000, durationS: 3100, avgHR: 150)
        let ride = ActivityFact(
            id: UUID(), name: "Ride", sport: .cycling, startTime: at(today, hour: 6),
            distanceM: 30_000, movingTimeS: 3600, durationS: nil, avgHR: nil)
        let planFact = PlanFact(
            id: UUID(), name: "Marathon", raceName: "Paris", raceDate: today.adding(days: 100), raceDistanceM: 42_195,
            goalTimeS: 10_800, startDate: today.adding(days: -30), totalWeeks: 16, updatedAt: now)
        let workouts = [
            WorkoutFact(
                id: UUID(), date: today, type: .tempo, title: "Tempo", distanceM: 12_000, paceMinSPerKm: 240, paceMaxSPerKm: 250,
                weekNumber: 5, phase: .build),
            WorkoutFact(id: UUID(), date: today.adding(days: 1), type: .easy, title: "Easy", distanceM: 8_000),
        ]
        let fullFacts = HomeFacts(
            now: now, timeZone: utc, units: .metric, windowActivities: [yesterdayRun, ride], latestRun: yesterdayRun,
            totalActivities: 2, plan: planFact, weekWorkouts: workouts,
            todayCheckin: CheckinFact(id: UUID(), sleepH: 7.5, sleepQuality: 4, readiness: 4, soreness: 2, updatedAt: now))
        let oldRun = ActivityFact(
            id: UUID(), name: "Long", sport: .run, startTime: at(today.adding(days: -3), hour: 7),
            distanceM: 20_000, movingTimeS: 6000, durationS: 6000, avgHR: nil)
        let lapsedFacts = HomeFacts(
            now: now, timeZone: utc, units: .imperial, windowActivities: [], latestRun: oldRun, totalActivities: 1,
            plan: nil, weekWorkouts: [],
            todayCheckin: CheckinFact(
                id: UUID(), sleepH: 4, sleepQuality: nil,
                readiness: nil, soreness: nil, updatedAt: nil))
        let emptyFacts = HomeFacts(
            now: now, timeZone: utc, units: .metric, windowActivities: [], latestRun: nil, totalActivities: 0,
            plan: nil, weekWorkouts: [], todayCheckin: nil)
        let briefing = BriefingEntry(
            payload: BriefingPayload(
                morningVoice: "a", coachNoticed: "b", todayContext: "c", weekAssessment: "d",
                checkinReaction: "e", raceAssessment: "f", workoutWhy: "g"),
            generatedAt: now, sourceModel: "deterministic-v1", briefingSource: .deterministic, isInterim: true,
            dataFingerprint: "x", fallbackReason: "no_llm_configured")
        let fullBriefing = BriefingView(state: .fresh, entry: briefing)
        let noBriefing = BriefingView(state: .consentRequired, entry: nil)

        let check = HealthRoutes.Check(status: "ok", latencyMs: 0.12, backend: "sqlite", error: nil)
        let failedCheck = HealthRoutes.Check(status: "failed", latencyMs: 2000, backend: "memory", error: "timed out")
        let issued = TokenService.Issued(accessToken: "a.b.c", refreshToken: "r", expiresIn: 900)

        let samples: [(String, any Encodable, Sample)] = [
            ("Athlete", AthleteDTO(athlete), .allNil), ("Athlete", AthleteDTO(named), .allSet),
            ("TokenResponse", TokenResponse(issued, athlete: athlete), .allSet),
            ("Activity", ActivityDTO(activity(full: false)), .allNil), ("Activity", ActivityDTO(activity(full: true)), .allSet),
            ("ActivityPage", ActivityPage(activities: [ActivityDTO(activity(full: true))], total: 1, limit: 20, offset: 0), .allSet),
            ("Checkin", CheckinDTO(checkin(full: false)), .allNil), ("Checkin", CheckinDTO(checkin(full: true)), .allSet),
            ("CheckinList", CheckinList(checkins: [CheckinDTO(checkin(full: false))], count: 1), .allSet),
            ("Workout", WorkoutDTO(workout(full: false)), .allNil), ("Workout", WorkoutDTO(workout(full: true)), .allSet),
            ("Plan", PlanDTO(plan(full: false), workouts: nil), .allNil),
            ("Plan", PlanDTO(plan(full: true), workouts: [workout(full: true)]), .allSet),
            ("PlanList", PlanList(plans: [PlanDTO(plan(full: false), workouts: nil)]), .allSet),
            ("Health", HealthRoutes.Report(status: "ok", checks: ["database": check, "cache": check], failed: nil), .allNil),
            (
                "Health", HealthRoutes.Report(status: "degraded", checks: ["database": check, "cache": failedCheck], failed: ["cache"]),
                .allSet
            ),
            ("Ping", HealthRoutes.Ping(status: "alive"), .allSet),
            ("Home", HomeResponse(home: HomeBuilder.build(emptyFacts), briefing: noBriefing), .allNil),
            ("Home", HomeResponse(home: HomeBuilder.build(fullFacts), briefing: fullBriefing), .allSet),
            ("Home", HomeResponse(home: HomeBuilder.build(lapsedFacts), briefing: BriefingView(state: .refreshing, entry: nil)), .other),
            ("HomeBriefing", noBriefing, .allNil), ("HomeBriefing", fullBriefing, .allSet),
            ("BriefingRefreshAccepted", HomeRoutes.RefreshAccepted(status: "coalesced", athleteID: UUID()), .allSet),
            ("Error", ErrorBody(detail: "Activity not found", code: .notFound, errors: nil, extra: [:]), .other),
            (
                "ValidationError",
                ErrorBody(detail: "x", code: .validationError, errors: [FieldError(field: "a", message: "b")], extra: [:]), .other
            ),
            (
                "DuplicateActivityError",
                ErrorBody(
                    detail: "dup", code: .duplicateActivity, errors: nil,
                    extra: ["existing_activity_id": UUID().uuidString]), .other
            ),
        ]
        let validator = SchemaValidator(document: Self.document)
        var everyKeyWritten = true
        for (name, value, sample) in samples {
            let encoded = try JSON(data: JSONCoding.encoder.encode(value))
            let schema = Self.document["components"]["schemas"][name]
            #expect(!schema.isNull, "no schema \(name)")
            let problems = validator.problems(encoded, against: ["$ref": "#/components/schemas/\(name)"])
            #expect(problems.isEmpty, "\(name): \(problems)")
            if sample == .allNil && !Set(schema["properties"].object.keys).isSubset(of: encoded.object.keys) {
                everyKeyWritten = false
            }
            if sample == .allSet {
                // Fully populated samples show every documented key, so nothing is documented that is never sent.
                let undocumentedOrUnsent = Set(schema["properties"].object.keys).subtracting(encoded.object.keys)
                #expect(schema["properties"].isNull || undocumentedOrUnsent.isEmpty, "\(name) never sends \(undocumentedOrUnsent)")
            }
        }
        #expect(everyKeyWritten, "responses leave out empty keys, but the document lists every key as required")
    }

    // MARK: real responses

    /// A walk through every operation; each response's status must be documented for that operation and its
    /// body valid against the documented schema, with the documented required headers.
    @Test func realResponsesConformToTheDocument() async throws {
        // A small coach budget, so the walk reaches `coach_budget_exhausted`.
        try await TestApp.with(.sqlite, config: { $0.coachDailyMessageBudget = 2 }) { t in
            let document = try await Self.served(t)
            let conformance = Conformance(document: document)
            func call(
                _ method: HTTPMethod, _ path: String, json: JSON? = nil, raw: String? = nil, token: String? = nil,
                headers: [(String, String)] = [], sourceLocation: SourceLocation = #_sourceLocation
            ) async throws -> Reply {
                let reply = try await t.request(method, path, json: json, raw: raw, token: token, headers: headers)
                conformance.expect(reply, method, path, sourceLocation: sourceLocation)
                return reply
            }
            _ = try await call(.GET, "/ping")
            _ = try await call(.GET, "/health")
            _ = try await call(.GET, "/v1/health")
            _ = try await call(.GET, "/openapi.json")
            _ = try await call(.GET, "/metrics")

            let email = "walk-\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let registered = try await call(
                .POST, "/v1/auth/register", json: ["email": "\(email)", "password": "tempo-run-42-miles", "race_code": "X"])
            let token = registered.json["access_token"].string ?? ""
            _ = try await call(.POST, "/v1/auth/register", json: ["email": "\(email)", "password": "tempo-run-42-miles"])
            _ = try await call(.POST, "/v1/auth/register", json: ["email": "nope", "password": "password"])
            _ = try await call(.POST, "/v1/auth/login", json: ["email": "\(email)", "password": "wrong-password-1"])
            let login = try await call(.POST, "/v1/auth/login", json: ["email": "\(email)", "password": "tempo-run-42-miles"])
            let refreshed = try await call(.POST, "/v1/auth/refresh", json: ["refresh_token": login.json["refresh_token"]])
            _ = try await call(.POST, "/v1/auth/refresh", json: ["refresh_token": login.json["refresh_token"]])
            _ = try await call(.POST, "/v1/auth/refresh", raw: "{")
            _ = try await call(.POST, "/v1/auth/logout", json: ["refresh_token": refreshed.json["refresh_token"]])
            _ = try await call(.POST, "/v1/auth/logout")
            _ = try await call(.POST, "/v1/auth/logout", token: "not-a-jwt")
            _ = try await call(.GET, "/v1/auth/me", token: token)
            _ = try await call(.GET, "/v1/auth/me")

            _ = try await call(.GET, "/v1/athlete", token: token)
            _ = try await call(.GET, "/v1/athlete", token: "tampered")
            _ = try await call(.PATCH, "/v1/athlete", json: ["display_name": "Kip", "units": "imperial", "ai_consent": true], token: token)
            _ = try await call(.PATCH, "/v1/athlete", json: ["display_name": nil], token: token)
            _ = try await call(.PATCH, "/v1/athlete", json: ["timezone": "Mars/Olympus"], token: token)
            _ = try await call(
                .PATCH, "/v1/athlete", raw: "a=b", token: token, headers: [("Content-Type", "application/x-www-form-urlencoded")])

            let start = JSONCoding.formatTimestamp(Date().addingTimeInterval(-86_400))
            let bare = try await call(.POST, "/v1/activities", json: ["start_time": "\(start)"], token: token)
            _ = try await call(.POST, "/v1/activities", json: ["start_time": "\(start)"], token: token)
            let imported: JSON = [
                "start_time": "2025-06-01T07:00:00+02:00", "distance_m": 10_000, "moving_time_s": 3000,
                "source": "garmin", "external_id": "g-1", "avg_hr": 150, "max_hr": 170,
            ]
            _ = try await call(.POST, "/v1/activities", json: imported, token: token)
            _ = try await call(.POST, "/v1/activities", json: imported, token: token)
            _ = try await call(.POST, "/v1/activities", json: ["start_time": "\(start)", "source": "garmin\n"], token: token)
            _ = try await call(.POST, "/v1/activities", json: ["start_time": "2025-01-01T12:99:00Z"], token: token)
            // A distance so small the pace overflows: no pace, not a 500.
            let tiny = try await call(
                .POST, "/v1/activities", json: ["start_time": "2025-02-01T07:00:00Z", "distance_m": 1e-300, "moving_time_s": 604_800],
                token: token)
            #expect(tiny.status == .created && tiny.json["pace_s_per_km"].isNull)
            _ = try await call(.GET, "/v1/activities?limit=5&offset=0&since=2025-01-01&until=2030-01-01T00:00:00Z&sport=run", token: token)
            _ = try await call(.GET, "/v1/activities?limit=0", token: token)
            let id = bare.json["id"].string ?? ""
            _ = try await call(.GET, "/v1/activities/\(id)", token: token)
            _ = try await call(.GET, "/v1/activities/not-a-uuid", token: token)
            _ = try await call(.DELETE, "/v1/activities/\(id)", token: token)
            _ = try await call(.DELETE, "/v1/activities/\(id)", token: token)

            let today = LocalDate(Date(), in: TimeZone(identifier: "UTC")!).description
            _ = try await call(.GET, "/v1/daily-checkin/today", token: token)
            _ = try await call(.POST, "/v1/daily-checkin", json: ["date": "\(today)", "sleep_h": 7.5, "notes": nil], token: token)
            _ = try await call(.POST, "/v1/daily-checkin", json: ["date": "\(today)", "rpe_1_10": 11], token: token)
            _ = try await call(.POST, "/v1/daily-checkin", json: ["date": "\(today)", "stress_1_5": 2], token: token)
            _ = try await call(.GET, "/v1/daily-checkin/today", token: token)
            _ = try await call(.GET, "/v1/daily-checkin/\(today)", token: token)
            _ = try await call(.GET, "/v1/daily-checkin/2001-01-01", token: token)
            _ = try await call(.GET, "/v1/daily-checkin/yesterday", token: token)
            _ = try await call(.GET, "/v1/daily-checkin?start_date=2001-01-01&end_date=\(today)&limit=10", token: token)
            _ = try await call(.GET, "/v1/daily-checkin?limit=367", token: token)

            let planBody: JSON = [
                "name": "Spring marathon", "goal_race_date": "2030-04-18", "goal_race_distance_m": 42_195, "status": "active",
            ]
            let plan = try await call(.POST, "/v1/plans", json: planBody, token: token)
            _ = try await call(.POST, "/v1/plans", json: planBody, token: token)
            _ = try await call(.POST, "/v1/plans", json: ["name": "No race"], token: token)
            let planID = plan.json["id"].string ?? ""
            _ = try await call(.GET, "/v1/plans", token: token)
            _ = try await call(.PATCH, "/v1/plans/\(planID)", json: ["goal_race_name": nil, "total_weeks": 16], token: token)
            let workout = try await call(
                .POST, "/v1/plans/\(planID)/workouts",
                json: ["scheduled_date": "2030-01-02", "workout_type": "tempo", "title": "Tempo", "phase": "build"], token: token)
            _ = try await call(
                .POST, "/v1/plans/\(planID)/workouts",
                json: ["scheduled_date": "2030-01-02", "workout_type": "easy", "title": "Easy"], token: token)
            _ = try await call(
                .POST, "/v1/plans/\(UUID())/workouts",
                json: ["scheduled_date": "2030-01-03", "workout_type": "easy", "title": "Easy"], token: token)
            let workoutID = workout.json["id"].string ?? ""
            _ = try await call(
                .PATCH, "/v1/plans/\(planID)/workouts/\(workoutID)", json: ["phase": nil, "target_pace_min_s_per_km": 240], token: token)
            _ = try await call(.PATCH, "/v1/plans/\(planID)/workouts/\(UUID())", json: [:], token: token)
            _ = try await call(.GET, "/v1/plans/\(planID)", token: token)
            _ = try await call(.DELETE, "/v1/plans/\(planID)/workouts/\(workoutID)", token: token)
            _ = try await call(.DELETE, "/v1/plans/\(planID)", token: token)
            _ = try await call(.GET, "/v1/plans/\(planID)", token: token)

            // Home (the athlete consented to AI above, so the briefing is queued and `refreshing`).
            let athleteID = registered.json["athlete"]["id"].string ?? ""
            _ = try await call(.GET, "/v1/home", token: token)
            let briefing = try await call(.GET, "/v1/home/briefing", token: token)
            let etag = briefing.headers.first(name: .eTag) ?? ""
            let unchanged = try await call(.GET, "/v1/home/briefing", token: token, headers: [("If-None-Match", "\"other\", \(etag)")])
            #expect(unchanged.status == .notModified)
            _ = try await call(.GET, "/v1/home/briefing", token: token, headers: [("If-None-Match", "*")])
            _ = try await call(.POST, "/v1/home/admin/briefing-refresh/\(athleteID)", token: token)
            _ = try await call(.POST, "/v1/home/admin/briefing-refresh/not-a-uuid", token: token)
            try await t.setRole(Role.admin.rawValue, athleteID: athleteID)
            _ = try await call(.POST, "/v1/home/admin/briefing-refresh/\(athleteID)", token: token)
            _ = try await call(.POST, "/v1/home/admin/briefing-refresh/\(UUID())", token: token)

            // Coach: refused without consent; then a whole answer, a stream, and the budget used up.
            let bystander = try await call(.POST, "/v1/auth/register", json: ["email": "b-\(email)", "password": "tempo-run-42-miles"])
            let noConsent = bystander.json["access_token"].string ?? ""
            _ = try await call(.POST, "/v1/coach/chat", json: ["message": "How was my week?"], token: noConsent)
            _ = try await call(.POST, "/v1/coach/chat/stream", json: ["message": "How was my week?"], token: noConsent)
            _ = try await call(.GET, "/v1/coach/history", token: token)
            _ = try await call(.POST, "/v1/coach/chat", json: ["message": " \n "], token: token)
            _ = try await call(.POST, "/v1/coach/chat/stream", json: ["message": "hi", "include_context": nil], token: token)
            _ = try await call(.POST, "/v1/coach/chat", json: ["message": "How was my week?", "include_context": false], token: token)
            let stream = try await call(
                .POST, "/v1/coach/chat/stream", json: ["message": "And today?", "is_synthetic_probe": true], token: token)
            #expect(stream.status == .ok && stream.text.contains("event: done"))
            let exhausted = try await call(.POST, "/v1/coach/chat/stream", json: ["message": "One more?"], token: token)
            #expect(exhausted.status == .tooManyRequests && exhausted.json["code"] == "coach_budget_exhausted")
            _ = try await call(.POST, "/v1/coach/chat", json: ["message": "One more?"], token: token)
            _ = try await call(.GET, "/v1/coach/history?limit=10", token: token)
            _ = try await call(.GET, "/v1/coach/history?limit=abc", token: token)
            _ = try await call(.GET, "/v1/coach/context", token: token)
            _ = try await call(.GET, "/v1/coach/context?days=99999999999", token: token)
            _ = try await call(.GET, "/v1/coach/context?days=1.5", token: token)
            _ = try await call(.GET, "/v1/coach/suggestions", token: token)
            _ = try await call(.GET, "/v1/coach/suggestions", token: noConsent)
            _ = try await call(.POST, "/v1/coach/new-conversation", token: token)
            _ = try await call(.POST, "/v1/coach/new-conversation", token: token)

            _ = try await call(.POST, "/v1/auth/logout", token: token)
            _ = try await call(.GET, "/v1/athlete", token: token)
            #expect(conformance.checked.count >= 85)
        }
    }
}

/// Finds the documented operation and response of a reply and checks the reply against them.
final class Conformance: @unchecked Sendable {
    let document: JSON
    let validator: SchemaValidator
    private(set) var checked: [String] = []

    init(document: JSON) {
        self.document = document
        validator = SchemaValidator(document: document)
    }

    /// The documented path template for a concrete path (constant segments win over parameters).
    func template(for path: String) -> String? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        let candidates = document["paths"].object.keys.filter { template in
            let parts = template.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == segments.count && zip(parts, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }
        return candidates.min { $0.filter { $0 == "{" }.count < $1.filter { $0 == "{" }.count }
    }

    func expect(_ reply: Reply, _ method: HTTPMethod, _ url: String, sourceLocation: SourceLocation) {
        let path = String(url.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
        let name = "\(method.rawValue) \(url) → \(reply.status.code)"
        checked.append(name)
        guard let template = template(for: path) else {
            Issue.record("\(name): no documented path", sourceLocation: sourceLocation)
            return
        }
        let operation = document["paths"][template][method.rawValue.lowercased()]
        guard !operation.isNull else {
            Issue.record("\(name): method not documented", sourceLocation: sourceLocation)
            return
        }
        let response = operation["responses"][String(reply.status.code)]
        guard !response.isNull else {
            Issue.record("\(name): status not documented (\(reply.text.prefix(300)))", sourceLocation: sourceLocation)
            return
        }
        for (header, spec) in response["headers"].object where spec["required"] == true {
            #expect(reply.headers.first(name: header) != nil, "\(name): missing header \(header)", sourceLocation: sourceLocation)
        }
        if let stream = response["content"].object["text/event-stream"] {
            #expect(
                reply.headers.first(name: .contentType) == "text/event-stream", "\(name): not an event stream",
                sourceLocation: sourceLocation)
            let events = Self.serverSentEvents(reply.text)
            #expect(!events.isEmpty, "\(name): no events", sourceLocation: sourceLocation)
            for (index, event) in events.enumerated() {
                let problems = validator.problems(event, against: stream["x-itemSchema"])
                #expect(problems.isEmpty, "\(name), event \(index): \(problems) in \(event)", sourceLocation: sourceLocation)
            }
            return
        }
        if response["content"].object["text/plain"] != nil {
            #expect(
                reply.headers.contentType?.type == "text" && reply.headers.contentType?.subType == "plain",
                "\(name): not plain text", sourceLocation: sourceLocation)
            return
        }
        let schema = response["content"]["application/json"]["schema"]
        if schema.isNull {
            #expect(reply.body.isEmpty, "\(name): documented without a body", sourceLocation: sourceLocation)
            return
        }
        #expect(reply.headers.contentType == .json, "\(name): not JSON", sourceLocation: sourceLocation)
        guard let body = try? JSON(data: reply.body) else {
            Issue.record("\(name): body is not JSON: \(reply.text.prefix(300))", sourceLocation: sourceLocation)
            return
        }
        let problems = validator.problems(body, against: schema)
        #expect(problems.isEmpty, "\(name): \(problems) in \(reply.text.prefix(500))", sourceLocation: sourceLocation)
    }

    /// A `text/event-stream` body as a client parses it: one `{id, event, data}` object per event (SSE fields
    /// other than these three are kept too, so the schema sees them).
    static func serverSentEvents(_ text: String) -> [JSON] {
        text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n").compactMap { block in
            var fields: [String: JSON] = [:]
            var data: [String] = []
            for line in block.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix(":") {
                let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                let value = parts.count > 1 ? String(parts[1].hasPrefix(" ") ? parts[1].dropFirst() : parts[1]) : ""
                if parts[0] == "data" { data.append(value) } else { fields[String(parts[0])] = .string(value) }
            }
            guard !data.isEmpty else { return nil }
            fields["data"] = .string(data.joined(separator: "\n"))
            return .object(fields)
        }
    }
}
