import Vapor

/// The outermost middleware. Every request gets an id — the caller's `X-Request-Id` when it is a sane token
/// (so a proxy's or client's id follows the request), otherwise a new UUID — returned in `X-Request-Id` and
/// attached to every log line written for the request. When the response is ready it writes one log line
/// (method, route template, path, status, duration) and records the HTTP metrics.
///
/// It never logs headers, bodies or query strings: that is where passwords, tokens and keys travel.
/// (A streamed body such as the coach's SSE is measured to the moment its head is ready; the coach's own
/// metrics cover the stream.)
struct RequestObservationMiddleware: AsyncMiddleware {
    /// Route label for paths that match no route: one series, however many distinct paths are probed.
    static let unmatchedRoute = "unmatched"
    private static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let start = ContinuousClock.now
        let id = Self.acceptedRequestID(request.headers.first(name: .xRequestId)) ?? UUID().uuidString.lowercased()
        request.logger[metadataKey: "request-id"] = .string(id)
        let response: Response
        do {
            response = try await next.respond(to: request)
        } catch {
            response = APIErrorMiddleware.response(for: error, request: request)
        }
        response.headers.replaceOrAdd(name: .xRequestId, value: id)

        let elapsed = ContinuousClock.now - start
        let route = Self.routeTemplate(of: request)
        let method = Self.knownMethods.contains(request.method.rawValue) ? request.method.rawValue : "OTHER"
        request.application.metrics.httpRequest(method: method, route: route, status: response.status.code, duration: elapsed)
        request.logger.log(
            level: response.status.code >= 500 ? .error : .info,
            "request",
            metadata: [
                "method": .string(method),
                "route": .string(route),
                "path": .string(request.url.path),
                "status": .stringConvertible(response.status.code),
                "duration_ms": .string(String(format: "%.2f", elapsed.seconds * 1000)),
            ])
        return response
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

    /// `/v1/activities/:id` for a matched route; `unmatched` otherwise.
    static func routeTemplate(of request: Request) -> String {
        guard let route = request.route else { return unmatchedRoute }
        return "/" + route.path.map(\.description).joined(separator: "/")
    }
}
