import Synchronization
import Vapor

/// What `EdgeMiddleware` records of every request. Every request gets an id — the caller's `X-Request-Id`
/// when it is a sane token (so a proxy's or client's id follows the request), otherwise a new one — returned in
/// `X-Request-Id` and attached to every log line written for the request. When the response is ready, one log
/// line (method, route template, path, status, duration) and the HTTP metrics.
///
/// It never logs headers, bodies or query strings: that is where passwords, tokens and keys travel.
/// (A streamed body such as the coach's SSE is measured to the moment its head is ready; the coach's own
/// metrics cover the stream.)
///
/// Every request pays for this, `/ping` included, so it is kept cheap: the metric series of each (method,
/// route, status) made once (`Metrics.httpSeries`), ids without `UUID` string formatting, and the duration
/// written without `String(format:)`.
enum RequestObservation {
    /// Route label for paths that match no route: one series, however many distinct paths are probed.
    static let unmatchedRoute = "unmatched"

    /// The request's id, attached to its logger; returned to be echoed on the response.
    static func begin(_ request: Request) -> String {
        let id = acceptedRequestID(request.headers.first(name: .xRequestId)) ?? newRequestID()
        request.logger[metadataKey: "request-id"] = .string(id)
        return id
    }

    /// The request's metrics and its log line, once its response is ready.
    static func finish(_ request: Request, response: Response, elapsed: Duration, metrics: Metrics) {
        let method = methodLabel(request.method)
        let route = request.route
        let series = metrics.httpSeries(
            .init(route: route.map(ObjectIdentifier.init), method: method, status: response.status.code),
            routeTemplate: { routeTemplate(of: route) })
        series.record(elapsed)
        request.logger.log(
            level: response.status.code >= 500 ? .error : .info,
            "request",
            metadata: [
                "method": .string(method),
                "route": .string(series.route),
                "path": .string(request.url.path),
                "status": .stringConvertible(response.status.code),
                "duration_ms": .string(milliseconds(elapsed)),
            ])
    }

    /// The method label: the usual methods by name, anything else as one `OTHER` series.
    static func methodLabel(_ method: HTTPMethod) -> String {
        switch method {
        case .GET: "GET"
        case .HEAD: "HEAD"
        case .POST: "POST"
        case .PUT: "PUT"
        case .PATCH: "PATCH"
        case .DELETE: "DELETE"
        case .OPTIONS: "OPTIONS"
        default: "OTHER"
        }
    }

    /// An id we are willing to echo and log: 1–128 characters of letters, digits and `-_.:`. Anything else
    /// (log injection, huge values) is replaced with a fresh id.
    static func acceptedRequestID(_ value: String?) -> String? {
        guard let value, (1...128).contains(value.utf8.count),
            value.utf8.allSatisfy({ byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2D || byte == 0x5F || byte == 0x2E || byte == 0x3A
            })
        else { return nil }
        return value
    }

    /// Ids only need to be unique, not secret: a random per-process half and a counter mixed by splitmix64
    /// (a bijection, so two requests of one process never share an id), printed in the UUID layout
    /// (8-4-4-4-12 lowercase hex) that logs and clients already see. No system call, no `UUID` formatting.
    static func newRequestID() -> String {
        let n = requestCounter.add(1, ordering: .relaxed).newValue
        return formatID(high: processIDHalf, low: splitmix64(n))
    }

    private static let processIDHalf = UInt64.random(in: .min ... .max)
    private static let requestCounter = Atomic<UInt64>(UInt64.random(in: .min ... .max))

    static func splitmix64(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func formatID(high: UInt64, low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            let digits: StaticString = "0123456789abcdef"
            var out = 0
            func put(_ value: UInt64, nibbles: Int) {
                for shift in stride(from: (nibbles - 1) * 4, through: 0, by: -4) {
                    buffer[out] = digits.utf8Start[Int((value >> UInt64(shift)) & 0xF)]
                    out += 1
                }
            }
            put(high >> 32, nibbles: 8)
            buffer[out] = 0x2D
            out += 1
            put((high >> 16) & 0xFFFF, nibbles: 4)
            buffer[out] = 0x2D
            out += 1
            put(high & 0xFFFF, nibbles: 4)
            buffer[out] = 0x2D
            out += 1
            put(low >> 48, nibbles: 4)
            buffer[out] = 0x2D
            out += 1
            put(low & 0xFFFF_FFFF_FFFF, nibbles: 12)
            return out
        }
    }

    /// Milliseconds with two decimals (`0.42`, `12.05`), as `String(format: "%.2f")` would print them.
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let hundredths =
            max(0, seconds) * 100_000 + max(0, attoseconds) / 10_000_000_000_000
            + (attoseconds % 10_000_000_000_000 >= 5_000_000_000_000 ? 1 : 0)
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// `/v1/activities/:id` for a matched route; `unmatched` otherwise.
    static func routeTemplate(of route: Route?) -> String {
        guard let route else { return unmatchedRoute }
        return "/" + route.path.map(\.description).joined(separator: "/")
    }
}
