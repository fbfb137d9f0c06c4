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
