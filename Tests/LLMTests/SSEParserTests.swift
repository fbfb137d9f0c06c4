import LLM
import NIOCore
import Testing

@Suite("SSE parser")
struct SSEParserTests {
    private func parse(_ chunks: [[UInt8]], finish: Bool = true) throws -> [SSEEvent] {
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for chunk in chunks { events += try parser.feed(chunk) }
        if finish { events += parser.finish() }
        return events
    }

    private func parse(_ text: String) throws -> [SSEEvent] {
        try self.parse([Array(text.utf8)])
    }

    @Test func singleEvent() throws {
        #expect(try self.parse("data: hello\n\n") == [SSEEvent(data: "hello")])
    }

    @Test func severalEventsInOneRead() throws {
        let events = try self.parse("data: one\n\ndata: two\n\nevent: x\ndata: three\n\n")
        #expect(events.map(\.data) == ["one", "two", "three"])
        #expect(events.map(\.type) == ["message", "message", "x"])
    }

    @Test func eventSplitAtEveryPossibleByte() throws {
        let text = "event: content_block_delta\ndata: {\"text\":\"Läuft 🏃‍♀️ gut\"}\n\ndata: [DONE]\n\n"
        let bytes = Array(text.utf8)
        let expected = [
            SSEEvent(event: "content_block_delta", data: "{\"text\":\"Läuft 🏃‍♀️ gut\"}"),
            SSEEvent(data: "[DONE]"),
        ]
        for cut in 1..<bytes.count {
            #expect(try self.parse([Array(bytes[..<cut]), Array(bytes[cut...])]) == expected, "cut at \(cut)")
        }
        // One byte per read.
        #expect(try self.parse(bytes.map { [$0] }) == expected)
    }

    @Test func splitInsideAMultiByteCharacter() throws {
        let bytes = Array("data: 5′30″/km 🏃\n\n".utf8)
        let emoji = Array("🏃".utf8)
        let start = try #require(bytes.firstRange(of: emoji)).lowerBound
        let events = try self.parse([Array(bytes[..<(start + 2)]), Array(bytes[(start + 2)...])])
        #expect(events == [SSEEvent(data: "5′30″/km 🏃")])
    }

    @Test func crlfAndCRLineEnds() throws {
        #expect(try self.parse("data: a\r\n\r\ndata: b\r\rdata: c\n\n").map(\.data) == ["a", "b", "c"])
        // CRLF cut between two reads must not produce an extra blank line.
        let events = try self.parse([Array("data: x\r".utf8), Array("\ndata: y\r\n\r\n".utf8)])
        #expect(events.map(\.data) == ["x\ny"])
    }

    @Test func commentsAreIgnored() throws {
        let events = try self.parse(": keep-alive\n\n:another\ndata: real\n: inside\n\n")
        #expect(events == [SSEEvent(data: "real")])
    }

    @Test func multiLineData() throws {
        let events = try self.parse("data: line one\ndata: line two\ndata\ndata:no-space\n\n")
        #expect(events == [SSEEvent(data: "line one\nline two\n\nno-space")])
    }

    @Test func eventIDAndRetryFields() throws {
        let events = try self.parse("id: 7\nevent: delta\nretry: 1500\ndata: a\n\ndata: b\n\nid\ndata: c\n\n")
        #expect(events[0] == SSEEvent(event: "delta", data: "a", id: "7", retry: 1500))
        #expect(events[1] == SSEEvent(event: nil, data: "b", id: "7", retry: nil))  // id persists, type resets
        #expect(events[2].id == "")
    }

    @Test func onlyOneLeadingSpaceIsRemovedAndUnknownFieldsIgnored() throws {
        let events = try self.parse("foo: bar\ndata:   indented\n\n")
        #expect(events == [SSEEvent(data: "  indented")])
    }

    @Test func eventWithoutDataIsNotDispatched() throws {
        #expect(try self.parse("event: ping\n\n").isEmpty)
    }

    @Test func trailingEventWithoutBlankLineAtEOF() throws {
        #expect(try self.parse("data: one\n\ndata: tail").map(\.data) == ["one", "tail"])
        #expect(try self.parse("data: one\n\ndata: tail\n").map(\.data) == ["one", "tail"])
        #expect(try self.parse([Array("data: tail".utf8)], finish: false).isEmpty)
    }

    @Test func leadingBOMIsSkipped() throws {
        #expect(try self.parse([[0xEF, 0xBB], [0xBF] + Array("data: x\n\n".utf8)]) == [SSEEvent(data: "x")])
    }

    @Test func invalidUTF8DoesNotCrash() throws {
        let events = try self.parse([Array("data: ".utf8) + [0xFF, 0xC3] + Array("\n\n".utf8)])
        #expect(events.count == 1)
    }

    @Test func oversizeEventIsRejected() throws {
        var parser = SSEParser(maxEventBytes: 64)
        #expect(throws: SSEParserError.self) {
            _ = try parser.feed(Array(("data: " + String(repeating: "x", count: 100) + "\n\n").utf8))
        }
        var multi = SSEParser(maxEventBytes: 64)
        #expect(throws: SSEParserError.self) {
            for _ in 0..<10 { _ = try multi.feed(Array("data: 0123456789\n".utf8)) }
        }
    }

    @Test func feedsByteBuffers() throws {
        var parser = SSEParser()
        var buffer = ByteBuffer(string: "data: from a buffer\n\n")
        buffer.moveReaderIndex(forwardBy: 0)
        #expect(try parser.feed(buffer) == [SSEEvent(data: "from a buffer")])
    }
}
