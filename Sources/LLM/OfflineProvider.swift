import Foundation

/// A deterministic provider that writes plain, useful text from `ChatRequest.facts`. It is not a model and
/// does not pretend to be one: its text says so, its provider is `offline`, its `source` is `.offline` and
/// its `fallbackReason` is `reason` (or, inside a `FallbackChain`, why the providers before it failed).
///
/// Same request → same text, byte for byte. With `wantsJSON` it answers a JSON object
/// `{"source":"offline","summary":...,"facts":[...]}`. A question it recognises (`Topic`: today's pace, a race
/// prediction, "am I doing too much") is answered with the facts written for it; any other lists the facts.
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
        if !request.wantsJSON, let question = request.messages.last(where: { $0.role == .user })?.content,
            let topic = Topic(question: question)
        {
            return answer(topic, question: question, facts: facts, budget: budget)
        }
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

    // MARK: answering the common questions

    /// The questions the offline coach answers from its facts rather than listing them. The caller writes each
    /// topic's facts starting with its `factPrefix` (the coach's context does); the answer is those facts, in
    /// the caller's words.
    public enum Topic: String, Sendable, CaseIterable {
        /// "What pace for today's workout?"
        case todayPace = "today_pace"
        /// "What can I run a 10 km in?" One fact per distance: `factPrefix` + the distance's name + ": " + text.
        case racePrediction = "race_prediction"
        /// "Am I doing too much?"
        case loadCheck = "load_check"

        public var factPrefix: String {
            switch self {
            case .todayPace: "Pace for today's workout: "
            case .racePrediction: "Race prediction for "
            case .loadCheck: "Training load check: "
            }
        }

        /// Facts that back the answer up, after the topic's own (by prefix).
        public static let loadFiguresPrefix = "Training load today: "

        /// What to say when no fact answers the question.
        var missing: String {
            switch self {
            case .todayPace:
                "There is no pace for today yet: no workout with a target pace is planned, and there is no fitness level to take training paces from (it needs a race, or a hard run with a distance and a time)."
            case .racePrediction:
                "There is no race prediction yet: it needs a fitness level, from a race or a hard run with a distance and a time."
            case .loadCheck:
                "There are no training load figures yet: they start with your first recorded activity."
            }
        }

        /// The topic a question asks about, if it is one of these (checked in this order: a question about
        /// load mentions paces less often than a pace question mentions load).
        public init?(question: String) {
            let q = question.lowercased().replacingOccurrences(of: "’", with: "'")
            func any(_ words: [String]) -> Bool { words.contains { q.contains($0) } }
            if any([
                "too much", "overtrain", "over-train", "overdo", "over do", "too hard", "burn out", "burnout", "injury risk",
                "need a rest", "need rest", "back off", "training load", "how fatigued", "how tired",
            ]) {
                self = .loadCheck
            } else if any([
                "what can i run", "could i run", "can i run", "predict", "race time", "finish time", "how fast can",
                "how fast could", "what time could", "what time can", "what time would",
            ]) {
                self = .racePrediction
            } else if any(["pace", "how fast should"]) && any(["today", "workout", "session", "this run", "run at"]) {
                self = .todayPace
            } else {
                return nil
            }
        }
    }

    public static let answerHeading = "Offline answer (written from your data, not by an AI model):"

    /// The facts that answer `topic`, with their backing facts, under `answerHeading`.
    static func answer(_ topic: Topic, question: String, facts: [String], budget: Int) -> (text: String, truncated: Bool) {
        var chosen = facts.filter { $0.hasPrefix(topic.factPrefix) }
        if topic == .racePrediction, let asked = distanceMetres(in: question.lowercased()) {
            let exact = chosen.filter { fact in
                let label = fact.dropFirst(topic.factPrefix.count).prefix { $0 != ":" }
                return distanceMetres(in: label.lowercased()).map { abs($0 - asked) <= asked * 0.01 } ?? false
            }
            if !exact.isEmpty { chosen = exact }
        }
        if chosen.isEmpty {
            chosen = [topic.missing]
        } else if topic == .loadCheck {
            chosen += facts.filter { $0.hasPrefix(Topic.loadFiguresPrefix) }
        }
        var lines = [answerHeading]
        var size = answerHeading.utf8.count
        for line in chosen {
            if size + line.utf8.count + 1 > budget && lines.count > 1 { return (lines.joined(separator: "\n"), true) }
            lines.append(line)
            size += line.utf8.count + 1
        }
        return (lines.joined(separator: "\n"), false)
    }

    /// The race distance a text names, in metres: "5k", "10 km", "10 mile", "half", "marathon".
    static func distanceMetres(in text: String) -> Double? {
        if text.contains("half") { return 21_097.5 }
        if text.contains("marathon") { return 42_195 }
        let scanner = Scanner(string: text)
        scanner.charactersToBeSkipped = nil
        while !scanner.isAtEnd {
            if let number = scanner.scanDouble(), number > 0 {
                _ = scanner.scanCharacters(from: .whitespaces)
                let rest = text[scanner.currentIndex...]
                if rest.hasPrefix("k") { return number * 1000 }
                if rest.hasPrefix("mi") { return number * 1609.344 }
            } else {
                _ = scanner.scanCharacter()
            }
        }
        return nil
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
