import LLM

/// Measures every call of the provider it wraps — latency, time to first token, and errors by provider, model
/// and reason — so no call site can forget to. `configure` wraps the briefing and coach providers.
struct InstrumentedLLMProvider: LLMProvider {
    let base: any LLMProvider
    /// `briefing` or `coach`.
    let purpose: String
    let metrics: Metrics

    var descriptor: ProviderDescriptor { base.descriptor }

    func complete(_ request: ChatRequest, deadline: ContinuousClock.Instant) async throws -> ChatCompletion {
        let start = ContinuousClock.now
        do {
            let completion = try await base.complete(request, deadline: deadline)
            record(completion)
            return completion
        } catch {
            recordFailure(error, elapsed: .now - start, timeToFirstToken: nil)
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
            do {
                for try await event in upstream {
                    switch event {
                    case .delta: if firstToken == nil { firstToken = .now - start }
                    case .done(let completion): record(completion)
                    }
                    continuation.yield(event)
                }
                if Task.isCancelled { recordFailure(LLMError.cancelled, elapsed: .now - start, timeToFirstToken: firstToken) }
                continuation.finish()
            } catch {
                recordFailure(error, elapsed: .now - start, timeToFirstToken: firstToken)
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in relay.cancel() }
        return stream
    }

    private func record(_ completion: ChatCompletion) {
        for attempt in completion.failedAttempts {
            metrics.llmCall(purpose: purpose, provider: attempt.provider, model: attempt.model, outcome: attempt.error.code,
                            duration: attempt.elapsed, timeToFirstToken: nil)
        }
        metrics.llmCall(purpose: purpose, provider: completion.provider, model: completion.model, outcome: "ok",
                        duration: completion.latency, timeToFirstToken: completion.timeToFirstToken)
    }

    private func recordFailure(_ error: any Error, elapsed: Duration, timeToFirstToken: Duration?) {
        metrics.llmCall(purpose: purpose, provider: descriptor.name, model: descriptor.model, outcome: LLMError(error).code,
                        duration: elapsed, timeToFirstToken: timeToFirstToken)
    }
}
