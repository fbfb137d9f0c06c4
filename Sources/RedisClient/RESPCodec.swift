import NIOCore

/// Decodes a stream of RESP2 replies, one `RESPValue` per top-level frame.
///
/// Works on partial input: a frame split across any number of reads yields nothing until its last byte has
/// arrived, and several frames in one read yield several values. Each attempt parses from the start of the
/// unconsumed bytes and only moves the reader index when a whole frame is there, so there is no parser state to
/// get out of sync. That re-parse is cheap for what Redis sends us (short replies; a large bulk string costs
/// one header read per attempt because its length is known up front and checked before anything is copied).
///
/// Never traps on hostile or corrupt input: unknown type bytes, bad lengths, bad integers, a missing CRLF,
/// lines or bulk strings beyond the limits, and nesting deeper than `maximumNestingDepth` all throw
/// `RedisError.protocolError`, after which the connection is closed. The limits also bound memory: without
/// them, a garbage length header would make us buffer forever.
public struct RESPDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = RESPValue

    /// Redis's own default `proto-max-bulk-len`.
    public static let defaultMaximumBulkLength = 512 * 1024 * 1024

    public let maximumBulkLength: Int
    public let maximumArrayLength: Int
    /// Redis nests arrays only for script results and a few introspection commands; 64 is generous and keeps
    /// the recursive parser's stack use trivially small.
    public let maximumNestingDepth: Int
    /// Simple strings, errors, integers and length headers are short; a line this long without CRLF is garbage.
    public let maximumLineLength: Int

    public init(
        maximumBulkLength: Int = RESPDecoder.defaultMaximumBulkLength,
        maximumArrayLength: Int = 64 * 1024 * 1024,
        maximumNestingDepth: Int = 64,
        maximumLineLength: Int = 64 * 1024
    ) {
        self.maximumBulkLength = maximumBulkLength
        self.maximumArrayLength = maximumArrayLength
        self.maximumNestingDepth = maximumNestingDepth
        self.maximumLineLength = maximumLineLength
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> RESPValue? {
        var parser = Parser(buffer: buffer, index: buffer.readerIndex, limits: self)
        guard let value = try parser.value(depth: 0) else { return nil }
        buffer.moveReaderIndex(to: parser.index)
        return value
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPValue? {
        // A partial frame left at EOF is simply dropped: the connection is gone and every command still waiting
        // on it fails with `connectionLost` when the channel goes inactive.
        try decode(buffer: &buffer)
    }
}

private let cr = UInt8(ascii: "\r")
private let lf = UInt8(ascii: "\n")

/// A cursor over a snapshot of the receive buffer. `index` is absolute (like `ByteBuffer.readerIndex`).
/// Every method returns nil for "incomplete, wait for more bytes" and throws for "can never be valid".
private struct Parser {
    let buffer: ByteBuffer
    var index: Int
    let limits: RESPDecoder

    mutating func value(depth: Int) throws -> RESPValue? {
        guard let type = buffer.getInteger(at: index, as: UInt8.self) else { return nil }
        switch type {
        case UInt8(ascii: "+"):
            guard let line = try line() else { return nil }
            return .simpleString(String(decoding: line, as: UTF8.self))
        case UInt8(ascii: "-"):
            guard let line = try line() else { return nil }
            return .error(String(decoding: line, as: UTF8.self))
        case UInt8(ascii: ":"):
            guard let line = try line() else { return nil }
            return .integer(try Self.integer(line))
        case UInt8(ascii: "$"):
            return try bulkString()
        case UInt8(ascii: "*"):
            return try array(depth: depth)
        default:
            throw RedisError.protocolError("unexpected RESP type byte 0x\(String(type, radix: 16))")
        }
    }

    private mutating func bulkString() throws -> RESPValue? {
        guard let header = try line() else { return nil }
        let length = try Self.integer(header)
        if length == -1 { return .bulkString(nil) }
        guard length >= 0 else { throw RedisError.protocolError("negative bulk string length \(length)") }
        guard length <= limits.maximumBulkLength else {
            throw RedisError.protocolError("bulk string length \(length) exceeds the limit \(limits.maximumBulkLength)")
        }
        let length_ = Int(length)
        guard buffer.writerIndex - index >= length_ + 2 else { return nil }
        guard buffer.getInteger(at: index + length_, as: UInt8.self) == cr,
            buffer.getInteger(at: index + length_ + 1, as: UInt8.self) == lf
        else { throw RedisError.protocolError("bulk string of length \(length) is not followed by CRLF") }
        let payload = buffer.getSlice(at: index, length: length_)!
        index += length_ + 2
        return .bulkString(payload)
    }

    private mutating func array(depth: Int) throws -> RESPValue? {
        guard depth < limits.maximumNestingDepth else {
            throw RedisError.protocolError("arrays nested deeper than \(limits.maximumNestingDepth)")
        }
        guard let header = try line() else { return nil }
        let count = try Self.integer(header)
        if count == -1 { return .array(nil) }
        guard count >= 0 else { throw RedisError.protocolError("negative array length \(count)") }
        guard count <= limits.maximumArrayLength else {
            throw RedisError.protocolError("array length \(count) exceeds the limit \(limits.maximumArrayLength)")
        }
        let count_ = Int(count)
        // Every element takes at least 3 bytes (":1\r\n" is 4, "+\r\n" is 3): if that many are not here yet, the
        // frame cannot be complete, so skip parsing (and never reserve memory for a length we have not seen).
        guard buffer.writerIndex - index >= count_ * 3 else { return nil }
        var elements: [RESPValue] = []
        elements.reserveCapacity(count_)
        for _ in 0..<count_ {
            guard let element = try value(depth: depth + 1) else { return nil }
            elements.append(element)
        }
        return .array(elements)
    }

    /// The bytes after the type byte up to CRLF; moves `index` past the CRLF.
    private mutating func line() throws -> ByteBufferView? {
        let contentStart = index + 1
        let available = buffer.writerIndex - contentStart
        let searchLength = min(available, limits.maximumLineLength + 1)
        guard searchLength > 0 else { return nil }
        let crOffset = buffer.withUnsafeReadableBytes { bytes -> Int? in
            let base = contentStart - buffer.readerIndex
            return bytes[base..<(base + searchLength)].firstIndex(of: cr).map { $0 - base }
        }
        guard let crOffset else {
            if searchLength > limits.maximumLineLength {
                throw RedisError.protocolError("no CRLF within \(limits.maximumLineLength) bytes")
            }
            return nil
        }
        guard let next = buffer.getInteger(at: contentStart + crOffset + 1, as: UInt8.self) else { return nil }
        guard next == lf else { throw RedisError.protocolError("CR not followed by LF") }
        let line = buffer.getSlice(at: contentStart, length: crOffset)!.readableBytesView
        index = contentStart + crOffset + 2
        return line
    }

    /// A signed decimal that fits Int64: optional "-", then 1...19 digits. Anything else is a protocol error.
    static func integer(_ bytes: ByteBufferView) throws -> Int64 {
        var digits = bytes[...]
        let negative = digits.first == UInt8(ascii: "-")
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty else { throw RedisError.protocolError("empty integer") }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                throw RedisError.protocolError("invalid integer \"\(String(decoding: bytes, as: UTF8.self))\"")
            }
            let digit = Int64(byte - UInt8(ascii: "0"))
            // Accumulate negatively so Int64.min parses too.
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = shifted.subtractingReportingOverflow(digit)
            guard !overflow1, !overflow2 else {
                throw RedisError.protocolError("integer out of range \"\(String(decoding: bytes, as: UTF8.self))\"")
            }
            value = next
        }
        if negative { return value }
        guard value != .min else {
            throw RedisError.protocolError("integer out of range \"\(String(decoding: bytes, as: UTF8.self))\"")
        }
        return -value
    }
}

/// Encodes any `RESPValue` (the client sends commands as arrays of bulk strings; the other types are here for
/// fake servers in tests).
public struct RESPEncoder: MessageToByteEncoder {
    public typealias OutboundIn = RESPValue

    public init() {}

    public func encode(data: RESPValue, out: inout ByteBuffer) throws {
        try out.writeRESPValue(data)
    }
}

extension ByteBuffer {
    /// Appends the RESP2 encoding of `value`. Throws `protocolError` for a simple string or error containing
    /// CR or LF, which cannot be framed (use a bulk string).
    @discardableResult
    public mutating func writeRESPValue(_ value: RESPValue) throws -> Int {
        let start = writerIndex
        switch value {
        case .simpleString(let text):
            try writeLine(prefix: "+", text)
        case .error(let message):
            try writeLine(prefix: "-", message)
        case .integer(let number):
            writeStaticString(":")
            writeString(String(number))
            writeStaticString("\r\n")
        case .bulkString(nil):
            writeStaticString("$-1\r\n")
        case .bulkString(var payload?):
            writeStaticString("$")
            writeString(String(payload.readableBytes))
            writeStaticString("\r\n")
            writeBuffer(&payload)
            writeStaticString("\r\n")
        case .array(nil):
            writeStaticString("*-1\r\n")
        case .array(let elements?):
            writeStaticString("*")
            writeString(String(elements.count))
            writeStaticString("\r\n")
            for element in elements { try writeRESPValue(element) }
        }
        return writerIndex - start
    }

    private mutating func writeLine(prefix: StaticString, _ text: String) throws {
        guard !text.utf8.contains(cr), !text.utf8.contains(lf) else {
            throw RedisError.protocolError("a simple string or error cannot contain CR or LF")
        }
        writeStaticString(prefix)
        writeString(text)
        writeStaticString("\r\n")
    }
}
