import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import StrideIQSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A complete response: status, headers and the whole body.
struct HTTPExchange: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: ByteBuffer
}

/// One request as a sample: the response or a failure reason, and the wall time from sending the request
/// to having the full body.
struct TimedExchange: Sendable {
    var result: Result<HTTPExchange, RequestFailure>
    var duration: Duration

    /// Rounded to the microsecond: finer digits are noise, and they would bloat the baseline file.
    var durationMs: Double { (duration.milliseconds * 1_000).rounded() / 1_000 }

    /// The response headers, when there was a response.
    var headers: HTTPHeaders? { try? result.get().headers }
}

/// Why a request produced no response; `reason` is the key a failed sample is counted under.
struct RequestFailure: Error, Sendable, Equatable {
    var reason: String

    static let timeout = RequestFailure(reason: "timeout")
    static let connectionRefused = RequestFailure(reason: "connection refused")
}

/// Largest body read; a health check or home screen far beyond this is itself a finding.
let maximumResponseBytes = 16 * 1024 * 1024

extension HTTPClient {
    /// Sends `request` and reads the whole body within `timeout`.
    ///
    /// AsyncHTTPClient's own deadline stops once the response head has arrived, so a server that stalls
    /// mid-body would hang a sample; the whole exchange is therefore raced against a timer as well, and the
    /// losing task is cancelled (which closes the connection).
    func timedExchange(_ request: HTTPClientRequest, timeout: Duration) async -> TimedExchange {
        let clock = ContinuousClock()
        let start = clock.now
        let result = await withTaskGroup(of: Result<HTTPExchange, RequestFailure>?.self) { group in
            group.addTask {
                do {
                    let response = try await self.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
                    let body = try await response.body.collect(upTo: maximumResponseBytes)
                    return .success(HTTPExchange(status: response.status, headers: response.headers, body: body))
                } catch {
                    return .failure(RequestFailure(classifying: error))
                }
            }
            group.addTask {
                // A little later than the client's own deadline, so its more specific error wins when it has one.
                await sleepUntilTimeout(timeout + .milliseconds(250))
            }
            // The first finished child is never the cancelled timer, so `next()` yields a real outcome.
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failure(.timeout)
        }
        return TimedExchange(result: result, duration: clock.now - start)
    }
}

/// `.failure(.timeout)` after `duration`, nil when cancelled first. Outside the `HTTPClient` extension,
/// where `Task` would mean `HTTPClient.Task`.
private func sleepUntilTimeout(_ duration: Duration) async -> Result<HTTPExchange, RequestFailure>? {
    do {
        try await Task.sleep(for: duration)
    } catch {
        return nil
    }
    return .failure(.timeout)
}

extension RequestFailure {
    init(classifying error: any Error) {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .tlsHandshakeTimeout,
                .getConnectionFromPoolTimeout, .socksHandshakeTimeout, .httpProxyHandshakeTimeout:
                self = .timeout
            case .remoteConnectionClosed:
                self.init(reason: "connection closed")
            case .bodyLengthMismatch:
                self.init(reason: "truncated body")
            default:
                self.init(reason: "error: \(error)")
            }
            return
        }
        if error is NIOTooManyBytesError {
            self.init(reason: "body too large")
        } else if let error = error as? ChannelError, case .connectTimeout = error {
            self = .timeout
        } else if error is CancellationError {
            self.init(reason: "cancelled")
        } else if let error = error as? IOError, error.errnoCode == ECONNREFUSED {
            self = .connectionRefused
        } else if "\(error)".contains("refused") {
            // NIOPosix wraps refusals in its own error type, which this module does not link.
            self = .connectionRefused
        } else {
            self.init(reason: "error: \(error)")
        }
    }
}
