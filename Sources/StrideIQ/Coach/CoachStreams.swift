import Foundation
import Synchronization

/// Why a turn was refused before it started.
enum CoachRefusal: Error, Sendable, Equatable {
    /// `COACH_MAX_STREAMS` turns are running in this process.
    case processBusy
    /// The athlete already has `COACH_MAX_STREAMS_PER_ATHLETE` turns running.
    case athleteBusy
    /// `shutdown(grace:)` has begun.
    case shuttingDown
}

/// The open coach turns of this process (streams and whole-answer chats): the concurrency caps, and the
/// shutdown drain that ends every open stream with `error {code: "shutting_down"}` + `done`.
///
/// A slot is taken before anything is written and held until the turn has ended (see `CoachSlot`).
final class CoachStreams: Sendable {
    let maxStreams: Int
    let maxPerAthlete: Int

    private struct Entry {
        let athleteID: UUID
        var onShutdown: (@Sendable () -> Void)?
    }

    private struct State {
        var entries: [UUID: Entry] = [:]
        var perAthlete: [UUID: Int] = [:]
        var draining = false
        var drainWaiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())
    private let onChange: @Sendable (Int) -> Void

    /// `onChange` receives the number of open turns after every change (for the gauge).
    init(maxStreams: Int, maxPerAthlete: Int, onChange: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.maxStreams = maxStreams
        self.maxPerAthlete = maxPerAthlete
        self.onChange = onChange
    }

    var openCount: Int { state.withLock { $0.entries.count } }
    var isDraining: Bool { state.withLock { $0.draining } }
    func openCount(athleteID: UUID) -> Int { state.withLock { $0.perAthlete[athleteID] ?? 0 } }

    /// Takes a slot or says why not. Release it with `slot.release()` when the turn has ended.
    func acquire(athleteID: UUID) throws(CoachRefusal) -> CoachSlot {
        let id = UUID()
        let count: Int = try state.withLock { (s: inout State) throws(CoachRefusal) -> Int in
            if s.draining { throw .shuttingDown }
            if s.perAthlete[athleteID, default: 0] >= maxPerAthlete { throw .athleteBusy }
            if s.entries.count >= maxStreams { throw .processBusy }
            s.entries[id] = Entry(athleteID: athleteID)
            s.perAthlete[athleteID, default: 0] += 1
            return s.entries.count
        }
        onChange(count)
        return CoachSlot(id: id, registry: self)
    }

    /// What the slot's turn does when the process shuts down. Called at once if shutdown already began.
    func setShutdownHandler(_ slot: CoachSlot, _ handler: @escaping @Sendable () -> Void) {
        let callNow = state.withLock { s -> Bool in
            guard s.entries[slot.id] != nil else { return false }
            if s.draining { return true }
            s.entries[slot.id]?.onShutdown = handler
            return false
        }
        if callNow { handler() }
    }

    fileprivate func remove(_ id: UUID) {
        let (count, waiters): (Int, [CheckedContinuation<Void, Never>]) = state.withLock { s in
            guard let entry = s.entries.removeValue(forKey: id) else { return (s.entries.count, []) }
            let left = (s.perAthlete[entry.athleteID] ?? 1) - 1
            s.perAthlete[entry.athleteID] = left > 0 ? left : nil
            guard s.entries.isEmpty else { return (s.entries.count, []) }
            let waiters = Array(s.drainWaiters.values)
            s.drainWaiters = [:]
            return (0, waiters)
        }
        onChange(count)
        for waiter in waiters { waiter.resume() }
    }

    /// Ends every open turn: new turns are refused (503 `shutting_down`), every open stream is told to send
    /// `error {code: "shutting_down"}` + `done`, its partial answer is saved, and this returns once every
    /// stream has flushed its last frame or `grace` has passed. Idempotent; call it before the HTTP server
    /// closes its connections (`StartStopService.coachDrain` does, first in the shutdown order).
    /// Returns how many turns were open and how many were still open when it returned.
    @discardableResult
    func shutdown(grace: Duration) async -> (signalled: Int, remaining: Int) {
        let handlers: [@Sendable () -> Void] = state.withLock { s in
            s.draining = true
            return s.entries.values.compactMap(\.onShutdown)
        }
        let signalled = openCount
        for handler in handlers { handler() }
        if openCount > 0 {
            let waiter = UUID()
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.entries.isEmpty { return true }
                    s.drainWaiters[waiter] = continuation
                    return false
                }
                if resumeNow {
                    continuation.resume()
                    return
                }
                Task {
                    try? await Task.sleep(for: grace)
                    let timedOut = state.withLock { $0.drainWaiters.removeValue(forKey: waiter) }
                    timedOut?.resume()
                }
            }
        }
        return (signalled, openCount)
    }
}

/// One taken place in `CoachStreams`, held from admission until the turn has ended: for a stream, until its
/// body has written `done` and ended (so `shutdown` returns only once terminal frames are on the wire); for a
/// whole-answer chat, until the answer is saved. `release()` is idempotent.
final class CoachSlot: Sendable {
    let id: UUID
    private let registry: CoachStreams
    private let released = Mutex(false)

    fileprivate init(id: UUID, registry: CoachStreams) {
        self.id = id
        self.registry = registry
    }

    func release() {
        let first = released.withLock { done in
            defer { done = true }
            return !done
        }
        if first { registry.remove(id) }
    }

    var isFree: Bool { released.withLock { $0 } }
}
