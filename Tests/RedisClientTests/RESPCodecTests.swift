import NIOCore
import NIOEmbedded
import RedisClient
import Testing

/// Unit tests for the RESP2 decoder and encoder, through NIO's `ByteToMessageHandler` on an `EmbeddedChannel`
/// (exactly how the client uses them) and directly.
@Suite("RESP2 codec")
struct RESPCodecTests {
    /// Frames covering every RESP2 type, with the values they decode to.
    static let sample: [(wire: String, value: RESPValue)] = [
        ("+OK\r\n", .simpleString("OK")),
        ("+\r\n", .simpleString("")),
        ("-ERR unknown command 'FOO'\r\n", .error("ERR unknown command 'FOO'")),
        (
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            .error("WRONGTYPE Operation against a key holding the wrong kind of value")
        ),
        (":0\r\n", .integer(0)),
        (":1000\r\n", .integer(1000)),
        (":-2\r\n", .integer(-2)),
        (":9223372036854775807\r\n", .integer(.max)),
        (":-9223372036854775808\r\n", .integer(.min)),
        ("$5\r\nhello\r\n", .bulkString("hello")),
        ("$0\r\n\r\n", .bulkString("")),
        ("$-1\r\n", .bulkString(nil)),
        // A bulk string is binary safe: CRLF inside the payload is data.
        ("$8\r\na\r\nb\r\n\r\n\r\n", .bulkString("a\r\nb\r\n\r\n")),
        ("*0\r\n", .array([])),
        ("*-1\r\n", .array(nil)),
        ("*3\r\n:1\r\n$3\r\nfoo\r\n$-1\r\n", .array([.integer(1), .bulkString("foo"), .bulkString(nil)])),
        (
            "*2\r\n*3\r\n:1\r\n:2\r\n:3\r\n*2\r\n+Foo\r\n-Bar\r\n",
            .array([.array([.integer(1), .integer(2), .integer(3)]), .array([.simpleString("Foo"), .error("Bar")])])
        ),
        (
            "*3\r\n*1\r\n*1\r\n*0\r\n*-1\r\n*1\r\n$-1\r\n",
            .array([.array([.array([.array([])])]), .array(nil), .array([.bulkString(nil)])])
        ),
    ]

    static var sampleStream: [UInt8] { Array(sample.map(\.wire).joined().utf8) }

    /// Feeds `chunks` in order into a fresh decoder channel and returns everything decoded.
    static func decode(_ chunks: [[UInt8]]) throws -> [RESPValue] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPDecoder()))
        var values: [RESPValue] = []
        for chunk in chunks {
            try channel.writeInbound(ByteBuffer(bytes: chunk))
            while let value = try channel.readInbound(as: RESPValue.self) { values.append(value) }
        }
        _ = try channel.finish()
        return values
    }

    @Test("each sample frame decodes to its value")
    func singleFrames() throws {
        for (wire, value) in Self.sample {
            #expect(try Self.decode([Array(wire.utf8)]) == [value], "\(wire.debugDescription)")
        }
    }

    @Test("all frames in one read decode to all values, in order")
    func severalFramesInOneRead() throws {
        #expect(try Self.decode([Self.sampleStream]) == Self.sample.map(\.value))
    }

    @Test("a stream split in two at every byte boundary decodes the same")
    func splitAtEveryBoundary() throws {
        let stream = Self.sampleStream
        let expected = Self.sample.map(\.value)
        for split in 0...stream.count {
            let values = try Self.decode([Array(stream[..<split]), Array(stream[split...])])
            #expect(values == expected, "split at byte \(split)")
        }
    }

    @Test("a stream split in three at every pair of boundaries inside a nested frame decodes the same")
    func nestedFrameSplitThreeWays() throws {
        let frame = Array("*2\r\n*3\r\n:1\r\n$3\r\nfoo\r\n$-1\r\n*1\r\n-ERR x\r\n".utf8)
        let expected: [RESPValue] = [
            .array([
                .array([.integer(1), .bulkString("foo"), .bulkString(nil)]),
                .array([.error("ERR x")]),
            ])
        ]
        for first in 0...frame.count {
            for second in first...frame.count {
                let chunks = [Array(frame[..<first]), Array(frame[first..<second]), Array(frame[second...])]
                #expect(try Self.decode(chunks) == expected, "splits at \(first), \(second)")
            }
        }
    }

    @Test("a stream fed one byte at a time decodes the same")
    func oneByteAtATime() throws {
        #expect(try Self.decode(Self.sampleStream.map { [$0] }) == Self.sample.map(\.value))
    }

    @Test("nothing is produced until a frame's last byte arrives")
    func incompleteFramesYieldNothing() throws {
        var decoder = RESPDecoder()
        for (wire, value) in Self.sample {
            let bytes = Array(wire.utf8)
            for length in 0..<bytes.count {
                var partial = ByteBuffer(bytes: bytes[..<length])
                #expect(try decoder.decode(buffer: &partial) == nil, "\(wire.debugDescription) cut at \(length)")
                #expect(partial.readerIndex == 0, "a partial frame must not be consumed")
            }
            var whole = ByteBuffer(bytes: bytes)
            #expect(try decoder.decode(buffer: &whole) == value)
            #expect(whole.readableBytes == 0)
        }
    }

    @Test("a bulk string of 1 MiB + 7 bytes with CRLFs inside, in one read and in 64 KiB chunks")
    func largeValue() throws {
        var generator = TestRandom(seed: 1)
        var payload = (0..<(1024 * 1024 + 7)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        payload[10] = UInt8(ascii: "\r")
        payload[11] = UInt8(ascii: "\n")
        var wire = ByteBuffer()
        try wire.writeRESPValue(.array([.bulkString(ByteBuffer(bytes: payload)), .integer(7)]))
        let bytes = Array(wire.readableBytesView)
        let expected: RESPValue = .array([.bulkString(ByteBuffer(bytes: payload)), .integer(7)])

        #expect(try Self.decode([bytes]) == [expected])
        let chunks = stride(from: 0, to: bytes.count, by: 64 * 1024).map {
            Array(bytes[$0..<min($0 + 64 * 1024, bytes.count)])
        }
        #expect(chunks.count > 16)
        #expect(try Self.decode(chunks) == [expected])
    }

    /// A malformed input, shown in test output by its reason (some inputs are 70 KB long).
    struct Malformed: Sendable, CustomTestStringConvertible {
        let wire: String
        let reason: String
        var testDescription: String { reason }
    }

    static let malformed: [Malformed] = [
        Malformed(wire: "?foo\r\n", reason: "unknown type byte"),
        Malformed(wire: "_\r\n", reason: "RESP3 null is not RESP2"),
        Malformed(wire: ":12a\r\n", reason: "non-digit in integer"),
        Malformed(wire: ":\r\n", reason: "empty integer"),
        Malformed(wire: ":-\r\n", reason: "sign only"),
        Malformed(wire: ":+5\r\n", reason: "explicit plus sign"),
        Malformed(wire: ":9223372036854775808\r\n", reason: "integer overflow"),
        Malformed(wire: ":-9223372036854775809\r\n", reason: "integer underflow"),
        Malformed(wire: "$-2\r\n", reason: "negative bulk length"),
        Malformed(wire: "$abc\r\n", reason: "non-numeric bulk length"),
        Malformed(wire: "$3\r\nfoobar\r\n", reason: "bulk payload longer than its length"),
        Malformed(wire: "$3\r\nfo\r\n\r\n", reason: "bulk payload shorter than its length"),
        Malformed(wire: "$999999999999\r\n", reason: "bulk length beyond the limit"),
        Malformed(wire: "*-5\r\n", reason: "negative array length"),
        Malformed(wire: "*99999999999\r\n", reason: "array length beyond the limit"),
        Malformed(wire: "+OK\rX\r\n", reason: "CR not followed by LF"),
        Malformed(wire: "*2\r\n:1\r\n!\r\n", reason: "garbage inside an array"),
        Malformed(wire: String(repeating: "*1\r\n", count: 100) + ":1\r\n", reason: "nesting deeper than the limit"),
        Malformed(wire: "+" + String(repeating: "a", count: 70_000), reason: "line without CRLF beyond the limit"),
    ]

    @Test("malformed input throws protocolError, never traps", arguments: malformed)
    func malformedInput(_ input: Malformed) throws {
        let (wire, reason) = (input.wire, input.reason)
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPDecoder()))
        defer { _ = try? channel.finish() }
        do {
            try channel.writeInbound(ByteBuffer(string: wire))
            Issue.record("\(reason): no error")
        } catch let error as RedisError {
            guard case .protocolError = error else {
                Issue.record("\(reason): expected protocolError, got \(error)")
                return
            }
        } catch {
            Issue.record("\(reason): expected protocolError, got \(error)")
        }
    }

    @Test("valid frames before a malformed one are still delivered")
    func validFramesBeforeGarbage() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPDecoder()))
        #expect(throws: RedisError.self) {
            try channel.writeInbound(ByteBuffer(string: "+OK\r\n:5\r\n%garbage\r\n"))
        }
        #expect(try channel.readInbound(as: RESPValue.self) == .simpleString("OK"))
        #expect(try channel.readInbound(as: RESPValue.self) == .integer(5))
        _ = try? channel.finish()
    }

    @Test("random garbage never traps: each input decodes, waits for more, or throws protocolError")
    func randomGarbage() throws {
        var generator = TestRandom(seed: 42)
        // Bias towards RESP's own alphabet so the parser gets deep into frames, not just the type byte.
        let alphabet = Array("+-:$*\r\n0123456789-1abc".utf8)
        for _ in 0..<3000 {
            let length = Int.random(in: 1...48, using: &generator)
            let bytes = (0..<length).map { _ in
                Bool.random(using: &generator)
                    ? alphabet.randomElement(using: &generator)!
                    : UInt8.random(in: .min ... .max, using: &generator)
            }
            var decoder = RESPDecoder()
            var buffer = ByteBuffer(bytes: bytes)
            do {
                while buffer.readableBytes > 0, try decoder.decode(buffer: &buffer) != nil {}
            } catch let error as RedisError {
                guard case .protocolError = error else {
                    Issue.record("unexpected error \(error) for \(bytes)")
                    continue
                }
            }
        }
    }

    @Test("the encoder writes commands as arrays of bulk strings, and every type round-trips")
    func encoder() throws {
        var buffer = ByteBuffer()
        try buffer.writeRESPValue(.array([.bulkString("SET"), .bulkString("k"), .bulkString("v")]))
        #expect(String(buffer: buffer) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")

        for (wire, value) in Self.sample {
            var encoded = ByteBuffer()
            try encoded.writeRESPValue(value)
            #expect(String(buffer: encoded) == wire)
        }

        let channel = EmbeddedChannel(handler: MessageToByteHandler(RESPEncoder()))
        try channel.writeOutbound(RESPValue.array([.bulkString("PING")]))
        #expect(try channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) } == "*1\r\n$4\r\nPING\r\n")
        _ = try channel.finish()
    }

    @Test("a simple string or error with CR or LF cannot be encoded")
    func encoderRejectsUnframeableLines() {
        var buffer = ByteBuffer()
        #expect(throws: RedisError.self) { try buffer.writeRESPValue(.simpleString("a\r\nb")) }
        #expect(throws: RedisError.self) { try buffer.writeRESPValue(.error("a\nb")) }
    }

    @Test("value accessors")
    func accessors() {
        #expect(RESPValue.bulkString("x").string == "x")
        #expect(RESPValue.simpleString("OK").string == "OK")
        #expect(RESPValue.integer(3).string == nil)
        #expect(RESPValue.integer(-3).integer == -3)
        #expect(RESPValue.bulkString(nil).isNull)
        #expect(RESPValue.array(nil).isNull)
        #expect(!RESPValue.array([]).isNull)
        #expect(RESPValue.array([.integer(1)]).array == [.integer(1)])
    }
}
