import Vapor

extension Request {
    /// The client's address. `X-Forwarded-For` is believed only when the peer is a trusted proxy; then the
    /// right-most address that is not itself a trusted proxy is the client (left-most entries are client-written).
    var clientIP: String {
        let peer = remoteAddress?.ipAddress ?? "unknown"
        let trusted = application.config.trustedProxies
        guard trusted.contains(where: { $0.contains(peer) }) else { return peer }
        let forwarded = headers[canonicalForm: "X-Forwarded-For"].map { String($0).trimmingCharacters(in: .whitespaces) }
        for address in forwarded.reversed() where !address.isEmpty {
            if !trusted.contains(where: { $0.contains(address) }) {
                return CIDR.parseAddress(address) != nil ? address : peer
            }
        }
        return forwarded.first.flatMap { CIDR.parseAddress($0) != nil ? $0 : nil } ?? peer
    }
}

/// Fixed one-minute window per client IP and route group, counted in the shared cache. Fails open when the
/// cache is unavailable (warning logged): an outage must not lock every athlete out of logging in.
struct RateLimitMiddleware: AsyncMiddleware {
    let scope: String
    let limitPerMinute: Int

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let now = request.application.now().timeIntervalSince1970
        let window = Int(now / 60)
        let resetIn = 60 - Int(now) % 60
        let key = "rate:\(scope):\(request.clientIP):\(window)"
        var count = 0
        do {
            count = try await request.application.cache.increment(key, windowTTL: .seconds(61))
        } catch {
            request.logger.warning("rate limit skipped: cache unavailable", metadata: ["error": "\(error)"])
            request.application.metrics.cacheFailOpen(check: "rate_limit")
            return try await next.respond(to: request)
        }
        let headers: [(String, String)] = [
            ("X-RateLimit-Limit", String(limitPerMinute)),
            ("X-RateLimit-Remaining", String(max(0, limitPerMinute - count))),
            ("X-RateLimit-Reset", String(resetIn)),
        ]
        if count > limitPerMinute {
            var error = APIError.tooManyRequests(
                code: .rateLimited, detail: "Rate limit exceeded; try again in \(resetIn) s", retryAfter: resetIn)
            for (name, value) in headers { error.headers.replaceOrAdd(name: name, value: value) }
            throw error
        }
        let response: Response
        do {
            response = try await next.respond(to: request)
        } catch {
            // Errors carry the headers too: a client that failed to log in still learns its budget.
            response = APIErrorMiddleware.response(for: error, request: request)
        }
        for (name, value) in headers { response.headers.replaceOrAdd(name: name, value: value) }
        return response
    }
}
