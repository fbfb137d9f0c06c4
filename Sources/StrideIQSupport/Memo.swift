import Synchronization

/// Remembers, per key, the last input and what was computed from it, so a hot path that keeps seeing the same
/// input (the same cached text, the same view) computes once. Only ever a shortcut: an entry is used when its
/// input equals the one given, so a changed input always recomputes. At most `capacity` keys; past that the
/// memo starts over empty (cheap, and a memo has nothing to lose).
public final class Memo<Key: Hashable & Sendable, Input: Equatable & Sendable, Output: Sendable>: Sendable {
    public let capacity: Int
    private let entries: Mutex<[Key: (input: Input, output: Output)]>

    public init(capacity: Int) {
        precondition(capacity > 0, "a Memo needs room for one key")
        self.capacity = capacity
        entries = Mutex([:])
    }

    /// What `compute` gives for `input`: remembered when `key` last saw an equal input, otherwise computed (not
    /// under the lock) and remembered.
    public func value(for key: Key, input: Input, compute: (Input) throws -> Output) rethrows -> Output {
        if let known = entries.withLock({ $0[key] }), known.input == input { return known.output }
        let output = try compute(input)
        entries.withLock { entries in
            if entries.count >= capacity && entries[key] == nil { entries.removeAll(keepingCapacity: true) }
            entries[key] = (input, output)
        }
        return output
    }

    public var count: Int { entries.withLock { $0.count } }
}
