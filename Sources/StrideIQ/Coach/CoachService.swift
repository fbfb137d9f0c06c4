import Fluent
import Foundation
import LLM
import StrideIQSupport
import Vapor

/// The coach chat: admits a turn (consent, caps, budget), saves the user's message, asks the provider and
/// streams its chunks, then saves the answer — complete or partial — with how it ended.
///
/// The streaming half runs after the handler returned, so it never touches the request: it uses the app's
/// database (`database()`), the app clock and its own task. Every turn is bounded by the ceiling
/// (`COACH_STREAM_TIMEOUT_S`, from the request's arrival) and registered in `streams` (caps, shutdown drain).
final class CoachService: Sendable {
    /// How long `done` waits for the answer to be saved before it is sent anyway.
    static let saveTimeout: Duration = .seconds(5)
    /// `Retry-After` for `coach_busy`.
    static let busyRetryAfterS = 5
    /// Default drain bound for `shutdown`.
    static let defaultShutdownGrace: Duration = .seconds(5)

    let provider: any LLMProvider
    let streams: CoachStreams
    let store: CoachStore
    let ceiling: Duration
    let heartbeat: Duration
    let dailyBudget: Int
    /// `max_tokens` asked of the model (`COACH_MAX_OUTPUT_TOKENS`).
    let maxOutputTokens: Int
    /// How long a stream may wait for its client to take a frame before the turn ends (`client_stalled`):
    /// the coach's idle timeout (`COACH_LLM_IDLE_TIMEOUT_S`), the same patience it has with a silent provider.
    let stallTimeout: Duration
    /// Answer bytes read from providers and not yet written to clients, over every turn in progress.
    private let buffered = LockedBox(0)
    private let toolboxBox: LockedBox<CoachToolbox>
    let now: @Sendable () -> Date
    let database: @Sendable () -> any Database
    let metrics: Metrics
    let logger: Logger

    init(
        provider: any LLMProvider, config: AppConfig, now: @escaping @Sendable () -> Date,
        database: @escaping @Sendable () -> any Database, metrics: Metrics, logger: Logger
    ) {
        self.provider = provider
        self.streams = CoachStreams(maxStreams: config.coachMaxStreams, maxPerAthlete: config.coachMaxStreamsPerAthlete) { open in
            metrics.coachStreamsOpen(open)
        }
        self.maxOutputTokens = config.coachMaxOutputTokens
        self.toolboxBox = LockedBox(CoachToolbox(tools: config.coachTools ? CoachTools.standard : []))
        self.store = CoachStore(maxAnswerBytes: config.coachMaxOutputTokens * ChatRequest.bytesPerTokenBound)
        self.stallTimeout = config.coachLLM.timeouts.idle
        self.ceiling = .milliseconds(Int64((config.coachStreamTimeout * 1000).rounded()))
        self.heartbeat = .milliseconds(Int64((config.coachHeartbeat * 1000).rounded()))
        self.dailyBudget = config.coachDailyMessageBudget
        self.now = now
        self.database = database
        self.metrics = metrics
        self.logger = logger
    }

    /// The tools the coach's model may call (`CoachTools.standard`, none with `COACH_TOOLS=false`; tests put
    /// others in).
    var toolbox: CoachToolbox {
        get { toolboxBox.current }
        set { toolboxBox.withLock { $0 = newValue } }
    }

    /// Built from the app's services (after `app.strideIQ` is set).
    convenience init(app: Application) {
        let services = app.strideIQ
        var logger = app.logger
        logger[metadataKey: "component"] = "coach"
        self.init(
            provider: services.coachProvider, config: services.config,
            now: services.now, database: { [unowned app] in app.db }, metrics: services.metrics,
            logger: logger)
    }

    /// Ends every open stream with `error {code: "shutting_down"}` + `done` and waits (at most `grace`) until
    /// their last frames are flushed; refuses new turns from then on. Idempotent.
    @discardableResult
    func shutdown(grace: Duration = CoachService.defaultShutdownGrace) async -> (signalled: Int, remaining: Int) {
        let result = await streams.shutdown(grace: grace)
        if result.signalled > 0 {
            logger.notice("coach streams drained", metadata: ["signalled": "\(result.signalled)", "still_open": "\(result.remaining)"])
        }
        return result
    }

    // MARK: admission

    /// 403 `ai_consent_required` unless the athlete turned `ai_consent` on.
    func requireConsent(_ athlete: Athlete) throws {
        guard athlete.aiConsent else {
            refused(.aiConsentRequired)
            throw APIError(
                .forbidden, code: .aiConsentRequired,
                detail: "AI coaching needs your consent: turn on ai_consent in your profile (PATCH /v1/athlete).")
        }
    }

    struct Prepared: Sendable {
        let began: CoachStore.BeganTurn
        let request: ChatRequest
        let started: ContinuousClock.Instant
        let slot: CoachSlot
        /// The coach's logger carrying the request's id, so the turn's lines match the request's line.
        let logger: Logger
        /// The tools, bound to the authenticated athlete.
        let tools: CoachToolRunner
    }

    /// Everything before the provider is asked: consent, a slot, the context, the budget, the saved user
    /// message. Runs inside the handler (request database). On any refusal nothing is written and no slot kept.
    func admit(
        athlete: Athlete, message: String, includeContext: Bool, started: ContinuousClock.Instant,
        requestID: String? = nil, on db: any Database
    ) async throws -> Prepared {
        try requireConsent(athlete)
        let athleteID = try athlete.requireID()
        let slot: CoachSlot
        do {
            slot = try streams.acquire(athleteID: athleteID)
        } catch {
            switch error {
            case .processBusy, .athleteBusy:
                refused(.coachBusy)
                let detail =
                    error == .athleteBusy
                    ? "You already have \(streams.maxPerAthlete) coach answers in progress; wait for one to finish."
                    : "The coach is answering as many athletes as it can right now; try again in a few seconds."
                throw APIError.tooManyRequests(code: .coachBusy, detail: detail, retryAfter: Self.busyRetryAfterS)
            case .shuttingDown:
                refused(.shuttingDown)
                throw APIError(
                    .serviceUnavailable, code: .shuttingDown, detail: "The coach is restarting; try again in a moment.",
                    headers: ["Retry-After": "\(Self.busyRetryAfterS)"])
            }
        }
        do {
            let now = now()
            // The context (reads) and the turn's rows (one write transaction) do not depend on each other:
            // loaded side by side, admission waits for the slower of the two instead of their sum.
            async let loaded: CoachContextInput? =
                includeContext ? CoachContextLoader.load(athlete: athlete, now: now, on: db) : nil
            let began = try await store.beginTurn(athleteID: athleteID, message: message, now: now, dailyBudget: dailyBudget, on: db)
            let context =
                try await loaded.map { CoachContextBuilder.build($0) }
                ?? CoachContext(
                    systemPrompt: CoachContextBuilder.instructions, facts: [], truncated: false,
                    runDays: CoachContextBuilder.defaultRunDays)
            let request = ChatRequest(
                messages: [.system(context.systemPrompt)] + began.history + [.user(message)],
                maxTokens: maxOutputTokens, facts: context.facts)
            var turnLogger = logger
            if let requestID { turnLogger[metadataKey: "request-id"] = .string(requestID) }
            let tools = CoachToolRunner(
                toolbox: toolbox,
                context: CoachToolContext(
                    athleteID: athleteID, units: athlete.units, timeZone: athlete.timeZone, now: now, database: database))
            return Prepared(began: began, request: request, started: started, slot: slot, logger: turnLogger, tools: tools)
        } catch {
            slot.release()
            if let api = error as? APIError { refused(api.code) }
            throw error
        }
    }

    // MARK: streaming

    /// The SSE response that carries the turn. The turn runs as the response body, in the body's one task:
    /// it writes `meta`, each chunk as it arrives, heartbeats, and after saving the answer `done`, then ends
    /// the body and frees the slot. A write that fails (the client left) ends the turn where it is: the
    /// provider's request is cancelled and the partial answer saved as `cancelled`. Vapor runs the body even
    /// when the connection closed before the response head went out (its first write then fails), so every
    /// admitted turn ends and is saved.
    func stream(_ prepared: Prepared) -> Response {
        let body = Response.Body(asyncStream: { [self] writer in await runStream(prepared, writer) })
        return Response(status: .ok, headers: CoachFrameWriter.headers, body: body)
    }

    private func runStream(_ prepared: Prepared, _ writer: any AsyncBodyStreamWriter) async {
        defer { prepared.slot.release() }
        let turn = CoachTurn(
            provider: provider, request: prepared.request, started: prepared.started,
            ceiling: ceiling, heartbeat: heartbeat, tools: prepared.tools, onBuffered: bufferedChanged)
        streams.setShutdownHandler(prepared.slot) { turn.signal(.shutdown) }
        let began = prepared.began
        let descriptor = provider.descriptor
        let fallback = provider.chainDescriptors.dropFirst().first
        var frames = CoachFrameWriter(writer, stallTimeout: stallTimeout)
        await frames.send(
            "meta",
            CoachMetaFrame(
                threadID: began.threadID, messageID: began.assistantMessageID,
                userMessageID: began.userMessageID, provider: descriptor.name,
                model: descriptor.model, fallbackProvider: fallback?.name,
                fallbackModel: fallback?.model, heartbeatS: heartbeat.seconds,
                timeoutS: ceiling.seconds))
        if frames.clientGone { turn.signal(.clientGone) }  // gone before the first frame: ask nothing
        let output = await turn.run { event in
            switch event {
            case .delta(let text): await frames.sendDelta(text)
            case .heartbeat: await frames.send("heartbeat", CoachHeartbeatFrame())
            case .error(let code, let message): await frames.send("error", CoachErrorFrame(code: code, error: message))
            case .tool(let name, let status): await frames.send("tool", CoachToolFrame(name: name, status: status))
            }
            return frames.delivery
        }
        await save(began, output, logger: prepared.logger)
        await frames.send("done", CoachDoneFrame(threadID: began.threadID, messageID: began.assistantMessageID, output: output))
        await frames.finish()
    }

    // MARK: whole answer

    /// The same turn without streaming: the whole answer, under the same ceiling.
    func complete(_ prepared: Prepared) async -> CoachTurnOutput {
        let turn = CoachTurn(
            provider: provider, request: prepared.request, started: prepared.started,
            ceiling: ceiling, heartbeat: nil, tools: prepared.tools, onBuffered: bufferedChanged)
        streams.setShutdownHandler(prepared.slot) { turn.signal(.shutdown) }
        let output = await turn.run { _ in .delivered }
        await save(prepared.began, output, logger: prepared.logger)
        prepared.slot.release()
        return output
    }

    // MARK: flow

    /// Answer bytes read from providers and not yet written to clients, over every turn in progress (the
    /// `coach_stream_buffered_bytes` gauge). Each turn holds at most about `CoachTurn.flowWindow` plus one
    /// provider read, however slow its client; an ended turn holds nothing.
    var bufferedBytes: Int { buffered.current }

    private var bufferedChanged: @Sendable (Int) -> Void {
        { [buffered, metrics] change in
            buffered.withLock { total in
                total += change
                metrics.coachBufferedBytes(total)  // under the lock, so the gauge never goes back to an older total
            }
        }
    }

    // MARK: ending

    private func save(_ began: CoachStore.BeganTurn, _ output: CoachTurnOutput, logger: Logger) async {
        metrics.coachStreamFinished(finishReason: output.finishReason.rawValue, timeToFirstDelta: output.timeToFirstDelta)
        let store = store
        let database = database
        let now = now()
        do {
            try await withDeadline(Self.saveTimeout) {
                try await store.finishTurn(began, output: output, now: now, on: database())
            }
        } catch {
            metrics.coachSaveFailure()
            logger.error(
                "coach answer not saved",
                metadata: [
                    "message_id": "\(began.assistantMessageID)", "error": "\(String(reflecting: error))",
                ])
        }
        var metadata: Logger.Metadata = [
            "thread_id": "\(began.threadID)", "message_id": "\(began.assistantMessageID)",
            "finish_reason": "\(output.finishReason.rawValue)", "provider": "\(output.provider)",
            "deltas": "\(output.deltaCount)", "elapsed_ms": "\(Int(output.elapsed.milliseconds))",
        ]
        if let code = output.errorCode { metadata["error_code"] = "\(code)" }
        if output.toolCalls > 0 {
            metadata["tool_calls"] = "\(output.toolCalls)"
            metadata["tool_rounds"] = "\(output.toolRounds)"
            metadata["tools"] = "\(output.toolsUsed.joined(separator: ","))"
        }
        if let ttfd = output.timeToFirstDelta { metadata["ttfd_ms"] = "\(Int(ttfd.milliseconds))" }
        logger.info("coach turn ended", metadata: metadata)
    }

    private func refused(_ code: ErrorCode) {
        metrics.coachRefused(code: code.rawValue)
    }
}

extension Application {
    private struct CoachServiceKey: StorageKey { typealias Value = CoachService }

    /// The coach chat service (`configure` installs it).
    var coach: CoachService {
        get {
            guard let coach = storage[CoachServiceKey.self] else { fatalError("configure(_:) has not installed the coach") }
            return coach
        }
        set { storage[CoachServiceKey.self] = newValue }
    }
}
