import NIOCore

/// One RESP2 value, as Redis sends it.
///
/// Bulk strings are kept as `ByteBuffer` (binary-safe, no copy out of the receive buffer); the typed command
/// helpers turn them into `String` where the caller wants text. The two RESP2 nulls are modelled as `nil` payloads
/// (`$-1` → `.bulkString(nil)`, `*-1` → `.array(nil)`) rather than a separate case, because that is what they are
/// on the wire and a caller switching over replies usually wants "missing" next to the type it expected.
public enum RESPValue: Sendable, Hashable {
    /// `+OK\r\n`
    case simpleString(String)
    /// `-ERR message\r\n`. At the top level of a reply the client turns this into `RedisError.serverError`;
    /// nested inside an array (e.g. a script's table) it stays a value.
    case error(String)
    /// `:42\r\n`, signed 64-bit.
    case integer(Int64)
    /// `$3\r\nfoo\r\n`; `nil` for the null bulk string `$-1\r\n`.
    case bulkString(ByteBuffer?)
    /// `*2\r\n…`; `nil` for the null array `*-1\r\n`.
    case array([RESPValue]?)
}

extension RESPValue {
    /// A bulk string holding the UTF-8 bytes of `text`.
    public static func bulkString(_ text: String) -> RESPValue {
        .bulkString(ByteBuffer(string: text))
    }

    /// True for the null bulk string and the null array.
    public var isNull: Bool {
        switch self {
        case .bulkString(nil), .array(nil): true
        default: false
        }
    }

    /// The text of a simple string or bulk string (UTF-8, invalid bytes replaced), nil otherwise.
    public var string: String? {
        switch self {
        case .simpleString(let text): text
        case .bulkString(let buffer?): String(buffer: buffer)
        default: nil
        }
    }

    /// The value of an integer reply, nil otherwise.
    public var integer: Int64? {
        if case .integer(let value) = self { value } else { nil }
    }

    /// The elements of a (non-null) array reply, nil otherwise.
    public var array: [RESPValue]? {
        if case .array(let elements?) = self { elements } else { nil }
    }
}

extension RESPValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .simpleString(let text): "+\(text)"
        case .error(let message): "-\(message)"
        case .integer(let value): ":\(value)"
        case .bulkString(nil): "(nil)"
        case .bulkString(let buffer?):
            buffer.readableBytes <= 64
                ? "\"\(String(buffer: buffer))\""
                : "<bulk string, \(buffer.readableBytes) bytes>"
        case .array(nil): "(nil array)"
        case .array(let elements?): "[" + elements.map(\.description).joined(separator: ", ") + "]"
        }
    }
}
