import Dispatch
import Foundation
import Logging
import StrideIQSupport
import Synchronization

/// One JSON object per line on stderr, for log shippers (`LOG_FORMAT=json`).
///
/// Every request writes a line at the default level, so a line costs little: it is rendered by hand into one
/// byte buffer (sorted keys, no `JSONSerialization`, no per-line date formatter: `LogClock` keeps the
/// second's text) and handed to `LogSink`, which writes from its own thread.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    /// Where each line goes (stderr; tests pass a collector).
    var write: @Sendable (Data) -> Void

    init(label: String, write: (@Sendable (Data) -> Void)? = nil) {
        self.label = label
        self.write = write ?? { LogSink.standardError.write($0) }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = LogFields(base: metadata, event: event.metadata)
        if let error = event.error { fields.set("error", "\(error)") }
        fields.set("ts", LogClock.shared.iso8601WithMilliseconds())
        fields.set("level", event.level.rawValue)
        fields.set("logger", label)
        fields.set("msg", event.message.description)
        var line: [UInt8] = []
        line.reserveCapacity(256)
        line.append(UInt8(ascii: "{"))
        for (index, field) in fields.sorted().enumerated() {
            if index > 0 { line.append(UInt8(ascii: ",")) }
            Self.appendJSONString(field.key, to: &line)
            line.append(UInt8(ascii: ":"))
            Self.appendJSONString(field.value, to: &line)
        }
        line.append(contentsOf: [UInt8(ascii: "}"), 0x0A])
        write(Data(line))
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped; `/` and non-ASCII as they are.
    static func appendJSONString(_ string: String, to line: inout [UInt8]) {
        let hex: StaticString = "0123456789abcdef"
        line.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): line.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): line.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: line.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: line.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: line.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                line.append(contentsOf: Array("\\u00".utf8))
                line.append(hex.utf8Start[Int(byte >> 4)])
                line.append(hex.utf8Start[Int(byte & 0xF)])
            default: line.append(byte)
            }
        }
        line.append(UInt8(ascii: "\""))
    }
}

/// The plain-text format (`LOG_FORMAT=text`, the default), laid out as swift-log's `StreamLogHandler` lays it
/// out — `2026-05-01T07:00:00+0000 info strideiq: method=GET route=/ping … [StrideIQ] request` — without its
/// per-line costs (a `localtime` call, a merged and sorted metadata dictionary, an unbuffered `fwrite` from
/// the event loop): the second's text comes from `LogClock` and the line goes to `LogSink`.
struct TextLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var write: @Sendable ([UInt8]) -> Void

    init(label: String, write: (@Sendable ([UInt8]) -> Void)? = nil) {
        self.label = label
        self.write = write ?? { LogSink.standardError.write($0) }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = LogFields(base: metadata, event: event.metadata)
        if let error = event.error {
            fields.set("error.message", "\(error)")
            fields.set("error.type", String(reflecting: type(of: error)))
        }
        var line = ""
        line.reserveCapacity(200)
        line += LogClock.shared.localSecond()
        line += " "
        line += event.level.rawValue
        line += " "
        line += label
        line += ":"
        for field in fields.sorted() {
            line += " "
            line += field.key
            line += "="
            line += field.value
        }
        line += " ["
        line += event.source
        line += "] "
        line += event.message.description
        line += "\n"
        write(Array(line.utf8))
    }
}

/// The handler's metadata with the event's laid over it, as (key, text) pairs: a few entries, so a small
/// array beats merging two dictionaries.
struct LogFields {
    private var fields: [(key: String, value: String)] = []

    init(base: Logger.Metadata, event: Logger.Metadata?) {
        fields.reserveCapacity(base.count + (event?.count ?? 0) + 4)
        for (key, value) in base where event?[key] == nil { fields.append((key, Self.text(value))) }
        if let event { for (key, value) in event { fields.append((key, Self.text(value))) } }
    }

    mutating func set(_ key: String, _ value: String) {
        if let index = fields.firstIndex(where: { $0.key == key }) {
            fields[index].value = value
        } else {
            fields.append((key, value))
        }
    }

    func sorted() -> [(key: String, value: String)] { fields.sorted { $0.key < $1.key } }

    private static func text(_ value: Logger.Metadata.Value) -> String {
        if case .string(let string) = value { return string }
        return "\(value)"
    }
}

/// Timestamps for log lines, formatted once per second instead of once per line.
final class LogClock: Sendable {
    static let shared = LogClock()

    private struct Cached {
        var second = -1
        var local = ""
        var utc = ""
    }

    private let cached = Mutex(Cached())

    /// `2026-05-01T09:00:00+0200`: local time, as `StreamLogHandler` prints it.
    func localSecond() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return current(Int(now.tv_sec)).local
    }

    /// `2026-05-01T07:00:00.123Z`.
    func iso8601WithMilliseconds() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let millis = Int(now.tv_nsec) / 1_000_000
        let pad = millis < 10 ? "00" : millis < 100 ? "0" : ""
        return current(Int(now.tv_sec)).utc + "." + pad + String(millis) + "Z"
    }

    private func current(_ second: Int) -> (local: String, utc: String) {
        if let hit = cached.withLock({ $0.second == second ? ($0.local, $0.utc) : nil }) { return hit }
        var time = time_t(second)
        var parts = tm()
        localtime_r(&time, &parts)
        let local = Self.format(&parts, "%Y-%m-%dT%H:%M:%S%z")
        gmtime_r(&time, &parts)
        let utc = Self.format(&parts, "%Y-%m-%dT%H:%M:%S")
        cached.withLock { $0 = Cached(second: second, local: local, utc: utc) }
        return (local, utc)
    }

    private static func format(_ parts: inout tm, _ pattern: String) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, pattern, &parts)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Log lines for one file descriptor, written by one background thread so an event loop never waits on a
/// write(2) (one system call per line was the largest part of a request's own cost at the default level).
/// Lines queue in one buffer; the writer takes everything queued at once, so under load many lines leave in
/// one call. Woken by the first line into an empty buffer, the writer lingers `linger` before taking it, so that
/// at a steady rate one wake carries the lines of those milliseconds: woken per line, it cost every request a
/// futex wake and two context switches (`perf sched` over 4 s of `/ping` at full speed: 33,483 sink wakes for
/// 43,452 requests; 3,391 for 53,044 since, each gather being two wakes, the line's and the timer's). A line
/// therefore reaches the descriptor within about `linger` plus the write. The buffer is bounded: if the
/// descriptor stops draining, lines past the bound are counted and a line says how many were dropped, rather
/// than memory growing or requests stalling. What is queued at a normal exit is written by an `atexit` hook.
final class LogSink: Sendable {
    static let standardError: LogSink = {
        let sink = LogSink(descriptor: 2)
        atexit { LogSink.standardError.flush() }
        return sink
    }()

    private struct Queue {
        var bytes: [UInt8] = []
        var dropped = 0
    }

    private static let bound = 8 << 20
    private let descriptor: Int32
    private let queue = Mutex(Queue())
    /// Serialises the writer thread and `flush()`, so lines keep their order.
    private let writing = Mutex(())
    private let wake = DispatchSemaphore(value: 0)
    /// Writes of queued lines so far (each carries every line queued when it began).
    let batches = Atomic<Int>(0)

    /// How long the writer waits, once woken, before taking the queued lines.
    static let linger: Duration = .milliseconds(2)

    init(descriptor: Int32) {
        self.descriptor = descriptor
        let thread = Thread { [self] in
            ThreadName.setCurrent("log-sink")
            while true {
                wake.wait()
                Thread.sleep(forTimeInterval: Self.linger.seconds)
                flush()
            }
        }
        thread.start()
    }

    func write(_ line: some Collection<UInt8>) {
        let signal = queue.withLock { queue -> Bool in
            guard queue.bytes.count + line.count <= Self.bound else {
                queue.dropped += 1
                return false
            }
            let wasEmpty = queue.bytes.isEmpty
            queue.bytes.append(contentsOf: line)
            return wasEmpty
        }
        if signal { wake.signal() }
    }

    /// Writes everything queued now, on the calling thread.
    func flush() {
        writing.withLock { _ in
            let (bytes, dropped) = queue.withLock { queue -> ([UInt8], Int) in
                defer {
                    queue.bytes.removeAll(keepingCapacity: true)
                    queue.dropped = 0
                }
                return (queue.bytes, queue.dropped)
            }
            if dropped > 0 { writeAll(Array("log: \(dropped) lines dropped (stderr was not draining)\n".utf8)) }
            if !bytes.isEmpty {
                batches.add(1, ordering: .relaxed)
                writeAll(bytes)
            }
        }
    }

    private func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }
}
