import Foundation
import Testing

@testable import StrideIQ

@Suite("Job wake-ups")
struct JobWakeupsTests {
    @Test func waitEndsOnSignalOrTimeoutAndNeverSpins() async throws {
        let wakeups = JobWakeups()
        let clock = ContinuousClock()
        // Without a signal, each wait lasts its timeout: ten 30 ms waits take ≥ 300 ms (a spinning loop would not).
        var start = clock.now
        for _ in 0..<10 { await wakeups.wait(upTo: .milliseconds(30)) }
        #expect(clock.now - start >= .milliseconds(290))
        // A signal ends a long wait at once…
        start = clock.now
        Task {
            try await Task.sleep(for: .milliseconds(50))
            wakeups.signal()
        }
        await wakeups.wait(upTo: .seconds(10))
        #expect(clock.now - start < .seconds(2))
        // …and a signal that arrives while nobody waits is kept for the next wait (never lost), once.
        wakeups.signal()
        start = clock.now
        await wakeups.wait(upTo: .seconds(10))
        #expect(clock.now - start < .milliseconds(500))
        start = clock.now
        await wakeups.wait(upTo: .milliseconds(100))
        #expect(clock.now - start >= .milliseconds(90))
    }
}
