import Foundation
import StrideIQCore
import Vapor

extension HomeRoutes {
    /// The answer of the admin refresh: `enqueued`, or `coalesced` into the job already queued.
    struct RefreshAccepted: Content {
        let status: String
        let athleteID: UUID
        enum CodingKeys: String, CodingKey { case status, athleteID = "athlete_id" }
    }
}

/// The briefing fields as `/v1/home` and `/v1/home/briefing` show them.
struct BriefingView: Encodable, Sendable, Equatable {
    let state: BriefingState
    let entry: BriefingEntry?

    enum CodingKeys: String, CodingKey {
        case coachBriefing = "coach_briefing", briefingState = "briefing_state", briefingIsInterim = "briefing_is_interim"
        case briefingLastUpdatedAt = "briefing_last_updated_at", briefingSource = "briefing_source"
        case briefingSourceModel = "briefing_source_model", fallbackReason = "fallback_reason"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeOrNull(entry?.payload, forKey: .coachBriefing)
        try c.encode(state, forKey: .briefingState)
        try c.encode(entry?.isInterim ?? false, forKey: .briefingIsInterim)
        try c.encodeOrNull(entry?.generatedAt, forKey: .briefingLastUpdatedAt)
        try c.encodeOrNull(entry?.briefingSource, forKey: .briefingSource)
        try c.encodeOrNull(entry?.sourceModel, forKey: .briefingSourceModel)
        try c.encodeOrNull(entry?.fallbackReason, forKey: .fallbackReason)
    }
}

/// `/v1/home`: the deterministic payload and the briefing fields side by side in one object.
struct HomeResponse: Encodable, Sendable {
    let home: HomePayload
    let briefing: BriefingView
    /// `home` as `JSONCoding.encoder` writes it, when the snapshot it came from kept those bytes: the payload is
    /// most of the response, and encoding it was the largest cost of a snapshot hit.
    var homeJSON: Data?
    /// `briefing` likewise, when the caller had it encoded already (`BriefingService.json(of:for:)`).
    var briefingJSON: Data?

    init(home: HomePayload, briefing: BriefingView, homeJSON: Data? = nil, briefingJSON: Data? = nil) {
        self.home = home
        self.briefing = briefing
        self.homeJSON = homeJSON
        self.briefingJSON = briefingJSON
    }

    func encode(to encoder: any Encoder) throws {
        try home.encode(to: encoder)
        try briefing.encode(to: encoder)
    }

    /// The response body: the home object's members, then the briefing's (the two never share a key), each
    /// in sorted key order. The same members as `encode(to:)`, grouped instead of interleaved.
    func jsonBody() throws -> Data {
        Self.mergeObjects(try homeJSON ?? JSONCoding.encoder.encode(home), try briefingBody())
    }

    /// The briefing fields alone (`/v1/home/briefing`).
    func briefingBody() throws -> Data {
        try briefingJSON ?? JSONCoding.encoder.encode(briefing)
    }

    /// Two encoded JSON objects as one: `{a}` and `{b}` give `{a,b}`.
    static func mergeObjects(_ first: Data, _ second: Data) -> Data {
        guard first.count > 2 else { return second }
        guard second.count > 2 else { return first }
        var merged = Data(capacity: first.count + second.count)
        merged.append(first.dropLast())
        merged.append(UInt8(ascii: ","))
        merged.append(second.dropFirst())
        return merged
    }
}
