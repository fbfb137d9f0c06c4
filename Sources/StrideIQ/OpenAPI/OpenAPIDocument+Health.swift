import StrideIQCore

extension OpenAPIDocument {
    static var healthOperations: [APIOperation] {
        let readinessDescription = """
            A database round trip and a cache round trip, each with its latency; a dependency that does not answer \
            within \(HealthController.checkTimeout) counts as failed.
            """
        let readinessResponses: [APIResponse] = [
            .ok(.ref("Health"), "Every dependency answered (`status: ok`)."),
            APIResponse(status: 503, description: "A dependency failed (`status: degraded`); `failed` names it.", schema: .ref("Health")),
        ]
        return [
            APIOperation(.get, "/ping", id: "ping", tag: "Health", summary: "Liveness: answers without touching anything",
                         access: .open, responses: [.ok(.ref("Ping"), "The process is up.")]),
            APIOperation(.get, "/health", id: "health", tag: "Health", summary: "Readiness",
                         description: readinessDescription, access: .open, responses: readinessResponses),
            APIOperation(.get, "/v1/health", id: "healthV1", tag: "Health", summary: "Readiness (same as /health)",
                         description: readinessDescription, access: .open, responses: readinessResponses),
            APIOperation(.get, "/openapi.json", id: "openapi", tag: "Health", summary: "This OpenAPI 3.1 document",
                         access: .open, responses: [.ok(JSONSchema.map(of: .any).described("An OpenAPI 3.1 document."), "The document.")]),
            APIOperation(.get, "/metrics", id: "metrics", tag: "Health", summary: "Prometheus metrics",
                         description: """
                            Counters, gauges and histograms in the Prometheus text format (see the README's Operations                             section for the list). Served here unless `METRICS_PORT` moves it to its own port; with                             `METRICS_TOKEN` set it needs `Authorization: Bearer <METRICS_TOKEN>`.
                            """,
                         access: .open,
                         responses: [
                            APIResponse(status: 200, description: "The current values.",
                                        schema: JSONSchema.string().described("Prometheus text exposition format 0.0.4."),
                                        mediaType: "text/plain"),
                            .error(401, "`METRICS_TOKEN` is set and the request does not carry it.", codes: ["not_authenticated"],
                                   headers: [.wwwAuthenticate]),
                         ]),
        ]
    }

    static var healthSchemas: [(String, JSONSchema)] {
        [
            ("Ping", response([("status", .constant("alive"))])),
            ("Health", response([
                ("status", JSONSchema.string().with("enum", ["ok", "degraded"])),
                ("checks", JSONSchema.object([("database", .ref("HealthCheck")), ("cache", .ref("HealthCheck"))])
                    .described("One entry per dependency.")),
                ("failed", JSONSchema.array(of: .string()).nullable.described("The names of the failed checks (absent or null when none failed).")),
            ])),
            ("HealthCheck", response([
                ("status", JSONSchema.string().with("enum", ["ok", "failed"])),
                ("latency_ms", JSONSchema.number().with("minimum", 0).described("Round-trip time in milliseconds.")),
                ("backend", JSONSchema.string().described("Which implementation answered, e.g. `sqlite`, `postgres`, `memory`.")),
                ("error", JSONSchema.string().nullable.described("Why the check failed (never a secret or a stack trace).")),
            ])),
        ]
    }
}
