import StrideIQCore

// The coach's part of the OpenAPI document. `OpenAPIDocument.operations` / `.schemas` include these lists
// (`coachOperations`, `coachSchemas`) and `tags` the "Coach" tag.
//
// `POST /v1/coach/chat/stream` answers `text/event-stream`: its 200 is documented with the schema of one
// frame's `data` (`CoachStreamFrame`); rendering that response under `text/event-stream` instead of
// `application/json` needs a media type on `APIResponse`.

extension OpenAPIDocument {
    static let coachTag = ("Coach", "AI coach chat: whole answers or true token streaming over SSE, persisted threads, bounded per process and per athlete.")

    static var coachOperations: [APIOperation] {
        let refusals: [APIResponse] = [
            .error(403, "The athlete has not consented to AI processing (`ai_consent` is false).", codes: ["ai_consent_required"]),
            .error(429, "Too many coach answers in progress (for this athlete or this process), or the athlete's daily message budget is used up (it resets at midnight UTC).",
                   codes: ["coach_busy", "coach_budget_exhausted"], headers: [.retryAfter]),
            .error(503, "The coach process is shutting down.", codes: ["shutting_down"], headers: [.retryAfter]),
        ]
        return [
            APIOperation(.post, "/v1/coach/chat", id: "coachChat", tag: "Coach", summary: "Ask the coach; the whole answer at once",
                         description: """
                            The same turn as the stream, answered in one JSON body under the same ceiling \
                            (`COACH_STREAM_TIMEOUT_S`, counted from the request). The question and the answer are saved \
                            on the athlete's current thread (a partial answer too, with how it ended).
                            """,
                         access: .bearer, body: .json(.ref("CoachChatRequest")),
                         responses: [.ok(.ref("CoachChatResponse"), "The answer (possibly partial: see `finish_reason`).")] + refusals),
            APIOperation(.post, "/v1/coach/chat/stream", id: "coachChatStream", tag: "Coach", summary: "Ask the coach; the answer streamed as Server-Sent Events",
                         description: """
                            `text/event-stream`. Every frame has `id:`, `event:` and one `data:` line whose JSON `type` is \
                            the event name: `meta` first (thread and message ids), `delta` for each chunk of the model's \
                            answer as it arrives, `heartbeat` after `COACH_HEARTBEAT_S` seconds of silence, `error` \
                            `{code, error}` when something fails, and `done` always last (`timed_out`, `error`, \
                            `finish_reason` stop|length|timeout|cancelled|error|shutting_down, `thread_id`, usage). \
                            Never compressed; `Cache-Control: no-cache`, `X-Accel-Buffering: no`. Disconnecting cancels \
                            the model call; the partial answer is saved.
                            """,
                         access: .bearer, body: .json(.ref("CoachChatRequest")),
                         responses: [.ok(.ref("CoachStreamFrame"), "An SSE stream; each frame's `data` is one of these objects.")] + refusals),
            APIOperation(.post, "/v1/coach/new-conversation", id: "coachNewConversation", tag: "Coach",
                         summary: "Close the current thread; the next question starts a new one",
                         access: .bearer, responses: [.ok(.ref("CoachNewConversation"), "Closed (or there was no open thread).")]),
            APIOperation(.get, "/v1/coach/history", id: "coachHistory", tag: "Coach",
                         summary: "The current thread's messages, oldest first",
                         description: "A thread closes after 24 h without a message or on new-conversation; then there is no current thread. Messages without content are left out.",
                         access: .bearer, parameters: [
                            .query("limit", JSONSchema.integer().defaulting(to: .integer(CoachController.historyDefaultLimit)),
                                   "The last this many messages; clamped to \(CoachController.historyLimit.lowerBound)–\(CoachController.historyLimit.upperBound)."),
                         ], responses: [.ok(.ref("CoachHistory"), "The current thread."), .validationFailed]),
            APIOperation(.get, "/v1/coach/context", id: "coachContext", tag: "Coach",
                         summary: "Exactly the system prompt a chat turn sends",
                         description: "With the default `days` (\(CoachContextBuilder.defaultRunDays)) this is the prompt of the next turn, byte for byte.",
                         access: .bearer, parameters: [
                            .query("days", JSONSchema.integer().defaulting(to: .integer(CoachContextBuilder.defaultRunDays)),
                                   "Days of runs to list; clamped to \(CoachContextBuilder.runDaysRange.lowerBound)–\(CoachContextBuilder.runDaysRange.upperBound)."),
                         ], responses: [.ok(.ref("CoachContext"), "The context."), .validationFailed]),
            APIOperation(.get, "/v1/coach/suggestions", id: "coachSuggestions", tag: "Coach",
                         summary: "Questions drawn from the athlete's own data",
                         access: .bearer, responses: [.ok(.ref("CoachSuggestions"), "Up to \(CoachSuggestions.maxCount) suggestions.")]),
        ]
    }

    static var coachSchemas: [(String, JSONSchema)] {
        let finish = JSONSchema.string(oneOf: CoachFinishReason.self)
        let source = JSONSchema.string().with("enum", .strings(["llm", "offline"])).nullable
            .described("`offline`: written from the athlete's data by the offline provider, not by a model.")
        return [
            ("CoachChatRequest", .requestBody(CoachChatBody.self, required: [.message]) { key in
                switch key {
                case .message: JSONSchema.string(length: CoachChatBody.messageLength).described("The question (not only white space).")
                case .includeContext: JSONSchema.boolean.defaulting(to: true).described("Send the athlete's training facts with the question.")
                }
            }),
            ("CoachUsage", response([
                ("input_tokens", JSONSchema.integer().nullable),
                ("output_tokens", JSONSchema.integer().nullable),
            ]).described("Token counts when the provider reported them.")),
            ("CoachChatResponse", response([
                ("response", JSONSchema.string().described("The answer; partial when `finish_reason` is not stop.")),
                ("thread_id", .uuid), ("message_id", .uuid), ("user_message_id", .uuid),
                ("error", JSONSchema.boolean), ("error_code", JSONSchema.string().nullable), ("error_message", JSONSchema.string().nullable),
                ("timed_out", JSONSchema.boolean), ("finish_reason", finish), ("usage", .ref("CoachUsage")),
                ("provider", JSONSchema.string()), ("model", JSONSchema.string()), ("source", source),
                ("fallback_reason", JSONSchema.string().nullable), ("elapsed_ms", JSONSchema.integer(minimum: 0)),
            ])),
            ("CoachMetaFrame", response([
                ("type", .constant("meta")), ("thread_id", .uuid), ("message_id", .uuid), ("user_message_id", .uuid),
                ("provider", JSONSchema.string()), ("model", JSONSchema.string()),
                ("heartbeat_s", JSONSchema.number()), ("timeout_s", JSONSchema.number()),
            ])),
            ("CoachDeltaFrame", response([("type", .constant("delta")), ("delta", JSONSchema.string())])),
            ("CoachHeartbeatFrame", response([("type", .constant("heartbeat"))])),
            ("CoachErrorFrame", response([("type", .constant("error")), ("code", JSONSchema.string()), ("error", JSONSchema.string())])),
            ("CoachDoneFrame", response([
                ("type", .constant("done")), ("thread_id", .uuid), ("message_id", .uuid),
                ("timed_out", JSONSchema.boolean), ("error", JSONSchema.boolean), ("error_code", JSONSchema.string().nullable),
                ("finish_reason", finish), ("usage", .ref("CoachUsage")), ("provider", JSONSchema.string()), ("model", JSONSchema.string()),
                ("source", source), ("fallback_reason", JSONSchema.string().nullable),
                ("elapsed_ms", JSONSchema.integer(minimum: 0)), ("time_to_first_delta_ms", JSONSchema.integer().nullable),
                ("provider_time_to_first_token_ms", JSONSchema.integer().nullable),
            ])),
            ("CoachStreamFrame", .anyOf(["CoachMetaFrame", "CoachDeltaFrame", "CoachHeartbeatFrame", "CoachErrorFrame", "CoachDoneFrame"].map { .ref($0) })),
            ("CoachNewConversation", response([("ok", JSONSchema.boolean), ("closed_thread_id", JSONSchema.uuid.nullable)])),
            ("CoachMessage", response([
                ("id", .uuid), ("role", JSONSchema.string().with("enum", .strings(["user", "assistant"]))),
                ("content", JSONSchema.string()), ("created_at", .dateTime), ("completed_at", JSONSchema.dateTime.nullable),
                ("finish_reason", finish.nullable), ("error_code", JSONSchema.string().nullable), ("timed_out", JSONSchema.boolean.nullable),
                ("usage", JSONSchema.ref("CoachUsage").nullable), ("provider", JSONSchema.string().nullable),
                ("model", JSONSchema.string().nullable), ("source", source), ("fallback_reason", JSONSchema.string().nullable),
            ])),
            ("CoachHistory", response([
                ("thread_id", JSONSchema.uuid.nullable.described("The current thread, or null when there is none.")),
                ("messages", .array(of: .ref("CoachMessage"))),
            ])),
            ("CoachContext", response([
                ("context", JSONSchema.string().described("The system prompt, exactly as sent.")),
                ("days", JSONSchema.integer(CoachContextBuilder.runDaysRange)),
                ("chars", JSONSchema.integer(minimum: 0)), ("max_chars", JSONSchema.integer(minimum: 1)),
                ("truncated", JSONSchema.boolean), ("facts", .array(of: .string())),
            ])),
            ("CoachSuggestion", response([("title", JSONSchema.string()), ("description", JSONSchema.string()), ("prompt", JSONSchema.string())])),
            ("CoachSuggestions", response([("suggestions", .array(of: .ref("CoachSuggestion")))])),
        ]
    }
}
