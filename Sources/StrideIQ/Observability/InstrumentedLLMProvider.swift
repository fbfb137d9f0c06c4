import AsyncHTTPClient
import LLM
import Logging

/// Measures every call of the provider it wraps — latency, time to first token, and errors by provider, model
/// and reason — so no call site can forget to. It wraps one provider, not a chain: `make` wraps each provider
/// of a purpose's chain, so every attempt is counted under the provider that was actually called.
struct InstrumentedLLMProvider: LLMProvider {
    let base: any LLMProvider
    /// `briefing` or `coach`.
    let purpose: String
    let metrics: Metrics

    var descriptor: ProviderDescriptor { base.descriptor }

    /// What `purpose` calls: its primary, then its fallback when one is configured (a `FallbackChain` inside the
    /// caller's one deadline), each measured, with their series exported at zero from now on.
    static func make(
        purpose: LLMPurpose, primary: LLMSettings, fallback: LLMSettings?, metrics: Metrics,
        httpClient: HTTPClient, logger: Logger
    ) -> any LLMProvider {
        let provider = LLMProviderFactory.make(
            primary: primary, fallbacks: fallback.map { [$0] } ?? [], httpClient: httpClient,
            logger: logger
        ) { base in
            InstrumentedLLMProvider(base: base, purpose: purpose.rawValue, metrics: metrics)
        }
        metrics.startAtZero(purpose: purpose.rawValue, providers: provider.chainDescriptors)
        return provider
    }

    func complete(_ request: ChatRequest, deadline: ContinuousClock.Instant) async throws -> ChatCompletion {
        let start = ContinuousClock.now
        do {
            let completion = try await base.complete(request, deadline: deadline)
            record(completion)
            return completion
        } catch {
            recordFailure(error, elapsed: .now - start, timeToFirstToken: nil, deadline: deadline)
            throw error
        }
    }

    /// Passes every event through as it arrives. Ending the returned stream (consumer cancelled or gone)
    /// cancels the relay task, which drops the upstream stream and so cancels the HTTP request, as before.
    func stream(_ request: ChatRequest, deadline: ContinuousClock.Instant) -> LLMStream {
        let upstream = base.stream(request, deadline: deadline)
        let (stream, continuation) = LLMStream.makeStream()
        let relay = Task {
            let start = ContinuousClock.now
            var firstToken: Duration?
            // A consumer may stop reading right after `.done` (a fallback chain does), which cancels this task:
            // the call is already recorded as answered then, not as cancelled.
            var answered = false
            do {
                for try await event in upstream {
                    switch event {
                    case .delta: if firstToken == nil { firstToken = .now - start }
                    case .done(let completion):
                        answered = true
                        record(completion)
                    }
                    continuation.yield(event)
                }
                if Task.isCancelled, !answered {
                    recordFailure(LLMError.cancelled, elapsed: .now - start, timeToFirstToken: firstToken, deadline: deadline)
                }
                continuation.finish()
            } catch {
                if !answered { recordFailure(error, elapsed: .now - start, timeToFirstToken: firstToken, deadline: deadline) }
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in relay.cancel() }
        return stream
    }

    private func record(_ completion: ChatCompletion) {
        metrics.llmCall(
            purpose: purpose, provider: completion.provider, model: completion.model, outcome: "ok",
            duration: completion.latency, timeToFirstToken: completion.timeToFirstToken)
    }

    /// A call cut off at the deadline is a deadline timeout, even when the cut reached it as a cancellation (a
    /// fallback chain cancels the attempt it is racing against the deadline).
    private func recordFailure(_ error: any Error, elapsed: Duration, timeToFirstToken: Duration?, deadline: ContinuousClock.Instant) {
        var error = LLMError(error)
        if error == .cancelled, ContinuousClock.now >= deadline { error = .timeout(.deadline) }
        metrics.llmCall(
            purpose: purpose, provider: descriptor.name, model: descriptor.model, outcome: error.code,
            duration: elapsed, timeToFirstToken: timeToFirstToken)
    }
}
