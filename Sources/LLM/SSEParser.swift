import NIOCore

/// One Server-Sent Event.
public struct SSEEvent: Sendable, Equatable {
    /// The `event:` field; `nil` means the default type `message`.
    public var event: String?
    /// The `data:` lines joined with `\n`.
    public var data: String
    /// The last event ID seen so far in the stream (`id:` persists across events, as in EventSource).
    public var id: String?
    /// The `retry:` value given in this event block, if any.
    public var retry: Int?

    public init(event: String? = nil, data: String, id: String? = nil, retry: Int? = nil) {
        self.event = event
        self.data = data
        self.id = id
        self.retry = retry
    }

    /// `event` or `message`.
    public var type: String { self.event ?? "message" }
}

public struct SSEParserError: Error, Sendable, Equatable, CustomStringConvertible {
    public var limit: Int
    public var description: String { "SSE event larger than \(self.limit) bytes" }
}

/// Incremental Server-Sent Events parser (WHATWG `text/event-stream` rules).
///
/// Feed it bytes as they arrive, in any split (events may be cut anywhere, even inside a multi-byte UTF-8
/// character, and one read may hold many events); it returns the events completed by each read.
/// Handles LF, CRLF and CR line ends (also a CRLF cut between two reads), `:` comments, multi-line `data:`,
/// `event:`, `id:`, `retry:`, a leading BOM, and — unlike a browser — dispatches a trailing event that
/// lacks its final blank line when `finish()` is called at end of stream.
public struct SSEParser: Sendable {
    public static let defaultMaxEventBytes = 4 * 1024 * 1024

    public let maxEventBytes: Int

    private var line: [UInt8] = []
    private var lastWasCR = false
    private var isFirstLine = true
    private var dataLines: [String] = []
    private var eventBytes = 0
    private var eventType: String?
    private var lastEventID: String?
    private var retry: Int?

    public init(maxEventBytes: Int = SSEParser.defaultMaxEventBytes) {
        self.maxEventBytes = maxEventBytes
    }

    /// Feeds one read. Throws `SSEParserError` when a single event exceeds `maxEventBytes`.
    public mutating func feed(_ buffer: ByteBuffer) throws(SSEParserError) -> [SSEEvent] {
        try self.feed(buffer.readableBytesView)
    }

    /// Feeds one read. Throws `SSEParserError` when a single event exceeds `maxEventBytes`.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) throws(SSEParserError) -> [SSEEvent]
    where Bytes.Element == UInt8 {
        var events: [SSEEvent] = []
        for byte in bytes {
            if self.lastWasCR {
                self.lastWasCR = false
                if byte == UInt8(ascii: "\n") { continue }  // second half of a CRLF
            }
            switch byte {
            case UInt8(ascii: "\r"):
                self.lastWasCR = true
                if let event = try self.endOfLine() { events.append(event) }
            case UInt8(ascii: "\n"):
                if let event = try self.endOfLine() { events.append(event) }
            default:
                self.line.append(byte)
                if self.line.count + self.eventBytes > self.maxEventBytes {
                    throw SSEParserError(limit: self.maxEventBytes)
                }
            }
        }
        return events
    }

    /// End of stream: completes a last line without line end and dispatches a pending event that has data.
    public mutating func finish() -> [SSEEvent] {
        var events: [SSEEvent] = []
        if !self.line.isEmpty, let event = try? self.endOfLine() {
            events.append(event)
        }
        if let event = self.dispatch() { events.append(event) }
        self.lastWasCR = false
        return events
    }

    private mutating func endOfLine() throws(SSEParserError) -> SSEEvent? {
        defer { self.line.removeAll(keepingCapacity: true) }
        if self.isFirstLine {
            self.isFirstLine = false
            if self.line.starts(with: [0xEF, 0xBB, 0xBF]) { self.line.removeFirst(3) }
        }
        if self.line.isEmpty { return self.dispatch() }
        if self.line[0] == UInt8(ascii: ":") { return nil }  // comment

        let field: String
        let value: String
        if let colon = self.line.firstIndex(of: UInt8(ascii: ":")) {
            field = String(decoding: self.line[..<colon], as: UTF8.self)
            var valueStart = colon + 1
            if valueStart < self.line.endIndex, self.line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
            value = String(decoding: self.line[valueStart...], as: UTF8.self)
        } else {
            field = String(decoding: self.line, as: UTF8.self)
            value = ""
        }

        switch field {
        case "data":
            self.eventBytes += value.utf8.count + 1
            if self.eventBytes > self.maxEventBytes { throw SSEParserError(limit: self.maxEventBytes) }
            self.dataLines.append(value)
        case "event":
            self.eventType = value
        case "id":
            if !value.utf8.contains(0) { self.lastEventID = value }
        case "retry":
            if !value.isEmpty, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                self.retry = Int(value)
            }
        default:
            break  // unknown fields are ignored
        }
        return nil
    }

    private mutating func dispatch() -> SSEEvent? {
        defer {
            self.dataLines.removeAll(keepingCapacity: true)
            self.eventBytes = 0
            self.eventType = nil
            self.retry = nil
        }
        guard !self.dataLines.isEmpty else { return nil }
        let type = (self.eventType?.isEmpty ?? true) ? nil : self.eventType
        return SSEEvent(event: type, data: self.dataLines.joined(separator: "\n"), id: self.lastEventID, retry: self.retry)
    }
}
