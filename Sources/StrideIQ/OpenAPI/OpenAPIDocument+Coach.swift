import LLM
import StrideIQCore

// Named `coachAPIOperations` / `coachAPISchemas` rather than `coachOperations` / `coachSchemas`: those names
// are taken by an earlier, unregistered draft in `Coach/CoachOpenAPI.swift`. This file is the one
// `OpenAPIDocument` serves.

extension OpenAPIDocument {
    static var coachAPIOperations: [APIOperation] {
        let config = AppConfig()
        let refused: [APIResponse] = [
            .error(403, "The athlete has not turned on `ai_consent` (checked before the body).", codes: ["ai_consent_required"]),
            .error(429, """
                `coach_busy`: the athlete already has \(config.coachMaxStreamsPerAthlete) answers in progress, or the process \
                is answering as many as it can (`COACH_MAX_STREAMS_PER_ATHLETE`, `COACH_MAX_STREAMS`); `Retry-After` is \
                \(CoachService.busyRetryAfterS) s. `coach_budget_exhausted`: the athlete has asked their daily number of \
                questions (`COACH_DAILY_MESSAGE_BUDGET`, \(config.coachDailyMessageBudget) by default, counted from midnight \
                UTC); `Retry-After` runs to midnight UTC, which `resets_at` also gives (RFC 3339). Nothing is saved.
                """, codes: ["coach_busy", "coach_budget_exhausted"], headers: [.retryAfter]),
            .error(503, "The process is shutting down and takes no new questions.", codes: ["shutting_down"], headers: [.retryAfter]),
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
            - `heartbeat`: after `COACH_HEARTBEAT_S` (\(Int(config.coachHeartbeat)) s by default) without another event.
            - `error` `{code, error}`: the model failed or the process is shutting down (`code` `shutting_down`); `done` follows.
            - `done`, exactly once and last: how the answer ended (`finish_reason`, `timed_out`, `error`, `error_code`), \
            where it came from, token usage and timings. The body ends after it.
            The schema of each event is this media type's `x-itemSchema` (OpenAPI 3.2's `itemSchema`).
            """
        let streamHeaders = [
            APIHeader(name: "Cache-Control", schema: .constant("no-cache"), required: true, description: "Never stored."),
            APIHeader(name: "X-Accel-Buffering", schema: .constant("no"), required: true,
                      description: "Proxies must pass each event on at once. The stream is never compressed."),
        ]
        return [
            APIOperation(.post, "/v1/coach/chat", id: "coachChat", tag: "Coach", summary: "Ask the coach; the whole answer at once",
                         description: "The same turn as `POST /v1/coach/chat/stream`, answered in one JSON body. " + turn,
                         access: .bearer, body: .json(.ref("CoachChatRequest")),
                         responses: [.ok(.ref("CoachChatResponse"), "The answer; partial when `finish_reason` is not `stop`.")] + refused),
            APIOperation(.post, "/v1/coach/chat/stream", id: "coachChatStream", tag: "Coach",
                         summary: "Ask the coach; the answer streamed as Server-Sent Events",
                         description: """
                            Every refusal (4xx, 503) comes before the stream starts, as JSON. \(turn) Closing the \
                            connection stops the model; what it wrote so far is saved.
                            """,
                         access: .bearer, body: .json(.ref("CoachChatRequest")),
                         responses: [.eventStream("The answer as it is written.", body: events, events: .serverSentEvent([
                            ("meta", .ref("CoachMetaEvent")),
                            ("delta", .ref("CoachDeltaEvent")),
                            ("heartbeat", .ref("CoachHeartbeatEvent")),
                            ("error", .ref("CoachErrorEvent")),
                            ("done", .ref("CoachDoneEvent")),
                         ]), headers: streamHeaders)] + refused),
            APIOperation(.post, "/v1/coach/new-conversation", id: "coachNewConversation", tag: "Coach",
                         summary: "Close the current thread; the next question starts a new one",
                         access: .bearer, responses: [.ok(.ref("CoachNewConversation"), "Closed, or there was no open thread.")]),
            APIOperation(.get, "/v1/coach/history", id: "coachHistory", tag: "Coach", summary: "The current thread's messages, oldest first",
                         description: """
                            The current thread is the open one that had a message within \(Int(CoachStore.idleThreadTimeout / 3600)) h. \
                            Messages without content (an answer still being written, or one that produced nothing) are left out. \
                            Needs no consent: it reads the athlete's own data and asks no model.
                            """,
                         access: .bearer, parameters: [
                            .query("limit", clampedQuery(default: CoachController.historyDefaultLimit),
                                   "The last this many messages; clamped to \(CoachController.historyLimit.lowerBound)–\(CoachController.historyLimit.upperBound)."),
                         ], responses: [.ok(.ref("CoachHistory"), "The current thread."), .validationFailed]),
            APIOperation(.get, "/v1/coach/context", id: "coachContext", tag: "Coach", summary: "The system prompt a question is sent with",
                         description: """
                            With the default `days` (\(CoachContextBuilder.defaultRunDays), the window a question uses) this is \
                            the prompt the next question is sent with, character for character. Needs no consent.
                            """,
                         access: .bearer, parameters: [
                            .query("days", clampedQuery(default: CoachContextBuilder.defaultRunDays),
                                   "Days of runs to list; clamped to \(CoachContextBuilder.runDaysRange.lowerBound)–\(CoachContextBuilder.runDaysRange.upperBound)."),
                         ], responses: [.ok(.ref("CoachContext"), "The context."), .validationFailed]),
            APIOperation(.get, "/v1/coach/suggestions", id: "coachSuggestions", tag: "Coach", summary: "Questions drawn from the athlete's own data",
                         description: "Generic starters when there is nothing to draw from. Needs no consent.",
                         access: .bearer, responses: [.ok(.ref("CoachSuggestions"), "Between 1 and \(CoachSuggestions.maxCount) suggestions.")]),
        ]
    }

    /// What `trimmingCharacters(in: .whitespacesAndNewlines)` strips, which a question may not consist of only:
    /// Unicode White_Space (`whitespaceClass`) plus U+200B ZERO WIDTH SPACE. `OpenAPITests` checks the two agree.
    static let trimmedWhitespaceClass = whitespaceClass + #"\u200B"#

    /// A query integer that the handler clamps into its range: any integer that fits in 64 bits is accepted;
    /// anything else (not a number, a fraction, too large) is a 422.
    static func clampedQuery(default value: Int) -> JSONSchema {
        JSONSchema.integer(Int.min...Int.max).defaulting(to: .integer(value))
    }

    /// `CompletionSource`'s values (`llm`, `offline`). It is not `CaseIterable`: the switch stops the build when
    /// a source is added.
    static let completionSources: [String] = [CompletionSource.llm, .offline].map { source in
        switch source { case .llm, .offline: source.rawValue }
    }

    /// `CoachMessage.Role`'s values, the same way.
    static let coachMessageRoles: [String] = [CoachMessage.Role.user, .assistant].map { role in
        switch role { case .user, .assistant: role.rawValue }
    }

    static var coachAPISchemas: [(String, JSONSchema)] {
        let finish = JSONSchema.string(oneOf: CoachFinishReason.self).described("""
            How the answer ended: `stop` (complete), `length` (hit the length limit), `timeout` (the ceiling), `cancelled` \
            (the client left), `error` (the model failed), `shutting_down`.
            """)
        let source = JSONSchema.string().with("enum", .strings(completionSources)).nullable
            .described("`offline`: written from the athlete's data without a model. Null when no provider finished.")
        let milliseconds = JSONSchema.integer(minimum: 0)
        let errorCode = JSONSchema.string().nullable
            .described("Set when the answer failed or was cut short by something other than the client or the ceiling.")
        let fallback = JSONSchema.string().nullable.described("Why a model did not write the answer, e.g. `no_llm_configured`.")
        let event = { (type: String, properties: [(String, JSONSchema)]) in response([("type", .constant(type))] + properties) }
        return [
            ("CoachChatRequest", .requestBody(CoachChatBody.self, required: [.message]) { key in
                switch key {
                case .message: JSONSchema.string(length: CoachChatBody.messageLength, pattern: "[^\(trimmedWhitespaceClass)]")
                    .described("The question: not only white space.")
                case .includeContext: JSONSchema.boolean.defaulting(to: true)
                    .described("Send the athlete's training context (`GET /v1/coach/context`) with the question.")
                }
            }),
            ("CoachUsage", response([
                ("input_tokens", JSONSchema.integer(minimum: 0).nullable),
                ("output_tokens", JSONSchema.integer(minimum: 0).nullable),
            ]).described("Token counts, when the provider reported them.")),
            ("CoachChatResponse", response([
                ("response", JSONSchema.string().described("The answer; partial when `finish_reason` is not `stop`.")),
                ("thread_id", .uuid),
                ("message_id", JSONSchema.uuid.described("The saved answer.")),
                ("user_message_id", JSONSchema.uuid.described("The saved question.")),
                ("error", JSONSchema.boolean.described("`error_code` is set.")),
                ("error_code", errorCode),
                ("error_message", JSONSchema.string().nullable.described("For people, with `error_code`.")),
                ("timed_out", JSONSchema.boolean.described("The ceiling ended the answer.")),
                ("finish_reason", finish),
                ("usage", .ref("CoachUsage")),
                ("provider", .string()),
                ("model", .string()),
                ("source", source),
                ("fallback_reason", fallback),
                ("elapsed_ms", milliseconds.described("From the request's arrival to the end of the answer.")),
            ])),
            ("CoachMetaEvent", event("meta", [
                ("thread_id", .uuid),
                ("message_id", JSONSchema.uuid.described("The answer being written.")),
                ("user_message_id", JSONSchema.uuid.described("The saved question.")),
                ("provider", .string()),
                ("model", .string()),
                ("heartbeat_s", JSONSchema.number().with("exclusiveMinimum", 0).described("Seconds of silence before a `heartbeat`.")),
                ("timeout_s", JSONSchema.number().with("exclusiveMinimum", 0).described("The ceiling, seconds from the request's arrival.")),
            ])),
            ("CoachDeltaEvent", event("delta", [("delta", JSONSchema.string().with("minLength", 1))])),
            ("CoachHeartbeatEvent", event("heartbeat", [])),
            ("CoachErrorEvent", event("error", [
                ("code", JSONSchema.string().described("E.g. `provider_timeout`, `provider_refused`, `malformed_stream`, `shutting_down`.")),
                ("error", JSONSchema.string().described("For people.")),
            ])),
            ("CoachDoneEvent", event("done", [
                ("thread_id", .uuid),
                ("message_id", .uuid),
                ("timed_out", .boolean),
                ("error", .boolean),
                ("error_code", errorCode),
                ("finish_reason", finish),
                ("usage", .ref("CoachUsage")),
                ("provider", .string()),
                ("model", .string()),
                ("source", source),
                ("fallback_reason", fallback),
                ("elapsed_ms", milliseconds.described("From the request's arrival.")),
                ("time_to_first_delta_ms", milliseconds.nullable.described("From the request's arrival to the first `delta`; null without one.")),
                ("provider_time_to_first_token_ms", milliseconds.nullable.described("The provider's own time to its first token, when it finished.")),
            ])),
            ("CoachNewConversation", response([
                ("ok", JSONSchema.boolean.with("const", true)),
                ("closed_thread_id", JSONSchema.uuid.nullable.described("The thread closed; null when none was open.")),
            ])),
            ("CoachMessage", response([
                ("id", .uuid),
                ("role", JSONSchema.string().with("enum", .strings(coachMessageRoles))),
                ("content", JSONSchema.string().with("minLength", 1)),
                ("created_at", .dateTime),
                ("completed_at", JSONSchema.dateTime.nullable),
                ("finish_reason", finish.nullable.described("Answers: how it ended. Null for questions.")),
                ("error_code", JSONSchema.string().nullable),
                ("timed_out", JSONSchema.boolean.nullable),
                ("usage", JSONSchema.ref("CoachUsage").nullable.described("Answers only.")),
                ("provider", JSONSchema.string().nullable),
                ("model", JSONSchema.string().nullable),
                ("source", source),
                ("fallback_reason", JSONSchema.string().nullable),
            ])),
            ("CoachHistory", response([
                ("thread_id", JSONSchema.uuid.nullable.described("The current thread; null when there is none.")),
                ("messages", JSONSchema.array(of: .ref("CoachMessage")).with("maxItems", .integer(CoachController.historyLimit.upperBound))),
            ])),
            ("CoachContext", response([
                ("context", JSONSchema.string().described("The system prompt.")),
                ("days", JSONSchema.integer(CoachContextBuilder.runDaysRange).described("The window of runs listed (the clamped `days`).")),
                ("chars", JSONSchema.integer(0...CoachContextBuilder.maxChars).described("The prompt's length in characters (grapheme clusters).")),
                ("max_chars", JSONSchema.integer().with("const", .integer(CoachContextBuilder.maxChars))),
                ("truncated", JSONSchema.boolean.described("Something was left out to stay within `max_chars`.")),
                ("facts", JSONSchema.array(of: .string()).described("The short statements the offline provider answers from.")),
            ])),
            ("CoachSuggestion", response([("title", .string()), ("description", .string()), ("prompt", JSONSchema.string().described("A question to send as is."))])),
            ("CoachSuggestions", response([
                ("suggestions", JSONSchema.array(of: .ref("CoachSuggestion"))
                    .with("minItems", 1).with("maxItems", .integer(CoachSuggestions.maxCount))),
            ])),
        ]
    }
}
