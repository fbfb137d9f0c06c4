import Fluent
import SQLKit
import Foundation

/// Runs check-then-write sequences for one athlete (e.g. "is this activity a duplicate? then insert") in a
/// write transaction that no concurrent request for the same athlete can interleave with.
///
/// On Postgres: a transaction-scoped advisory lock keyed by the athlete (holds across processes).
/// On SQLite: `writeTransaction` begins IMMEDIATE, which already serialises every writer of the file.
struct AthleteWriteLock: Sendable {
    func withLock<T: Sendable>(athleteID: UUID, on db: any Database, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await db.writeTransaction { tx in
            if isPostgres(tx) {
                try await (tx as! any SQLDatabase)
                    .raw("SELECT pg_advisory_xact_lock(hashtextextended(\(bind: athleteID.uuidString), 0))").run()
            }
            return try await body(tx)
        }
    }
}
