import AsyncKit
import JWT
import NIOCore
import NIOPosix
import PostgresNIO
import SQLiteNIO
import StrideIQCore
import Vapor

/// Turns every error — ours, Vapor's, decoding, JWT, database — into the one JSON error shape.
/// Unknown errors become a 500 with a generic message; their details go to the log, never to the client.
/// Future-based (an `AsyncMiddleware` costs a task per request and layer).
struct APIErrorMiddleware: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).flatMapErrorThrowing { error in Self.response(for: error, request: request) }
    }

    static func response(for error: any Error, request: Request) -> Response {
        let apiError = translate(error, request: request)
        let body = ErrorBody(detail: apiError.detail, code: apiError.code, errors: apiError.errors, extra: apiError.extra)
        var headers = apiError.headers
        headers.contentType = .json
        let response = Response(status: apiError.status, headers: headers)
        do {
            response.body = .init(data: try JSONEncoder().encode(body))
        } catch {
            response.body = .init(string: #"{"detail":"Internal server error","code":"\#(ErrorCode.internalError.rawValue)"}"#)
        }
        return response
    }

    static func translate(_ error: any Error, request: Request) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as DecodingError:
            return APIError.validation([FieldError(field: error.fieldPath, message: error.humanMessage)])
        case is JWTError:
            return .invalidToken
        case let error as any AbortError:
            return APIError(error.status, code: ErrorCode(status: error.status), detail: error.reason, headers: error.headers)
        case _ where isDatabaseUnavailable(error):
            // Logged below error level: the outage is the database's, already visible in /health, and a 503
            // per request at error level would bury everything else while it lasts.
            request.logger.warning("database unavailable", metadata: ["error": "\(String(reflecting: error))"])
            return .databaseUnavailable
        default:
            request.logger.report(error: error)
            return APIError(.internalServerError, code: .internalError, detail: "Internal server error")
        }
    }
}

extension APIErrorMiddleware {
    /// The database cannot be reached right now: refused or reset connections, a connection closed under a
    /// query (a restart), the pool timing out waiting for one, the server shutting down or not yet accepting.
    /// These are transient and not the request's fault, so the client gets 503 + `Retry-After`, not a 500.
    static func isDatabaseUnavailable(_ error: any Error) -> Bool {
        switch error {
        case is ConnectionPoolTimeoutError, is ConnectionPoolError, is NIOConnectionError:
            return true
        case let error as PSQLError:
            switch error.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
                return true
            case .server:
                // Class 08 (connection exception), 57P01–57P03 (admin/crash shutdown, cannot connect now),
                // 53300 (too many connections).
                let state = error.serverInfo?[.sqlState] ?? ""
                return state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(state)
            default:
                return error.underlying.map(isDatabaseUnavailable) ?? false
            }
        case let error as ChannelError:
            switch error {
            case .ioOnClosedChannel, .alreadyClosed, .eof, .connectPending, .inputClosed, .outputClosed: return true
            default: return false
            }
        case let error as IOError:
            return [ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH].contains(error.errnoCode)
        case let error as SQLiteError:
            // A writer that could not get the file's lock in time: transient, like a pool timeout.
            switch error.reason {
            case .busy, .locked, .busyTimeout: return true
            default: return false
            }
        default:
            return false
        }
    }
}

extension APIError {
    /// 503 for a database that cannot be reached; the client retries after a few seconds.
    static let databaseUnavailable = APIError(
        .serviceUnavailable, code: .databaseUnavailable,
        detail: "The database is unavailable; retry shortly", headers: ["Retry-After": "5"])
}

extension DecodingError {
    /// `a.b[2].c` for the field the decoder was at.
    var fieldPath: String {
        let path: [any CodingKey]
        switch self {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            path = context.codingPath
        case .keyNotFound(let key, let context):
            path = context.codingPath + [key]
        @unknown default:
            path = []
        }
        var result = ""
        for key in path {
            if let index = key.intValue {
                result += "[\(index)]"
            } else {
                result += result.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return result.isEmpty ? "body" : result
    }

    var humanMessage: String {
        switch self {
        case .typeMismatch(let type, _): "must be \(Self.describe(type))"
        case .valueNotFound(let type, _): "must be \(Self.describe(type)), not null"
        case .keyNotFound: "is required"
        case .dataCorrupted(let context): context.debugDescription
        @unknown default: "is invalid"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        let name = String(describing: type)
        switch name {
        case "String": return "a string"
        case "Int", "Int64", "Int32": return "an integer"
        case "Double", "Float": return "a number"
        case "Bool": return "true or false"
        case _ where name.hasPrefix("Array"): return "an array"
        case _ where name.hasPrefix("Dictionary"): return "an object"
        default: return "a valid \(name)"
        }
    }
}
