import StrideIQSupport
import Testing

@Suite struct DeadlineTests {
    @Test func returnsTheResultBeforeTheDeadline() async throws {
        let value = try await withDeadline(.seconds(5)) { 42 }
        #expect(value == 42)
    }

    @Test func passesTheOperationsErrorThrough() async throws {
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await withDeadline(.seconds(5)) { () async throws -> Int in throw Boom() }
        }
    }

    @Test func throwsDeadlineExceededAndCancelsTheOperation() async throws {
        let cancelled = LockedBox(false)
        let start = ContinuousClock.now
        let error = await #expect(throws: DeadlineExceeded.self) {
            try await withDeadline(.milliseconds(50)) { () async throws -> Int in
                do {
                    try await Task.sleep(for: .seconds(10))
                } catch {
                    cancelled.withLock { $0 = true }
                    throw error
                }
                return 1
            }
        }
        #expect(error?.timeout == .milliseconds(50))
        #expect(ContinuousClock.now - start < .seconds(2))
        let end = ContinuousClock.now + .seconds(2)
        while !cancelled.current && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(5)) }
        #expect(cancelled.current, "the operation's task is cancelled")
    }

    /// A task group would wait for an operation that ignores cancellation; the caller must not.
    @Test func returnsAtOnceWhenTheOperationIgnoresCancellation() async throws {
        let start = ContinuousClock.now
        await #expect(throws: DeadlineExceeded.self) {
            try await withDeadline(.milliseconds(50)) { () async -> Int in
                let until = ContinuousClock.now + .seconds(1)
                while ContinuousClock.now < until { await Task.yield() }
                return 1
            }
        }
        #expect(ContinuousClock.now - start < .milliseconds(700))
    }

    @Test func anInstantInThePastTimesOutAtOnce() async throws {
        await #expect(throws: DeadlineExceeded.self) {
            try await withDeadline(until: .now - .seconds(1)) { () async throws -> Int in
                try await Task.sleep(for: .seconds(10))
                return 1
            }
        }
    }

    @Test func cancellingTheCallerCancelsTheOperation() async throws {
        let started = LockedBox(false)
        let cancelled = LockedBox(false)
        let caller = Task {
            try await withDeadline(.seconds(30)) { () async throws -> Int in
                started.withLock { $0 = true }
                do {
                    try await Task.sleep(for: .seconds(30))
                } catch {
                    cancelled.withLock { $0 = true }
                    throw error
                }
                return 1
            }
        }
        let end = ContinuousClock.now + .seconds(2)
        while !started.current && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(5)) }
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
        while !cancelled.current && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(5)) }
        #expect(cancelled.current)
    }
}
