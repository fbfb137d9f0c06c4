import Synchronization

/// Hands out indices 0..<count, each once, to any number of workers.
final class SharedCounter: Sendable {
    private let next = Mutex(0)
    let count: Int

    init(count: Int) {
        self.count = count
    }

    func take() -> Int? {
        next.withLock { value in
            guard value < count else { return nil }
            defer { value += 1 }
            return value
        }
    }
}

/// Runs `body` for indices 0..<count with `concurrency` workers pulling from a shared counter, so exactly
/// `concurrency` requests are in flight until the work runs out (a fixed split per worker would leave
/// fast workers idle behind a slow one). Results come back in index order.
func runWorkers<T: Sendable>(count: Int, concurrency: Int, _ body: @escaping @Sendable (Int) async -> T) async -> [T] {
    let counter = SharedCounter(count: count)
    return await withTaskGroup(of: [(Int, T)].self) { group in
        for _ in 0..<min(max(concurrency, 1), count) {
            group.addTask {
                var done: [(Int, T)] = []
                while let index = counter.take() {
                    done.append((index, await body(index)))
                }
                return done
            }
        }
        var all: [(Int, T)] = []
        all.reserveCapacity(count)
        for await done in group { all.append(contentsOf: done) }
        return all.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
