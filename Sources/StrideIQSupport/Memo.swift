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
        if let known = remembered(for: key, input: input) { return known }
        let output = try compute(input)
        remember(output, for: key, input: input)
        return output
    }

    /// The output remembered for `key` if it was computed from an input equal to `input`. With `remember`, for
    /// a computation that cannot be a synchronous closure (an `async` one).
    public func remembered(for key: Key, input: Input) -> Output? {
        guard let known = entries.withLock({ $0[key] }), known.input == input else { return nil }
        return known.output
    }

    public func remember(_ output: Output, for key: Key, input: Input) {
        entries.withLock { entries in
            if entries.count >= capacity && entries[key] == nil { entries.removeAll(keepingCapacity: true) }
            entries[key] = (input, output)
        }
    }

    public var count: Int { entries.withLock { $0.count } }
}
