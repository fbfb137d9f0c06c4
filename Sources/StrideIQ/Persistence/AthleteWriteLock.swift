import Fluent
import SQLKit
import Foundation

/// Serialises check-then-write sequences for one athlete (e.g. "is this activity a duplicate? then insert"),
/// so two concurrent requests cannot both pass the check.
///
/// On Postgres: a transaction-scoped advisory lock keyed by the athlete, which holds across processes.
/// On SQLite (the embedded mode: one process): an in-process lock per athlete.
final class AthleteWriteLock: Sendable {
    private let local = KeyedAsyncLock()

    func withLock<T: Sendable>(athleteID: UUID, on db: any Database, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        if let sql = db as? any SQLDatabase, sql.dialect.name == "postgresql" {
            return try await db.transaction { tx in
                try await (tx as! any SQLDatabase)
                    .raw("SELECT pg_advisory_xact_lock(hashtextextended(\(bind: athleteID.uuidString), 0))").run()
                return try await body(tx)
            }
        }
        return try await local.withLock(athleteID.uuidString) { try await body(db) }
    }
}

/// An async mutex per key; waiters queue in order. Entries are removed when nobody holds or waits.
actor KeyedAsyncLock {
    private var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]

    func withLock<T: Sendable>(_ key: String, _ body: @Sendable () async throws -> T) async throws -> T {
        await acquire(key)
        do {
            let result = try await body()
            release(key)
            return result
        } catch {
            release(key)
            throw error
        }
    }

    private func acquire(_ key: String) async {
        if waiters[key] == nil {
            waiters[key] = [] // held, nobody waiting
            return
        }
        await withCheckedContinuation { waiters[key]!.append($0) }
    }

    private func release(_ key: String) {
        guard var queue = waiters[key] else { return }
        if queue.isEmpty {
            waiters[key] = nil
        } else {
            let next = queue.removeFirst()
            waiters[key] = queue
            next.resume() // ownership passes to the next waiter
        }
    }
}
