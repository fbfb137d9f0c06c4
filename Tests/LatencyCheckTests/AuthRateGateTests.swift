import NIOHTTP1
import Testing

@testable import LatencyCheck

/// Pauses here use `X-RateLimit-Reset: 0`, so each is just the 0.5 s margin.
@Suite("Auth rate-limit pacing")
struct AuthRateGateTests {
    func headers(remaining: Int, reset: Int) -> HTTPHeaders {
        ["X-RateLimit-Remaining": String(remaining), "X-RateLimit-Reset": String(reset)]
    }

    func timed(_ body: () async -> Void) async -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        await body()
        return clock.now - start
    }

    @Test func remainingZeroPausesTheNextRequest() async {
        let lines = CapturedLines()
        let gate = AuthRateGate(announce: lines.sink)
        let ticket = await gate.waitForTurn()
        await gate.finished(ticket, headers(remaining: 0, reset: 0))
        let waited = await timed { _ = await gate.waitForTurn() }
        #expect(waited >= .milliseconds(450))
        #expect(lines.all == ["waiting 0.5 s for the auth rate limit (X-RateLimit-Remaining: 0, X-RateLimit-Reset: 0)"])
        #expect(await gate.pauses == 1)
    }

    @Test func budgetLeftDoesNotPause() async {
        let lines = CapturedLines()
        let gate = AuthRateGate(announce: lines.sink)
        let ticket = await gate.waitForTurn()
        await gate.finished(ticket, headers(remaining: 3, reset: 0))
        let waited = await timed { _ = await gate.waitForTurn() }
        #expect(waited < .milliseconds(400))
        #expect(lines.all.isEmpty)
    }

    @Test func requestsInFlightUseUpTheBudget() async {
        let lines = CapturedLines()
        let gate = AuthRateGate(announce: lines.sink)
        var tickets: [AuthRateGate.Ticket] = []
        for _ in 0..<4 { tickets.append(await gate.waitForTurn()) }
        // Remaining 2 while 3 more are on their way: the server's window is as good as spent.
        await gate.finished(tickets[0], headers(remaining: 2, reset: 0))
        let waited = await timed { _ = await gate.waitForTurn() }
        #expect(waited >= .milliseconds(450))
        #expect(lines.all == ["waiting 0.5 s for the auth rate limit (X-RateLimit-Remaining: 2, 3 more in flight, X-RateLimit-Reset: 0)"])
    }

    @Test func noHeadersNoPacing() async {
        let lines = CapturedLines()
        let gate = AuthRateGate(announce: lines.sink)
        for _ in 0..<3 {
            await gate.finished(await gate.waitForTurn(), nil)
        }
        await gate.finished(await gate.waitForTurn(), HTTPHeaders())
        #expect(await timed { _ = await gate.waitForTurn() } < .milliseconds(400))
        #expect(lines.all.isEmpty)
    }

    @Test func lateResponseFromEarlierInTheWindowDoesNotRaiseTheCount() async {
        let lines = CapturedLines()
        let gate = AuthRateGate(announce: lines.sink)
        let first = await gate.waitForTurn()
        let second = await gate.waitForTurn()
        // The server counted `first` before `second`, but the answers arrive the other way round.
        await gate.finished(second, headers(remaining: 0, reset: 0))
        await gate.finished(first, headers(remaining: 1, reset: 0))
        let waited = await timed { _ = await gate.waitForTurn() }
        #expect(waited >= .milliseconds(450))
        #expect(lines.all.count == 1)
    }

    @Test func responsesFromBeforeAPauseAreIgnored() async {
        let lines = CapturedLines()
        let gate = AuthRateGate(announce: lines.sink)
        let early = await gate.waitForTurn()
        let closing = await gate.waitForTurn()
        await gate.finished(closing, headers(remaining: 0, reset: 0))
        _ = await gate.waitForTurn()  // the pause
        // Delivered after the pause, about the window before it: no second pause.
        await gate.finished(early, headers(remaining: 0, reset: 0))
        #expect(await timed { _ = await gate.waitForTurn() } < .milliseconds(400))
        #expect(lines.all.count == 1)
    }
}
