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

    var isError: Bool { errorCode != nil }
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
    }

    private enum Input: Sendable {
        case chunk(String)
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

    private let inbox: AsyncStream<Input>
    private let inboxContinuation: AsyncStream<Input>.Continuation
    /// When something was last written to the client (the heartbeat timer reads it from its own task).
    private let lastOutput: Mutex<ContinuousClock.Instant>

    /// `onBuffered` gets every change of the answer bytes read and not yet emitted (see `StreamFlow`).
    init(
        provider: any LLMProvider, request: ChatRequest, started: ContinuousClock.Instant, ceiling: Duration, heartbeat: Duration?,
        onBuffered: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.provider = provider
        let flow = StreamFlow(window: Self.flowWindow, onChange: onBuffered)
        var request = request
        request.flow = flow
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
        let providerTask = Task {
            do {
                for try await event in provider.stream(request, deadline: deadline) {
                    switch event {
                    case .delta(let chunk):
                        if !chunk.isEmpty { continuation.yield(.chunk(chunk)) }
                    case .done(let completion):
                        continuation.yield(.completed(completion))
                        return
                    }
                }
                continuation.yield(.providerEnded)
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
            case .completed(let completion):
                output.provider = completion.provider
                output.model = completion.model
                output.source = completion.source.rawValue
                output.fallbackReason = completion.fallbackReason
                output.usage = completion.usage
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
