import OpenAPIKit
import StrideIQCore

extension OpenAPIDocument {
    static var healthOperations: [APIOperation] {
        let readinessDescription = """
            A database round trip and a cache round trip, each with its latency; a dependency that does not answer \
            within \(HealthService.checkTimeout) counts as failed.
            """
        let readinessResponses: [APIResponse] = [
            .ok(.ref("Health"), "Every dependency answered (`status: ok`)."),
            APIResponse(status: 503, description: "A dependency failed (`status: degraded`); `failed` names it.", schema: .ref("Health")),
        ]
        return [
            APIOperation(
                method: .get, path: "/ping", id: "ping", tag: "Health", summary: "Liveness: answers without touching anything",
                access: .open, responses: [.ok(.ref("Ping"), "The process is up.")]),
            APIOperation(
                method: .get, path: "/health", id: "health", tag: "Health", summary: "Readiness",
                description: readinessDescription, access: .open, responses: readinessResponses),
            APIOperation(
                method: .get, path: "/v1/health", id: "healthV1", tag: "Health", summary: "Readiness (same as /health)",
                description: readinessDescription, access: .open, responses: readinessResponses),
            APIOperation(
                method: .get, path: "/openapi.json", id: "openapi", tag: "Health", summary: "This OpenAPI 3.1 document",
                access: .open,
                responses: [
                    .ok(.object(description: "An OpenAPI 3.1 document.", additionalProperties: .b(.fragment)), "The document.")
                ]),
            APIOperation(
                method: .get, path: "/metrics", id: "metrics", tag: "Health", summary: "Prometheus metrics",
                description: """
                    Counters, gauges and histograms in the Prometheus text format (see the README's Operations \
                    section for the list). Served here unless `METRICS_PORT` moves it to its own port; with \
                    `METRICS_TOKEN` set it needs `Authorization: Bearer <METRICS_TOKEN>`.
                    """,
                access: .open,
                responses: [
                    APIResponse(
                        status: 200, description: "The current values.",
                        schema: .string(description: "Prometheus text exposition format 0.0.4."), mediaType: .txt),
                    .error(
                        401, "`METRICS_TOKEN` is set and the request does not carry it.", codes: [.notAuthenticated],
                        headers: [.wwwAuthenticate]),
                ]),
        ]
    }

    static var healthSchemas: [(String, JSONSchema)] {
        [HealthRoutes.Ping.component, HealthRoutes.Report.component, HealthRoutes.Check.component]
    }
}

extension HealthRoutes.Ping: DocumentedResponse {
    static let schemaName = "Ping"
    static var openAPIExample: Self { Self(status: "alive") }
    static var fieldSchemas: [String: JSONSchema] { ["status": .constant("alive")] }
}

extension HealthRoutes.Report: DocumentedResponse {
    static let schemaName = "Health"
    static var openAPIExample: Self {
        Self(
            status: "degraded",
            checks: [
                "database": .openAPIExample,
                "cache": .init(
                    status: "failed", latencyMs: 2000, backend: "redis",
                    error: "timed out after 2.0 seconds"),
            ],
            failed: ["cache"])
    }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "status": .strings(["ok", "degraded"]),
            "checks": JSONSchema.object(["database": .ref("HealthCheck"), "cache": .ref("HealthCheck")])
                .described("One entry per dependency."),
            "failed": .described("The names of the failed checks; null when none failed."),
        ]
    }
}

extension HealthRoutes.Check: DocumentedResponse {
    static let schemaName = "HealthCheck"
    static var openAPIExample: Self { Self(status: "ok", latencyMs: 0.42, backend: "sqlite", error: "unreachable") }
    static var fieldSchemas: [String: JSONSchema] {
        [
            "status": .strings(["ok", "failed"]),
            "latency_ms": JSONSchema.number(atLeast: 0).described("Round-trip time in milliseconds."),
            "backend": .described("Which implementation answered, e.g. `sqlite`, `postgres`, `memory`."),
            "error": .described("Why the check failed (never a secret or a stack trace)."),
        ]
    }
}
