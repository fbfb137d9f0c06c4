import CompressNIO
import NIOCore
import Vapor

/// Inflates `Content-Encoding: gzip` and `deflate` request bodies, with explicit limits, inside
/// `EdgeMiddleware` so every refusal gets the one JSON error shape and is counted as the client error it is.
///
/// Vapor's own request decompression (`HTTPServer.Configuration.requestDecompression`) runs in the channel
/// pipeline: a body past its ratio limit or a corrupt stream fails the channel there, before any responder, so
/// the client got a dropped connection and the log an error-level 500. `configure` turns it off and installs
/// this instead.
///
/// Limits: the compressed body is read up to `Request.maxBodyBytes` (413 past it, as for any body); the
/// inflated body may not exceed `Request.maxBodyBytes` nor `maxRatio` × the compressed size (413
/// `payload_too_large`). Inflation writes into fixed-size chunks and stops at the first byte past the limit,
/// so a bomb is never inflated in full. A corrupt or truncated stream is 400 `invalid_content_encoding`; an
/// encoding other than gzip, deflate or identity is 415 `unsupported_content_encoding`.
///
/// It runs on the request's task, not on a separate thread: the output is bounded to 1 MiB, which zlib
/// inflates in about a millisecond, less than the JSON parse that follows.
///
/// `EdgeMiddleware` calls it only for a request that has `Content-Encoding` (nearly none do), so the others
/// pass without a task of their own.
struct RequestDecompression: Sendable {
    /// Inflates `request`'s body if it is encoded, then hands it on.
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        guard !request.headers[.contentEncoding].isEmpty else { return next.respond(to: request) }
        return request.eventLoop.makeFutureWithTask {
            try await inflating(request, next: AsyncBasicResponder { try await next.respond(to: $0).get() })
        }
    }

    /// Largest inflated/compressed size ratio accepted (`REQUEST_MAX_INFLATE_RATIO`).
    let maxRatio: Int
    let maxBodyBytes: Int

    init(maxRatio: Int, maxBodyBytes: Int = Request.maxBodyBytes) {
        self.maxRatio = maxRatio
        self.maxBodyBytes = maxBodyBytes
    }

    enum Coding: Equatable {
        case identity
        case gzip
        /// HTTP's `deflate` is the zlib format (RFC 9110 §8.4.1.2); raw deflate is accepted too, as many clients send it.
        case deflate
    }

    func inflating(_ request: Request, next: any AsyncResponder) async throws -> Response {
        let values = request.headers[.contentEncoding]
        guard !values.isEmpty else { return try await next.respond(to: request) }
        let coding = try Self.coding(of: values)
        if coding == .identity {
            request.headers.remove(name: .contentEncoding)
            return try await next.respond(to: request)
        }
        let compressed = try await request.body.collect(max: maxBodyBytes).get() ?? ByteBuffer()
        let limit = min(maxBodyBytes, max(compressed.readableBytes, 1).multipliedReportingOverflow(by: maxRatio).partialValue)
        let inflated = try Self.inflate(compressed, coding: coding, limit: limit)
        request.headers.remove(name: .contentEncoding)
        request.headers.replaceOrAdd(name: .contentLength, value: String(inflated.readableBytes))
        // `Request.Body` has no public setter; encoding replaces the collected body (and is all it does here).
        try request.content.encode(RawBody(buffer: inflated), using: RawBodyEncoder())
        return try await next.respond(to: request)
    }

    /// The one coding a body was sent with: a list of several (`gzip, gzip`) is refused like an unknown one.
    static func coding(of values: [String]) throws -> Coding {
        let codings = values.flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty }
        let meaningful = codings.filter { $0 != "identity" }
        switch meaningful {
        case []: return .identity
        case ["gzip"], ["x-gzip"]: return .gzip
        case ["deflate"]: return .deflate
        default:
            throw APIError(
                .unsupportedMediaType, code: .unsupportedContentEncoding,
                detail: "Content-Encoding must be gzip, deflate or identity",
                headers: ["Accept-Encoding": "gzip, deflate"])
        }
    }

    static func inflate(_ compressed: ByteBuffer, coding: Coding, limit: Int) throws -> ByteBuffer {
        switch coding {
        case .identity:
            return compressed
        case .gzip:
            return try inflate(compressed, algorithm: .gzip, limit: limit)
        case .deflate:
            // A zlib stream starts with a header whose first byte has 8 (deflate) in its low nibble and whose
            // first two bytes are a multiple of 31; anything else is taken as raw deflate.
            let view = compressed.readableBytesView
            let isZlib =
                view.count >= 2 && view[view.startIndex] & 0x0F == 8
                && (UInt16(view[view.startIndex]) << 8 | UInt16(view[view.startIndex + 1])) % 31 == 0
            return try inflate(compressed, algorithm: isZlib ? .zlib : .deflate, limit: limit)
        }
    }

    private static func inflate(_ compressed: ByteBuffer, algorithm: ZlibAlgorithm, limit: Int) throws -> ByteBuffer {
        do {
            return try BoundedInflater.inflate(compressed, algorithm: algorithm, limit: limit)
        } catch .tooLarge {
            throw tooLarge
        } catch .corrupt {
            throw invalidEncoding
        } catch .unavailable {
            throw APIError(.internalServerError, code: .internalError, detail: "Internal server error")
        }
    }

    static let tooLarge = APIError(
        .payloadTooLarge, code: .payloadTooLarge,
        detail: "The request body inflates past the limit (1 MiB, and a bounded compression ratio)")
    static let invalidEncoding = APIError(
        .badRequest, code: .invalidContentEncoding,
        detail: "The request body is not valid for its Content-Encoding")
}

/// The already-inflated bytes, handed to `RawBodyEncoder`.
private struct RawBody: Encodable {
    let buffer: ByteBuffer
    func encode(to encoder: any Encoder) throws {}
}

/// Writes a `RawBody`'s bytes as they are; `Request.content.encode` then stores them as the collected body.
private struct RawBodyEncoder: ContentEncoder {
    func encode<E: Encodable>(_ encodable: E, to body: inout ByteBuffer, headers: inout HTTPHeaders) throws {
        guard var raw = (encodable as? RawBody)?.buffer else { return }
        body.writeBuffer(&raw)
    }
}
