import Fluent
import StrideIQCore
import Vapor

/// `/v1/coach/*` (the original's paths): chat (whole answer), chat/stream (SSE), new-conversation, history,
/// context, suggestions (`CoachService` holds the turn logic). Register it under the athlete authenticator.
struct CoachRoutes: RouteCollection {
    static let historyDefaultLimit = 50
    static let historyLimit = 1...500

    func boot(routes: any RoutesBuilder) throws {
        let coach = routes.grouped("v1", "coach")
        coach.post("chat", use: chat)
        coach.post("chat", "stream", use: chatStream)
        coach.post("new-conversation", use: newConversation)
        coach.get("history", use: history)
        coach.get("context", use: context)
        coach.get("suggestions", use: suggestions)
    }

    func chat(req: Request) async throws -> JSONResponse<CoachChatResponse> {
        let started = ContinuousClock.now
        let prepared = try await admit(req, started: started)
        let output = await req.application.coach.complete(prepared)
        return JSONResponse(.ok, CoachChatResponse(began: prepared.began, output: output))
    }

    func chatStream(req: Request) async throws -> Response {
        let started = ContinuousClock.now
        let prepared = try await admit(req, started: started)
        return req.application.coach.stream(prepared)
    }

    private func admit(_ req: Request, started: ContinuousClock.Instant) async throws -> CoachService.Prepared {
        let athlete = try req.currentAthlete.athlete
        // Consent first (403 before 422), then the body.
        try req.application.coach.requireConsent(athlete)
        let body = try req.decodeBody(CoachChatBody.self).value
        return try await req.application.coach.admit(
            athlete: athlete, message: body.message,
            includeContext: body.includeContext ?? true, started: started,
            requestID: req.logger[metadataKey: "request-id"].map { "\($0)" }, on: req.db)
    }

    func newConversation(req: Request) async throws -> JSONResponse<NewConversationResponse> {
        let athlete = try req.currentAthlete
        let closed = try await req.application.coach.store.newConversation(athleteID: athlete.id, now: req.application.now(), on: req.db)
        return JSONResponse(.ok, NewConversationResponse(ok: true, closedThreadID: closed))
    }

    func history(req: Request) async throws -> JSONResponse<CoachHistoryResponse> {
        let athlete = try req.currentAthlete
        let limit = try Self.intQuery(req, "limit", default: Self.historyDefaultLimit, clamp: Self.historyLimit)
        let (thread, messages) = try await req.application.coach.store.history(
            athleteID: athlete.id, limit: limit, now: req.application.now(), on: req.db)
        return JSONResponse(.ok, CoachHistoryResponse(threadID: thread?.id, messages: messages.map(CoachMessageDTO.init)))
    }

    func context(req: Request) async throws -> JSONResponse<CoachContextResponse> {
        let athlete = try req.currentAthlete.athlete
        let days = try Self.intQuery(req, "days", default: CoachContextBuilder.defaultRunDays, clamp: CoachContextBuilder.runDaysRange)
        let input = try await CoachContextLoader.load(athlete: athlete, now: req.application.now(), runDays: days, on: req.db)
        let context = CoachContextBuilder.build(input, runDays: days)
        return JSONResponse(.ok, CoachContextResponse(context: context))
    }

    func suggestions(req: Request) async throws -> JSONResponse<CoachSuggestionsResponse> {
        let athlete = try req.currentAthlete.athlete
        let input = try await CoachContextLoader.load(athlete: athlete, now: req.application.now(), on: req.db)
        return JSONResponse(.ok, CoachSuggestionsResponse(suggestions: CoachSuggestions.build(input)))
    }

    /// An integer query parameter, clamped into `range` (as the original clamps `limit`); not an integer → 422.
    static func intQuery(_ req: Request, _ name: String, default value: Int, clamp range: ClosedRange<Int>) throws -> Int {
        guard let raw = req.query[String.self, at: name] else { return value }
        guard let parsed = Int(raw.trimmingCharacters(in: .whitespaces)) else {
            throw APIError.validation(field: name, "must be an integer")
        }
        return min(max(parsed, range.lowerBound), range.upperBound)
    }
}
