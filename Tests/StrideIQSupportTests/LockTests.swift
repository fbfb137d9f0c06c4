import StrideIQSupport
import Testing

@Suite struct LockTests {
    @Test func lockedBoxSerialisesConcurrentUpdates() async {
        let counter = LockedBox(0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<100 {
                group.addTask { counter.withLock { $0 += 1 } }
            }
        }
        #expect(counter.current == 100)
    }

    @Test func lockedBoxReturnsWhatTheBodyReturns() {
        let box = LockedBox([1, 2])
        let count = box.withLock { value -> Int in
            value.append(3)
            return value.count
        }
        #expect(count == 3)
        #expect(box.current == [1, 2, 3])
    }

    /// One holder at a time, in arrival order; a body that throws still frees the permit.
    @Test func asyncGateAdmitsOneAtATimeInOrder() async throws {
        let gate = AsyncGate()
        let order = LockedBox<[Int]>([])
        let inside = LockedBox(0)
        let most = LockedBox(0)
        let holder = Task {
            try await gate.withPermit {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        try await Task.sleep(for: .milliseconds(20))
        var waiters: [Task<Void, any Error>] = []
        for index in 0..<5 {
            waiters.append(
                Task {
                    try await gate.withPermit {
                        let now = inside.withLock { value -> Int in
                            value += 1
                            return value
                        }
                        most.withLock { $0 = max($0, now) }
                        order.withLock { $0.append(index) }
                        try await Task.sleep(for: .milliseconds(5))
                        inside.withLock { $0 -= 1 }
                    }
                })
            // Each waiter queues before the next starts.
            try await Task.sleep(for: .milliseconds(10))
        }
        try await holder.value
        for waiter in waiters { try await waiter.value }
        #expect(order.current == [0, 1, 2, 3, 4])
        #expect(most.current == 1)

        struct Boom: Error {}
        await #expect(throws: Boom.self) { try await gate.withPermit { throw Boom() } }
        let after = try await gate.withPermit { "free" }
        #expect(after == "free")
    }
}
