import Vapor

/// The one app-wide middleware: everything every request needs before and after its route, in one pass.
///
/// In order, for each request:
/// 1. its id and start time (`RequestObservation.begin`);
/// 2. a repeated or array-form query parameter is a 422 before any route reads one (`StrictQuery`);
/// 3. a `Content-Encoding` body is inflated within its limits (`RequestDecompression`);
/// 4. the route;
/// 5. any error becomes the one JSON error shape (`APIErrorMiddleware.response`);
/// 6. the security headers and `X-Request-Id` go on the response, errors included (`SecurityHeaders`);
/// 7. the HTTP metrics and the log line (`RequestObservation.finish`).
///
/// Why one middleware rather than one per step: each Vapor middleware is a responder of its own, and each of
/// its steps after the route a future and a callback. Every request pays for them, `/ping` included; five
/// layers cost a measurable share of `/ping`. Future-based, not `AsyncMiddleware`: that costs a task per
/// request. The steps themselves live with what they are about, and this type only orders them.
struct EdgeMiddleware: Middleware {
    /// Held directly: `request.application.metrics` would copy the app's services out of its locked storage
    /// on every request.
    let metrics: Metrics
    let decompression: RequestDecompression

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let start = ContinuousClock.now
        let id = RequestObservation.begin(request)
        let routed: EventLoopFuture<Response>
        if let refusal = StrictQuery.refusal(of: request) {
            routed = request.eventLoop.makeFailedFuture(refusal)
        } else {
            routed = decompression.respond(to: request, chainingTo: next)
        }
        // One promise and one callback for every step after the route (a `flatMapErrorThrowing` and a `map`
        // would be two of each).
        let promise = request.eventLoop.makePromise(of: Response.self)
        routed.hop(to: request.eventLoop).whenComplete { [metrics] result in
            let response: Response
            switch result {
            case .success(let routedResponse): response = routedResponse
            case .failure(let error): response = APIErrorMiddleware.response(for: error, request: request)
            }
            SecurityHeaders.apply(to: &response.headers)
            response.headers.replaceOrAdd(name: .xRequestId, value: id)
            RequestObservation.finish(request, response: response, elapsed: ContinuousClock.now - start, metrics: metrics)
            promise.succeed(response)
        }
        return promise.futureResult
    }
}
