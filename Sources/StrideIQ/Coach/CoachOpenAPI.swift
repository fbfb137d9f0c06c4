import LLM
import OpenAPIKit
import StrideIQCore

extension OpenAPIDocument {
    static var coachOperations: [APIOperation] {
        let config = AppConfig()
        let refused: [APIResponse] = [
            .error(403, "The athlete has not turned on `ai_consent` (checked before the body).", codes: [.aiConsentRequired]),
            .error(
                429,
                """
                `coach_busy`: the athlete already has \(config.coachMaxStreamsPerAthlete) answers in progress, or the process \
                is answering as many as it can (`COACH_MAX_STREAMS_PER_ATHLETE`, `COACH_MAX_STREAMS`); `Retry-After` is \
                \(CoachService.busyRetryAfterS) s. `coach_budget_exhausted`: the athlete has asked their daily number of \
                questions (`COACH_DAILY_MESSAGE_BUDGET`, \(config.coachDailyMessageBudget) by default, counted from midnight \
                UTC); `Retry-After` runs to midnight UTC, which `resets_at` also gives (RFC 3339). Nothing is saved.
                """, codes: [.coachBusy, .coachBudgetExhausted], headers: [.retryAfter]),
            .error(503, "The process is shutting down and takes no new questions.", codes: [.shuttingDown], headers: [.retryAfter]),
        ]
        let turn = """
            The question and the answer are saved on the athlete's current thread (a new one after \
            \(Int(CoachStore.idleThreadTimeout / 3600)) h without a message, or after new-conversation), with the thread's \
            last \(CoachStore.historyMessages) messages and, unless `include_context` is false, the athlete's training \
            context (`GET /v1/coach/context`) sent to the model. The answer is bounded by `COACH_STREAM_TIMEOUT_S` \
            (\(Int(config.coachStreamTimeout)) s by default), counted from the request's arrival; an answer cut short is \
            saved as far as it got, with how it ended.
            """
        let events = """
            Server-Sent Events (UTF-8). Each event is `id: <n>` (1, 2, 3, … within the stream), `event: <name>`, one \
            `data:` line of JSON whose `type` is the name, and a blank line:
            - `meta`, first: the thread and message ids, the provider and model, the heartbeat and the ceiling in seconds.
            - `delta`: the next piece of the answer, the moment the model writes it; the answer is the deltas joined.
            - `tool` `{name, status}`: the model looks something up with one of the coach's read-only tools             (`started`, then `ok` or `failed`), so a client can say what the coach is looking at. A failed tool is             reported to the model, which answers anyway. At most \(CoachToolRunner.maxRounds) rounds of tools,             inside the same ceiling.
            - `heartbeat`: after `COACH_HEARTBEAT_S` (\(Int(config.coachHeartbeat)) s by default) without another event.
            - `error` `{code, error}`: the model failed or the process is shutting down (`code` `shutting_down`); `done` follows.
            - `done`, exactly once and last: how the answer ended (`finish_reason`, `timed_out`, `error`, `error_code`), \
            where it came from, token usage, timings and the tools used (`tools_used`, `tool_count`). The body ends \
            after it.
            The schema of each event is this media type's `x-itemSchema` (OpenAPI 3.2's `itemSchema`).
            """
        let streamHeaders = [
            APIHeader(name: "Cache-Control", schema: .constant("no-cache"), required: true, description: "Never stored."),
            APIHeader(
                name: "X-Accel-Buffering", schema: .constant("no"), required: true,
                description: "Proxies must pass each event on at once. The stream is never compressed."),
        ]
        let historyLimit = OpenAPI.Parameter.query(
            "limit", clampedQuery(default: CoachRoutes.historyDefaultLimit),
            "The last this many messages; clamped to \(clamp(CoachRoutes.historyLimit)).")
        let contextDays = OpenAPI.Parameter.query(
            "days", clampedQuery(default: CoachContextBuilder.defaultRunDays),
            "Days of runs to list; clamped to \(clamp(CoachContextBuilder.runDaysRange)).")
        return [
            APIOperation(
                method: .post, path: "/v1/coach/chat", id: "coachChat", tag: "Coach",
                summary: "Ask the coach; the whole answer at once",
                description: "The same turn as `POST /v1/coach/chat/stream`, answered in one JSON body. " + turn,
                access: .bearer, body: .json(.ref("CoachChatRequest")),
                responses: [.ok(.ref("CoachChatResponse"), "The answer; partial when `finish_reason` is not `stop`.")] + refused),
            APIOperation(
                method: .post, path: "/v1/coach/chat/stream", id: "coachChatStream", tag: "Coach",
                summary: "Ask the coach; the answer streamed as Server-Sent Events",
                description: """
                    Every refusal (4xx, 503) comes before the stream starts, as JSON. \(turn) Closing the \
                    connection stops the model; what it wrote so far is saved.
                    """,
                access: .bearer, body: .json(.ref("CoachChatRequest")),
                responses: [
                    .eventStream(
                        "The answer as it is written.", body: events,
                        events: ServerSentEventSchema(events: [
                            ("meta", .ref("CoachMetaEvent")),
                            ("delta", .ref("CoachDeltaEvent")),
                            ("tool", .ref("CoachToolEvent")),
                            ("heartbeat", .ref("CoachHeartbeatEvent")),
                            ("error", .ref("CoachErrorEvent")),
                            ("done", .ref("CoachDoneEvent")),
                        ]), headers: streamHeaders)
                ] + refused),
            APIOperation(
                method: .post, path: "/v1/coach/new-conversation", id: "coachNewConversation", tag: "Coach",
                summary: "Close the current thread; the next question starts a new one",
                access: .bearer, responses: [.ok(.ref("CoachNewConversation"), "Closed, or there was no open thread.")]),
            APIOperation(
                method: .get, path: "/v1/coach/history", id: "coachHistory", tag: "Coach",
                summary: "The current thread's messages, oldest first",
                description: """
                    The current thread is the open one that had a message within \(Int(CoachStore.idleThreadTimeout / 3600)) h. \
                    Messages without content (an answer still being written, or one that produced nothing) are left out. \
                    Needs no consent: it reads the athlete's own data and asks no model.
                    """,
                access: .bearer, parameters: [historyLimit],
                responses: [.ok(.ref("CoachHistory"), "The current thread."), .validationFailed]),
            APIOperation(
                method: .get, path: "/v1/coach/context", id: "coachContext", tag: "Coach",
                summary: "The system prompt a question is sent with",
                description: """
                    With the default `days` (\(CoachContextBuilder.defaultRunDays), the window a question uses) this is \
                    the prompt the next question is sent with, character for character. Needs no consent.
                    """,
                access: .bearer, parameters: [contextDays],
                responses: [.ok(.ref("CoachContext"), "The context."), .validationFailed]),
            APIOperation(
                method: .get, path: "/v1/coach/suggestions", id: "coachSuggestions", tag: "Coach",
                summary: "Questions drawn from the athlete's own data",
                description: "Generic starters when there is nothing to draw from. Needs no consent.",
                access: .bearer,
                responses: [.ok(.ref("CoachSuggestions"), "Between 1 and \(CoachSuggestions.maxCount) suggestions.")]),
        ]
    }

    /// What `trimmingCharacters(in: .whitespacesAndNewlines)` strips, which a question may not consist of only:
    /// Unicode White_Space (`whitespaceClass`) plus U+200B ZERO WIDTH SPACE. `OpenAPITests` checks the two agree.
    static let trimmedWhitespaceClass = whitespaceClass + #"\u200B"#

    /// `1–56`, as a description writes a range.
    private static func clamp(_ range: ClosedRange<Int>) -> String { "\(range.lowerBound)–\(range.upperBound)" }

    /// A query integer that the handler clamps into its range: any integer that fits in 64 bits is accepted;
    /// anything else (not a number, a fraction, too large) is a 422.
    static func clampedQuery(default value: Int) -> JSONSchema {
        JSONSchema.integer(Int.min...Int.max).defaulting(to: value)
    }

    /// `CompletionSource`'s values (`llm`, `offline`). It is not `CaseIterable`: the switch stops the build when
    /// a source is added.
    static let completionSources: [String] = [CompletionSource.llm, .offline].map { source in
        switch source {
        case .llm, .offline: source.rawValue
        }
    }

    /// `CoachMessage.Role`'s values, the same way.
    static let coachMessageRoles: [String] = [CoachMessage.Role.user, .assistant].map { role in
        switch role {
        case .user, .assistant: role.rawValue
        }
    }

    static var coachSchemas: [(String, JSONSchema)] {
        [
            (
                "CoachChatRequest",
                .requestBody(CoachChatBody.self, required: [.message]) { key in
                    switch key {
                    case .message:
                        JSONSchema.string(length: CoachChatBody.messageLength, pattern: "[^\(trimmedWhitespaceClass)]")
                            .described("The question: not only white space.")
                    case .includeContext:
                        JSONSchema.boolean.defaulting(to: true)
                            .described("Send the athlete's training context (`GET /v1/coach/context`) with the question.")
                    }
                }
            ),
            CoachUsageDTO.component,
            CoachChatResponse.component,
            CoachMetaFrame.component,
            ("CoachDeltaEvent", JSONSchema.object(["type": .constant("delta"), "delta": .string(minLength: 1)])),
            CoachToolFrame.component,
            CoachHeartbeatFrame.component,
            CoachErrorFrame.component,
            CoachDoneFrame.component,
            NewConversationResponse.component,
            CoachMessageDTO.component,
            CoachHistoryResponse.component,
            CoachContextResponse.component,
            CoachSuggestions.Suggestion.component,
            CoachSuggestionsResponse.component,
        ]
    }

    /// How an answer ended, as `finish_reason` says it.
    fileprivate static let finish = JSONSchema.string(oneOf: CoachFinishReason.self).described(
        """
        How the answer ended: `stop` (complete), `length` (hit the length limit, `COACH_MAX_OUTPUT_TOKENS`), `timeout` \
        (the ceiling; or, with `error_code` `client_stalled`, the client stopped reading it), `cancelled` (the client \
        left), `error` (the model failed), `shutting_down`.
        """)

    /// The fields an answer's outcome shares between the whole answer, the `done` event and a saved message.
    fileprivate static var outcomeFields: [String: JSONSchema] {
        [
            "finish_reason": finish,
            "source": JSONSchema.strings(completionSources)
                .described("`offline`: written from the athlete's data without a model. Null when no provider finished."),
            "error_code": .described("Set when the answer failed or was cut short by something other than the client or the ceiling."),
            "fallback_reason": .described("Why a model did not write the answer, e.g. `no_llm_configured`."),
            "tools_used": JSONSchema.array(of: .string(minLength: 1))
                .described("The tools the model called, each once, in the order of their first call; `[]` when none."),
            "tool_count": JSONSchema.integer(atLeast: 0).described("The number of distinct tools in `tools_used`."),
        ]
    }

    fileprivate static let milliseconds = JSONSchema.integer(atLeast: 0)
    fileprivate static let seconds = JSONSchema.number(minimum: (0, exclusive: true))
}

/// An answer that the provider cut short and the offline writer finished: every optional field is set.
private enum CoachExample {
    static let thread = OpenAPIExample.id(40)
    static let question = OpenAPIExample.id(41)
    static let answer = OpenAPIExample.id(42)

    static let output = CoachTurnOutput(
        text: "Your week is on track: 10 of 36 km, with today's tempo still to come.", finishReason: .error, timedOut: false,
        errorCode: "provider_timeout", errorMessage: "The model did not answer in time.", provider: "offline", model: "offline-v1",
        source: "offline", fallbackReason: "provider_timeout", usage: TokenUsage(inputTokens: 1_830, outputTokens: 96),
        elapsed: .milliseconds(2_450), timeToFirstDelta: .milliseconds(310), providerTimeToFirstToken: .milliseconds(280),
        deltaCount: 12, toolsUsed: ["get_plan_week", "get_recent_runs"], toolCalls: 2, toolRounds: 1)
}

extension CoachUsageDTO: DocumentedResponse {
    static let schemaName = "CoachUsage"
    static var openAPIExample: Self { Self(CoachExample.output.usage) }
    static var schemaDescription: String? { "Token counts, when the provider reported them." }
    static var fieldSchemas: [String: JSONSchema] {
        ["input_tokens": .integer(atLeast: 0), "output_tokens": .integer(atLeast: 0)]
    }
}

extension CoachChatResponse: DocumentedResponse {
    static let schemaName = "CoachChatResponse"
    static var openAPIExample: Self {
        Self(
            began: .init(
                threadID: CoachExample.thread, userMessageID: CoachExample.question, assistantMessageID: CoachExample.answer,
                history: []),
            output: CoachExample.output)
    }
    static var fieldSchemas: [String: JSONSchema] {
        OpenAPIDocument.outcomeFields.merging([
            "response": .described("The answer; partial when `finish_reason` is not `stop`."),
            "message_id": .described("The saved answer."),
            "user_message_id": .described("The saved question."),
            "error": .described("`error_code` is set."),
            "error_message": .described("For people, with `error_code`."),
            "timed_out": .described("The ceiling ended the answer."),
            "elapsed_ms": OpenAPIDocument.milliseconds.described("From the request's arrival to the end of the answer."),
        ]) { _, own in own }
    }
}

extension CoachMetaFrame: DocumentedResponse {
    static let schemaName = "CoachMetaEvent"
    static var openAPIExample: Self {
        Self(
            threadID: CoachExample.thread, messageID: CoachExample.answer, userMessageID: CoachExample.question, provider: "anthropic",
            model: "claude-sonnet-4-5", fallbackProvider: "openai", fallbackModel: "gpt-4o-mini", heartbeatS: 2, timeoutS: 120)
    }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "type": .constant("meta"),
            "message_id": .described("The answer being written."),
            "user_message_id": .described("The saved question."),
            "fallback_provider": .described("Asked when `provider` fails before its first token; null when none is configured."),
            "heartbeat_s": OpenAPIDocument.seconds.described("Seconds of silence before a `heartbeat`."),
            "timeout_s": OpenAPIDocument.seconds.described("The ceiling, seconds from the request's arrival."),
        ]
    }
}

extension CoachHeartbeatFrame: DocumentedResponse {
    static let schemaName = "CoachHeartbeatEvent"
    static var openAPIExample: Self { Self() }
    static var fieldSchemas: [String: JSONSchema] { ["type": .constant("heartbeat")] }
}

extension CoachToolFrame: DocumentedResponse {
    static let schemaName = "CoachToolEvent"
    static var openAPIExample: Self { Self(name: "get_recent_runs", status: .ok) }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "type": .constant("tool"),
            "name": JSONSchema.string(minLength: 1).described(
                "The tool, e.g. `get_recent_runs`, `get_training_load`, `compute_running_math` (as the model named it)."),
            "status": JSONSchema.string(oneOf: CoachTurn.ToolStatus.self)
                .described("`started`, then `ok` or `failed` (the model is told why; the turn goes on)."),
        ]
    }
}

extension CoachErrorFrame: DocumentedResponse {
    static let schemaName = "CoachErrorEvent"
    static var openAPIExample: Self { Self(code: "provider_timeout", error: "The model did not answer in time.") }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "type": .constant("error"),
            "code": .described(
                "E.g. `provider_timeout`, `provider_refused`, `malformed_stream`, `shutting_down`, `tool_limit` (the model kept asking for tools when told to answer)."
            ),
            "error": .described("For people."),
        ]
    }
}

extension CoachDoneFrame: DocumentedResponse {
    static let schemaName = "CoachDoneEvent"
    static var openAPIExample: Self { Self(threadID: CoachExample.thread, messageID: CoachExample.answer, output: CoachExample.output) }
    static var fieldSchemas: [String: JSONSchema] {
        OpenAPIDocument.outcomeFields.merging([
            "type": .constant("done"),
            "elapsed_ms": OpenAPIDocument.milliseconds.described("From the request's arrival."),
            "time_to_first_delta_ms": OpenAPIDocument.milliseconds
                .described("From the request's arrival to the first `delta`; null without one."),
            "provider_time_to_first_token_ms": OpenAPIDocument.milliseconds
                .described("The provider's own time to its first token, when it finished."),
        ]) { _, own in own }
    }
}

extension NewConversationResponse: DocumentedResponse {
    static let schemaName = "CoachNewConversation"
    static var openAPIExample: Self { Self(ok: true, closedThreadID: CoachExample.thread) }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "ok": .boolean(allowedValues: [true]),
            "closed_thread_id": .described("The thread closed; null when none was open."),
        ]
    }
}

extension CoachMessageDTO: DocumentedResponse {
    static let schemaName = "CoachMessage"
    static var openAPIExample: Self {
        let message = CoachMessage(
            id: CoachExample.answer, threadID: CoachExample.thread, athleteID: OpenAPIExample.id(1), seq: 2,
            role: .assistant, content: CoachExample.output.text, now: OpenAPIExample.instant)
        message.completedAt = OpenAPIExample.instant.addingTimeInterval(2.45)
        message.finishReason = CoachExample.output.finishReason.rawValue
        message.errorCode = CoachExample.output.errorCode
        message.timedOut = false
        message.inputTokens = CoachExample.output.usage.inputTokens
        message.outputTokens = CoachExample.output.usage.outputTokens
        message.provider = CoachExample.output.provider
        message.model = CoachExample.output.model
        message.source = CoachExample.output.source
        message.fallbackReason = CoachExample.output.fallbackReason
        return Self(message)
    }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "role": .strings(OpenAPIDocument.coachMessageRoles),
            "content": .string(minLength: 1),
            "finish_reason": OpenAPIDocument.finish.described("Answers: how it ended. Null for questions."),
            "usage": .described("Answers only."),
            "source": OpenAPIDocument.outcomeFields["source"]!,
        ]
    }
}

extension CoachHistoryResponse: DocumentedResponse {
    static let schemaName = "CoachHistory"
    static var openAPIExample: Self { Self(threadID: CoachExample.thread, messages: [.openAPIExample]) }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "thread_id": .described("The current thread; null when there is none."),
            "messages": .array(of: .ref("CoachMessage"), count: 0...CoachRoutes.historyLimit.upperBound),
        ]
    }
}

extension CoachContextResponse: DocumentedResponse {
    static let schemaName = "CoachContext"
    static var openAPIExample: Self {
        Self(
            context: CoachContext(
                systemPrompt: "You are StrideIQ's running coach. …", facts: ["Ran 10 km yesterday at 5:00/km."],
                truncated: false, runDays: CoachContextBuilder.defaultRunDays))
    }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "context": .described("The system prompt."),
            "days": JSONSchema.integer(CoachContextBuilder.runDaysRange).described("The window of runs listed (the clamped `days`)."),
            "chars": JSONSchema.integer(0...CoachContextBuilder.maxChars)
                .described("The prompt's length in characters (grapheme clusters)."),
            "max_chars": .integer(allowedValues: [AnyCodable(CoachContextBuilder.maxChars)]),
            "truncated": .described("Something was left out to stay within `max_chars`."),
            "facts": .described("The short statements the offline provider answers from."),
        ]
    }
}

extension CoachSuggestions.Suggestion: DocumentedResponse {
    static let schemaName = "CoachSuggestion"
    static var openAPIExample: Self {
        Self(title: "This week", description: "How your week compares with the plan.", prompt: "How is my week going?")
    }
    static var fieldSchemas: [String: JSONSchema] { ["prompt": .described("A question to send as is.")] }
}

extension CoachSuggestionsResponse: DocumentedResponse {
    static let schemaName = "CoachSuggestions"
    static var openAPIExample: Self { Self(suggestions: [.openAPIExample]) }
    static var fieldSchemas: [String: JSONSchema] {
        ["suggestions": .array(of: .ref("CoachSuggestion"), count: 1...CoachSuggestions.maxCount)]
    }
}
