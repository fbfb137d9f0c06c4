import Foundation
import LLM
import Synchronization

/// How a coach answer ended (`finish_reason` of `done` and of the saved message).
enum CoachFinishReason: String, Sendable, Codable, CaseIterable {
    case stop, length, timeout, cancelled, error
    case shuttingDown = "shutting_down"
}

/// What a turn produced, complete or partial.
struct CoachTurnOutput: Sendable {
    var text: String
    var finishReason: CoachFinishReason
    var timedOut: Bool
    /// Set when the answer failed or was cut short by something other than the client or the ceiling.
    var errorCode: String?
    var errorMessage: String?
    var provider: String
    var model: String
    /// `llm` or `offline`; nil when the provider never finished.
    var source: String?
    var fallbackReason: String?
    var usage: TokenUsage
    /// From the request's arrival.
    var elapsed: Duration
    var timeToFirstDelta: Duration?
    /// The provider's own time to its first token (from its call's start), when it finished.
    var providerTimeToFirstToken: Duration?
    var deltaCount: Int
    /// Distinct tools called, in the order of their first call (`done.tools_used`).
    var toolsUsed: [String] = []
    /// Tool calls run, repeats included (for the log; `done.tool_count` counts distinct tools).
    var toolCalls = 0
    /// Rounds in which the model asked for tools.
    var toolRounds = 0

    var isError: Bool { errorCode != nil }

    /// Who answered, and the tokens of every round so far plus this last one.
    mutating func record(_ completion: ChatCompletion, earlierUsage: TokenUsage?) {
        provider = completion.provider
        model = completion.model
        source = completion.source.rawValue
        fallbackReason = completion.fallbackReason
        usage = CoachTurn.sum(earlierUsage, completion.usage)
    }
}

/// The coach's tools for one turn: which tools, for whom, and how many rounds the model may ask for them.
struct CoachToolRunner: Sendable {
    /// Rounds of tool calls a turn runs; the model is then asked to answer without tools.
    static let maxRounds = 5

    let toolbox: CoachToolbox
    let context: CoachToolContext
    var maxRounds = CoachToolRunner.maxRounds
}

/// One answer from the coach's provider, driven as a small event loop in the caller's task: provider chunks,
/// the heartbeat timer, the ceiling and outside signals (shutdown, client gone) all arrive in one inbox and are
/// handled in order, so exactly one of them ends the turn and nothing is emitted after it. Each chunk is
/// emitted the moment the loop takes it; `emit` says whether the client took it.
///
/// Bounded both ways. The answer is cut at the request's `maxOutputBytes` (finish `length`); the provider
/// layer cuts there too, so this only matters for a provider that does not. And the provider is read only
/// as fast as the client reads: the request carries `flow`, whose window (`flowWindow`) is all the answer
/// that may wait between the provider's socket and the client's, since each chunk counts as consumed only once
/// `emit` has written it. A client that does not read makes `emit` wait, so the provider's reader waits
/// too, and the writer ends the turn if that lasts (`clientStalled`).
///
/// Ending the turn cancels the provider's task, which cancels its HTTP request and closes the connection.
final class CoachTurn: Sendable {
    enum Signal: Sendable { case shutdown, clientGone }

    /// What became of an emitted frame.
    enum Delivery: Sendable, Equatable {
        case delivered
        /// The client left (a write failed).
        case clientGone
        /// The client stopped reading for longer than the writer waits (see `CoachFrameWriter`).
        case clientStalled
    }

    /// Bytes of answer that may be read from the provider and not yet written to the client.
    static let flowWindow = 64 * 1024

    /// What `emit` receives while the turn runs (the caller writes `meta` before and `done` after).
    enum Output: Sendable {
        case delta(String)
        case heartbeat
        case error(code: String, message: String)
        /// A tool call starts, or ended `ok` or `failed` (`tool` frames).
        case tool(name: String, status: ToolStatus)
    }

    enum ToolStatus: String, Sendable, Codable, CaseIterable {
        case started, ok, failed
    }

    private enum Input: Sendable {
        case chunk(String)
        /// The model asked for tools (a round that is not the answer): its usage counts.
        case toolRound(ChatCompletion)
        case tool(name: String, status: ToolStatus)
        /// The model still asked for tools when told to answer without them.
        case toolLimit(ChatCompletion)
        case completed(ChatCompletion)
        case providerEnded
        case providerFailed(LLMError)
        case heartbeatDue
        case ceiling
        case signal(Signal)
    }

    let provider: any LLMProvider
    /// The caller's request with this turn's `flow`.
    let request: ChatRequest
    let flow: StreamFlow
    let started: ContinuousClock.Instant
    /// The ceiling, counted from the request's arrival.
    let deadline: ContinuousClock.Instant
    /// Heartbeat after this much silence; nil = no heartbeats (whole-answer chat).
    let heartbeat: Duration?
    /// The tools the model may call; nil = a plain answer.
    let tools: CoachToolRunner?

    private let inbox: AsyncStream<Input>
    private let inboxContinuation: AsyncStream<Input>.Continuation
    /// When something was last written to the client (the heartbeat timer reads it from its own task).
    private let lastOutput: Mutex<ContinuousClock.Instant>

    /// `onBuffered` gets every change of the answer bytes read and not yet emitted (see `StreamFlow`).
    init(
        provider: any LLMProvider, request: ChatRequest, started: ContinuousClock.Instant, ceiling: Duration, heartbeat: Duration?,
        tools: CoachToolRunner? = nil, onBuffered: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.provider = provider
        let flow = StreamFlow(window: Self.flowWindow, onChange: onBuffered)
        var request = request
        request.flow = flow
        if let tools, !tools.toolbox.tools.isEmpty {
            request.tools = tools.toolbox.definitions
            request.toolChoice = .auto
        }
        self.tools = tools
        self.request = request
        self.flow = flow
        self.started = started
        self.deadline = started + ceiling
        self.heartbeat = heartbeat
        (inbox, inboxContinuation) = AsyncStream<Input>.makeStream()
        lastOutput = Mutex(.now)
    }

    /// Ends the turn from outside (the shutdown drain). Safe from any thread.
    func signal(_ signal: Signal) {
        inboxContinuation.yield(.signal(signal))
    }

    /// Runs the turn to its end. Never throws: every ending is an output.
    func run(emit: (Output) async -> Delivery) async -> CoachTurnOutput {
        let continuation = inboxContinuation
        let descriptor = provider.descriptor
        var output = CoachTurnOutput(
            text: "", finishReason: .stop, timedOut: false, provider: descriptor.name,
            model: descriptor.model, usage: TokenUsage(), elapsed: .zero, deltaCount: 0)
        if ContinuousClock.now >= deadline {
            output.finishReason = .timeout
            output.timedOut = true
            output.elapsed = started.duration(to: .now)
            return output
        }
        let provider = self.provider
        let request = self.request
        let deadline = self.deadline
        let tools = self.tools
        let providerTask = Task {
            do {
                try await Self.converse(provider: provider, request: request, deadline: deadline, tools: tools, inbox: continuation)
            } catch {
                continuation.yield(.providerFailed(LLMError(error)))
            }
        }
        let heartbeat = self.heartbeat
        lastOutput.withLock { $0 = .now }
        let timerTask = Task { [self] in
            while !Task.isCancelled {
                var due = deadline
                if let heartbeat { due = min(due, lastOutput.withLock { $0 } + heartbeat) }
                do { try await Task.sleep(until: due, clock: .continuous) } catch { return }
                let now = ContinuousClock.now
                if now >= deadline {
                    continuation.yield(.ceiling)
                    return
                }
                if let heartbeat {
                    let fire = lastOutput.withLock { last -> Bool in
                        guard now >= last + heartbeat else { return false }
                        last = now
                        return true
                    }
                    if fire { continuation.yield(.heartbeatDue) }
                }
            }
        }
        let flow = self.flow
        defer {
            flow.close()
            providerTask.cancel()
            timerTask.cancel()
        }

        let maxBytes = request.maxOutputBytes
        var textBytes = 0
        var earlierUsage: TokenUsage?
        var firstDeltaAt: ContinuousClock.Instant?
        /// Emits a chunk, cut to what is left of `maxBytes`. Returns how the turn must end, or nil to go on.
        func deliver(_ chunk: String) async -> (CoachFinishReason, (code: String, message: String)?)? {
            var piece = chunk
            let full = textBytes + chunk.utf8.count > maxBytes
            if full { piece = String(ChatRequest.prefix(of: chunk, fittingIn: maxBytes - textBytes)) }
            if !piece.isEmpty {
                output.text += piece
                textBytes += piece.utf8.count
                output.deltaCount += 1
                if firstDeltaAt == nil { firstDeltaAt = .now }
                lastOutput.withLock { $0 = .now }
                switch await emit(.delta(piece)) {
                case .delivered: break
                case .clientGone: return (.cancelled, nil)
                case .clientStalled: return (.timeout, Self.stalled)
                }
            }
            return full ? (.length, nil) : nil
        }
        /// Ends the answer. With an error, its frame is the last one before `done`.
        func end(_ finish: CoachFinishReason, error: (code: String, message: String)? = nil) async {
            output.finishReason = finish
            if finish == .timeout { output.timedOut = true }
            if let error {
                output.errorCode = error.code
                output.errorMessage = error.message
                _ = await emit(.error(code: error.code, message: error.message))
            }
        }

        loop: for await input in inbox {
            switch input {
            case .chunk(let chunk):
                let ending = await deliver(chunk)
                flow.consumed(chunk.utf8.count)
                if let (finish, error) = ending {
                    await end(finish, error: error)
                    break loop
                }
            case .toolRound(let completion):
                earlierUsage = Self.sum(earlierUsage, completion.usage)
                output.toolRounds += 1
            case .tool(let name, let status):
                if status == .started {
                    output.toolCalls += 1
                    if !output.toolsUsed.contains(name) { output.toolsUsed.append(name) }
                }
                lastOutput.withLock { $0 = .now }
                switch await emit(.tool(name: name, status: status)) {
                case .delivered: break
                case .clientGone:
                    await end(.cancelled)
                    break loop
                case .clientStalled:
                    await end(.timeout, error: Self.stalled)
                    break loop
                }
            case .toolLimit(let completion):
                output.record(completion, earlierUsage: earlierUsage)
                if output.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    await end(.error, error: Self.toolLimit)
                } else {
                    await end(.stop)  // it answered, and asked for more besides: the answer stands
                }
                break loop
            case .completed(let completion):
                output.record(completion, earlierUsage: earlierUsage)
                output.providerTimeToFirstToken = completion.timeToFirstToken
                if output.deltaCount == 0 && !completion.text.isEmpty {
                    // A provider that answered without streaming chunks: forward the text as one delta.
                    if let (finish, error) = await deliver(completion.text) {
                        await end(finish, error: error)
                        break loop
                    }
                }
                switch completion.finishReason {
                case .stop: await end(.stop)
                case .length: await end(.length)
                case .cancelled: await end(.cancelled)
                case .timeout: await end(.timeout, error: ("provider_timeout", Self.message(for: .timeout(.deadline))))
                case .error:
                    let reason = completion.rawFinishReason ?? "error"
                    await end(
                        .error,
                        error: (
                            "provider_refused",
                            "The AI model stopped this answer (\(reason)). Please rephrase and try again."
                        ))
                }
                break loop
            case .providerEnded:
                await end(.error, error: ("malformed_stream", Self.message(for: .malformedStream(""))))
                break loop
            case .providerFailed(let error):
                if error == .timeout(.deadline) && ContinuousClock.now >= deadline - .milliseconds(50) {
                    await end(.timeout)  // the provider hit the same ceiling: report it as the ceiling
                } else {
                    await end(error.finishReason == .timeout ? .timeout : .error, error: (error.code, Self.message(for: error)))
                }
                break loop
            case .heartbeatDue:
                switch await emit(.heartbeat) {
                case .delivered: break
                case .clientGone:
                    await end(.cancelled)
                    break loop
                case .clientStalled:
                    await end(.timeout, error: Self.stalled)
                    break loop
                }
            case .ceiling:
                await end(.timeout)
                break loop
            case .signal(.shutdown):
                await end(
                    .shuttingDown,
                    error: (
                        "shutting_down",
                        "The coach is restarting; your answer so far was saved. Please ask again in a moment."
                    ))
                break loop
            case .signal(.clientGone):
                await end(.cancelled)
                break loop
            }
        }
        continuation.finish()
        output.timeToFirstDelta = firstDeltaAt.map { started.duration(to: $0) }
        output.elapsed = started.duration(to: .now)
        return output
    }

    /// The model's side of the turn, run in the provider's task: one answer, or (with tools) up to
    /// `maxRounds` rounds of tool calls, each followed by a request carrying the calls and their results, and
    /// then one more request that tells the model to answer without tools. Every round streams its text into the
    /// inbox as it arrives and shares the turn's deadline; each tool call is bounded by its own timeout inside it.
    private static func converse(
        provider: any LLMProvider, request: ChatRequest, deadline: ContinuousClock.Instant, tools: CoachToolRunner?,
        inbox: AsyncStream<Input>.Continuation
    ) async throws {
        var request = request
        var rounds = 0
        while true {
            var answer: ChatCompletion?
            for try await event in provider.stream(request, deadline: deadline) {
                switch event {
                case .delta(let chunk):
                    if !chunk.isEmpty { inbox.yield(.chunk(chunk)) }
                case .done(let completion):
                    answer = completion
                }
                if answer != nil { break }
            }
            guard let completion = answer else {
                if !Task.isCancelled { inbox.yield(.providerEnded) }
                return
            }
            guard let tools, !request.tools.isEmpty, !completion.toolCalls.isEmpty else {
                inbox.yield(.completed(completion))
                return
            }
            if rounds >= tools.maxRounds || request.toolChoice == .none {
                inbox.yield(.toolLimit(completion))
                return
            }
            rounds += 1
            inbox.yield(.toolRound(completion))
            var results: [ChatMessage] = []
            for call in completion.toolCalls {
                try Task.checkCancellation()
                inbox.yield(.tool(name: call.name, status: .started))
                let outcome = await tools.toolbox.run(call, context: tools.context, deadline: deadline)
                inbox.yield(.tool(name: call.name, status: outcome.ok ? .ok : .failed))
                results.append(.toolResult(callID: call.id, content: outcome.envelope.jsonText))
            }
            try Task.checkCancellation()
            request.messages.append(.assistant(completion.text, toolCalls: completion.toolCalls))
            request.messages += results
            if rounds >= tools.maxRounds {
                request.toolChoice = .none
                request.messages.append(.user(Self.answerNowInstruction))
            }
        }
    }

    /// Sent with the last request of a turn that used all its tool rounds.
    static let answerNowInstruction =
        "You have looked up enough: answer the question now from the results above, without calling any tool."

    /// `error_code` of a turn whose model kept asking for tools when told to answer without them.
    static let toolLimit = (
        code: "tool_limit",
        message: "The coach kept looking things up without writing an answer. Please ask again, a little more specifically."
    )

    static func sum(_ earlier: TokenUsage?, _ usage: TokenUsage) -> TokenUsage {
        guard let earlier else { return usage }
        func add(_ a: Int?, _ b: Int?) -> Int? { a == nil && b == nil ? nil : (a ?? 0) + (b ?? 0) }
        return TokenUsage(
            inputTokens: add(earlier.inputTokens, usage.inputTokens), outputTokens: add(earlier.outputTokens, usage.outputTokens))
    }

    /// `error_code` of a turn ended because its client stopped reading (finish `timeout`; the client gets no
    /// more frames, its connection is closed).
    static let stalled = (
        code: "client_stalled",
        message: "The answer stopped because the connection stopped reading it; what was sent so far was saved."
    )

    static func message(for error: LLMError) -> String {
        switch error {
        case .timeout: "The coach's AI model did not answer in time. Please try again."
        case .rateLimited: "The coach's AI model is busy right now. Please try again in a minute."
        default: "The coach's AI model failed while answering. Please try again."
        }
    }
}
