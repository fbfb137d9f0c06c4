import Foundation
import Logging
import Synchronization
import Testing

@testable import StrideIQ

@Suite("Operations: the per-request log line and id")
struct LogLineTests {
    @Test func textLinesKeepStreamLogHandlersLayoutWithEveryField() {
        let written = Mutex<[String]>([])
        var handler = TextLogHandler(
            label: "strideiq", write: { bytes in written.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } })
        handler[metadataKey: "request-id"] = "r-1"
        var logger = Logger(label: "strideiq") { _ in handler }
        logger.logLevel = .info
        logger.info("request", metadata: ["route": "/ping", "status": .stringConvertible(200)])
        let line = written.withLock { $0 }.first ?? ""
        #expect(line.hasSuffix(" info strideiq: request-id=r-1 route=/ping status=200 [StrideIQTests] request\n"), "\(line)")
        #expect(line.utf8.count > 24 && line.filter { $0 == "\n" }.count == 1)
    }

    @Test func theLogSinkWritesEveryLineInOrderAndBatchesASteadyStream() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        let sink = LogSink(descriptor: ends[1])
        // A line every 0.1 ms: woken per line, the writer would make about one write per line.
        var expected = ""
        for index in 0..<400 {
            let line = "line \(index)\n"
            expected += line
            sink.write(Array(line.utf8))
            usleep(100)
        }
        _ = fcntl(ends[0], F_SETFL, O_NONBLOCK)
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + .seconds(5)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while received.count < expected.utf8.count, ContinuousClock.now < deadline {
            let count = read(ends[0], &buffer, buffer.count)
            if count > 0 { received += buffer[..<count] } else { usleep(1000) }
        }
        #expect(String(decoding: received, as: UTF8.self) == expected)
        // 400 lines over at least 40 ms, with a 2 ms linger per wake: about 20 writes, never one per line.
        #expect(sink.batches.load(ordering: .relaxed) <= 100, "\(sink.batches.load(ordering: .relaxed)) writes")
        close(ends[0])
    }

    @Test func jsonStringsAreEscaped() {
        var bytes: [UInt8] = []
        JSONLogHandler.appendJSONString("a\"b\\c\nd\u{1}/é", to: &bytes)
        let decoded = try? JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed) as? String
        #expect(decoded == "a\"b\\c\nd\u{1}/é")
    }

    @Test func durationsPrintWithTwoDecimals() {
        #expect(RequestObservation.milliseconds(.microseconds(421)) == "0.42")
        #expect(RequestObservation.milliseconds(.microseconds(12_055)) == "12.06")
        #expect(RequestObservation.milliseconds(.seconds(2) + .microseconds(50)) == "2000.05")
        #expect(RequestObservation.milliseconds(.zero) == "0.00")
    }

    @Test func newRequestIDsAreUniqueAndUUIDShaped() {
        let ids = (0..<10_000).map { _ in RequestObservation.newRequestID() }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { UUID(uuidString: $0) != nil && $0 == $0.lowercased() })
    }
}
