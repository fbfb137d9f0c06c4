import Logging
import StrideIQSupport

/// Primary, then each fallback, inside ONE deadline: a fallback only gets the time that is left, and the
/// chain never outlives the caller's deadline (each attempt is raced against it). Cancellation is never
/// "fallen back" from.
///
/// Streams fall back only before the first token was emitted; after that the error ends the stream.
/// The answer says which provider answered (`chainIndex`, 0 = primary), why (`fallbackReason` = the code
/// of the last failure) and what failed before it (`failedAttempts`). When every provider fails the error
/// of the last attempt is thrown (`timeout(.deadline)` when the deadline ran out).
public struct FallbackChain: LLMProvider {
    public let providers: [any LLMProvider]
    private let logger: Logger

    public init(_ providers: [any LLMProvider], logger: Logger = Logger(label: "strideiq.llm")) {
        self.providers = providers
        self.logger = logger
    }

    public init(providers: [any LLMProvider], logger: Logger = Logger(label: "strideiq.llm")) {
        self.init(providers, logger: logger)
    }

    /// The primary's descriptor.
    public var descriptor: ProviderDescriptor {
        self.providers.first?.descriptor ?? OfflineProvider().descriptor
    }

    public func complete(_ request: ChatRequest, deadline: ContinuousClock.Instant) async throws -> ChatCompletion {
        var failures: [FailedAttempt] = []
        for (index, provider) in self.providers.enumerated() {
            if Task.isCancelled { throw LLMError.cancelled }
            let started = ContinuousClock.now
            if started >= deadline { throw LLMError.timeout(.deadline) }
            do {
                var completion = try await withDeadline(deadline) {
                    try await provider.complete(request, deadline: deadline)
                }
                self.annotate(&completion, index: index, failures: failures)
                return completion
            } catch {
                if Task.isCancelled || error == .cancelled { throw LLMError.cancelled }
                failures.append(self.record(error, index: index, provider: provider, started: started))
            }
        }
        throw failures.last?.error ?? LLMError.invalidRequest("the fallback chain has no provider")
    }

    public func stream(_ request: ChatRequest, deadline: ContinuousClock.Instant) -> LLMStream {
        makeLLMStream { continuation in
            var failures: [FailedAttempt] = []
            for (index, provider) in self.providers.enumerated() {
                try Task.checkCancellation()
                let started = ContinuousClock.now
                if started >= deadline { throw LLMError.timeout(.deadline) }
                let emitted = LockedBox(false)
                do {
                    var completion = try await withDeadline(deadline) { () async throws -> ChatCompletion in
                        for try await event in provider.stream(request, deadline: deadline) {
                            switch event {
                            case .delta(let text):
                                emitted.withLock { $0 = true }
                                continuation.yield(.delta(text))
                            case .done(let completion):
                                return completion
                            }
                        }
                        try Task.checkCancellation()
                        throw LLMError.malformedStream("the stream ended without a result")
                    }
                    self.annotate(&completion, index: index, failures: failures)
                    continuation.yield(.done(completion))
                    return
                } catch {
                    let error = LLMError(error)
                    if Task.isCancelled || error == .cancelled { throw LLMError.cancelled }
                    if emitted.current { throw error }  // too late to switch provider
                    failures.append(self.record(error, index: index, provider: provider, started: started))
                }
            }
            throw failures.last?.error ?? LLMError.invalidRequest("the fallback chain has no provider")
        }
    }

    private func annotate(_ completion: inout ChatCompletion, index: Int, failures: [FailedAttempt]) {
        completion.chainIndex = index
        completion.failedAttempts = failures
        if let last = failures.last {
            completion.fallbackReason = last.error.code
        }
    }

    private func record(_ error: LLMError, index: Int, provider: any LLMProvider, started: ContinuousClock.Instant) -> FailedAttempt {
        let attempt = FailedAttempt(
            chainIndex: index, provider: provider.descriptor.name, model: provider.descriptor.model,
            error: error, elapsed: started.duration(to: .now)
        )
        if index + 1 < self.providers.count {
            self.logger.warning(
                "llm provider failed, falling back",
                metadata: [
                    "llm.provider": .string(attempt.provider), "llm.model": .string(attempt.model),
                    "llm.chain_index": .stringConvertible(index), "llm.error": .string(error.code),
                ]
            )
        }
        return attempt
    }
}

extension LLMProvider {
    /// What this provider tries, in order: a chain's providers, or itself (for saying which providers a call
    /// may reach before any is asked).
    public var chainDescriptors: [ProviderDescriptor] {
        (self as? FallbackChain)?.providers.map(\.descriptor) ?? [self.descriptor]
    }
}
