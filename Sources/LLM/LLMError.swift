import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import StrideIQSupport

/// Every failure of an LLM call, typed. Providers and the fallback chain only ever throw `LLMError`
/// (raw errors from the HTTP stack are mapped with `LLMError(_:)`).
///
/// Descriptions never contain an API key: provider messages are passed through a redactor and
/// request headers are never included.
public enum LLMError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum TimeoutKind: String, Sendable, Equatable, CaseIterable {
        /// TCP/TLS connection could not be established in time (HTTP client connect timeout).
        case connect
        /// No content token arrived within `LLMTimeouts.firstToken` of the request start.
        case firstToken = "first_token"
        /// The stream went silent for longer than `LLMTimeouts.idle` (or the HTTP client's read timeout fired).
        case idle
        /// The per-request total timeout or the caller's deadline passed.
        case deadline
    }

    public enum TransportKind: String, Sendable, Equatable, CaseIterable {
        case connectFailed = "connect_failed"
        case connectionReset = "connection_reset"
        case connectionClosed = "connection_closed"
        case tls
        case other
    }

    case timeout(TimeoutKind)
    /// HTTP 429 (or a provider `rate_limit_error` event); `retryAfter` from `Retry-After`/`retry-after-ms`.
    case rateLimited(retryAfter: Duration?)
    /// Non-2xx answer (or an error event in a stream) with the provider's own message (redacted, truncated).
    case providerError(status: Int, message: String)
    /// A non-streaming answer that could not be understood.
    case malformedResponse(String)
    /// A streaming answer that could not be understood (bad JSON chunk, truncated stream, oversize event...).
    case malformedStream(String)
    /// The caller cancelled (task cancellation or dropping the stream).
    case cancelled
    /// The connection failed (refused, reset, closed early, TLS...).
    case transport(TransportKind, detail: String)
    /// The request could not be built (bad configuration); nothing was sent.
    case invalidRequest(String)

    /// Stable machine code, e.g. for `fallback_reason`, metrics and logs.
    public var code: String {
        switch self {
        case .timeout(let kind): "timeout_\(kind.rawValue)"
        case .rateLimited: "rate_limited"
        case .providerError: "provider_error"
        case .malformedResponse: "malformed_response"
        case .malformedStream: "malformed_stream"
        case .cancelled: "cancelled"
        case .transport(let kind, _): "transport_\(kind.rawValue)"
        case .invalidRequest: "invalid_request"
        }
    }

    /// How a stream that ended with this error finished.
    public var finishReason: FinishReason {
        switch self {
        case .timeout: .timeout
        case .cancelled: .cancelled
        default: .error
        }
    }

    /// Whether trying again later (or another provider) may help.
    public var isTransient: Bool {
        switch self {
        case .timeout, .rateLimited, .transport: true
        case .providerError(let status, _): status >= 500 || status == 408 || status == 409
        case .malformedResponse, .malformedStream, .cancelled, .invalidRequest: false
        }
    }

    public var description: String {
        switch self {
        case .timeout(let kind):
            switch kind {
            case .connect: "LLM timeout: could not connect in time"
            case .firstToken: "LLM timeout: no first token in time"
            case .idle: "LLM timeout: the stream went idle"
            case .deadline: "LLM timeout: the deadline passed"
            }
        case .rateLimited(let retryAfter):
            if let retryAfter {
                "LLM rate limited (retry after \(retryAfter.secondsDescription))"
            } else {
                "LLM rate limited"
            }
        case .providerError(let status, let message): "LLM provider error \(status): \(message)"
        case .malformedResponse(let detail): "LLM malformed response: \(detail)"
        case .malformedStream(let detail): "LLM malformed stream: \(detail)"
        case .cancelled: "LLM call cancelled"
        case .transport(let kind, let detail): "LLM transport error (\(kind.rawValue)): \(detail)"
        case .invalidRequest(let detail): "LLM invalid request: \(detail)"
        }
    }

    /// Maps any error thrown while talking to a provider to an `LLMError`.
    /// `LLMError`s pass through unchanged; nothing here ever includes request headers.
    public init(_ error: any Error) {
        self = LLMError.map(error, redactor: Redactor(secrets: []))
    }

    static func map(_ error: any Error, redactor: Redactor) -> LLMError {
        switch error {
        case let error as LLMError:
            return error
        case is CancellationError:
            return .cancelled
        case let error as HTTPClientError:
            switch error {
            case .connectTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout,
                .socksHandshakeTimeout, .httpProxyHandshakeTimeout:
                return .timeout(.connect)
            case .readTimeout, .writeTimeout:
                return .timeout(.idle)
            case .deadlineExceeded:
                return .timeout(.deadline)
            case .cancelled:
                return .cancelled
            case .remoteConnectionClosed:
                return .transport(.connectionClosed, detail: "the provider closed the connection")
            case .invalidURL, .emptyHost, .emptyScheme:
                return .invalidRequest("invalid provider URL")
            default:
                return .transport(.other, detail: redactor(String(describing: error)))
            }
        case let error as IOError:
            switch error.errnoCode {
            case ECONNRESET: return .transport(.connectionReset, detail: "connection reset by the provider")
            case ECONNREFUSED: return .transport(.connectFailed, detail: "connection refused")
            case EPIPE: return .transport(.connectionClosed, detail: "broken pipe")
            case ETIMEDOUT: return .timeout(.connect)
            default: return .transport(.other, detail: redactor(String(describing: error)))
            }
        case let error as HTTPParserError:
            if error == .invalidEOFState {
                return .transport(.connectionClosed, detail: "the provider closed the connection before the answer was complete")
            }
            return .malformedResponse("invalid HTTP from the provider (\(error))")
        case is NIOTooManyBytesError:
            return .malformedResponse("response too large")
        case let error as ChannelError:
            switch error {
            case .connectTimeout: return .timeout(.connect)
            case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed:
                return .transport(.connectionClosed, detail: "the connection was closed")
            default: return .transport(.other, detail: redactor(String(describing: error)))
            }
        default:
            let text = String(reflecting: error)
            if text.contains("NIOConnectionError") || text.localizedCaseInsensitiveContains("connection refused") {
                return .transport(.connectFailed, detail: "could not connect to the provider")
            }
            if text.contains("NIOSSL") || text.contains("BoringSSL") {
                return .transport(.tls, detail: "TLS failure talking to the provider")
            }
            return .transport(.other, detail: redactor(String(describing: error)).truncated(to: 300))
        }
    }
}

/// Removes secrets (API keys) from text that may echo them (provider error bodies, error descriptions).
struct Redactor: Sendable {
    let secrets: [String]

    init(secrets: [String?]) {
        // Very short "keys" (e.g. a dummy "x" for a local server) would mangle text and protect nothing.
        self.secrets = secrets.compactMap { $0 }.filter { $0.count >= 4 }
    }

    func callAsFunction(_ text: String) -> String {
        var text = text
        for secret in self.secrets where text.contains(secret) {
            text = text.replacingOccurrences(of: secret, with: "[redacted]")
        }
        return text
    }
}

extension String {
    func truncated(to limit: Int) -> String {
        guard self.count > limit else { return self }
        return String(self.prefix(limit)) + "…"
    }
}

extension Duration {
    var secondsDescription: String {
        String(format: "%.3gs", seconds)
    }
}
