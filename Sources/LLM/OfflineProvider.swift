import Foundation

/// A deterministic provider that writes plain, useful text from `ChatRequest.facts`. It is not a model and
/// does not pretend to be one: its text says so, its provider is `offline`, its `source` is `.offline` and
/// its `fallbackReason` is `reason` (or, inside a `FallbackChain`, why the providers before it failed).
///
/// Same request → same text, byte for byte. With `wantsJSON` it answers a JSON object
/// `{"source":"offline","summary":...,"facts":[...]}`.
public struct OfflineProvider: LLMProvider {
    public static let modelName = "offline-facts-v1"
    public static let heading = "Offline summary (written from your data, not by an AI model):"
    public static let noFactsText =
        "There is not enough recorded training data yet to say anything specific. Log a run or a daily check-in and this summary will use it."

    public let descriptor = ProviderDescriptor(kind: .offline, model: OfflineProvider.modelName, baseURL: nil)
    /// Reported as `fallbackReason` when this provider answers on its own.
    public let reason: String

    public init(reason: String = "no_llm_configured") {
        self.reason = reason
    }

    /// The text for `request` (deterministic). Returns the text and whether it was cut to `maxTokens`.
    public static func render(_ request: ChatRequest) -> (text: String, truncated: Bool) {
        var seen = Set<String>()
        var facts: [String] = []
        for fact in request.facts {
            let trimmed = fact.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty, seen.insert(trimmed).inserted { facts.append(trimmed) }
        }
        // Roughly 4 characters per token; never cut a fact line in half.
        let budget = max(1, request.maxTokens) * 4
        if request.wantsJSON {
            var kept: [String] = []
            var size = 0
            for fact in facts where size + fact.utf8.count <= budget {
                kept.append(fact)
                size += fact.utf8.count
            }
            let summary = kept.isEmpty ? Self.noFactsText : kept.joined(separator: " ")
            let object: [String: Any] = ["source": "offline", "summary": summary, "facts": kept]
            let data =
                (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
            return (String(decoding: data, as: UTF8.self), kept.count < facts.count)
        }
        var lines = [Self.heading]
        var size = Self.heading.utf8.count
        var truncated = false
        if facts.isEmpty {
            lines.append(Self.noFactsText)
        } else {
            for fact in facts {
                let line = "- " + fact
                if size + line.utf8.count + 1 > budget && lines.count > 1 {
                    truncated = true
                    break
                }
                lines.append(line)
                size += line.utf8.count + 1
            }
        }
        return (lines.joined(separator: "\n"), truncated)
    }

    public func complete(_ request: ChatRequest, deadline: ContinuousClock.Instant) async throws -> ChatCompletion {
        if Task.isCancelled { throw LLMError.cancelled }
        let start = ContinuousClock.now
        let (text, truncated) = Self.render(request)
        return self.completion(text: text, truncated: truncated, start: start)
    }

    public func stream(_ request: ChatRequest, deadline: ContinuousClock.Instant) -> LLMStream {
        makeLLMStream { continuation in
            let start = ContinuousClock.now
            let (text, truncated) = Self.render(request)
            // One chunk per line, like a (very fast) model would stream.
            var first = true
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                try Task.checkCancellation()
                continuation.yield(.delta(first ? String(line) : "\n" + line))
                first = false
            }
            continuation.yield(.done(self.completion(text: text, truncated: truncated, start: start)))
        }
    }

    private func completion(text: String, truncated: Bool, start: ContinuousClock.Instant) -> ChatCompletion {
        let latency = start.duration(to: .now)
        return ChatCompletion(
            text: text,
            provider: self.descriptor.name,
            model: self.descriptor.model,
            source: .offline,
            latency: latency,
            timeToFirstToken: latency,
            usage: TokenUsage(),
            finishReason: truncated ? .length : .stop,
            rawFinishReason: truncated ? "length" : "stop",
            fallbackReason: self.reason
        )
    }
}
