import Fluent
import Foundation
import SQLKit
import StrideIQSupport

extension Database {
    /// The one way to read and then write ("is this run a duplicate? then insert it", "the thread's last `seq`,
    /// then the next two messages", a save plus the briefing job it triggers). `body` runs in one transaction
    /// that commits when it returns and rolls back when it throws; pass it `tx`, never the outer database.
    ///
    /// With `athlete`, no other `write(athlete:)` for the same athlete interleaves with it, in this process or any
    /// other on the same database; without, it is a write transaction that belongs to no one athlete.
    ///
    /// With `athlete`, the athlete's `data_version` is raised by one just before the commit, in the same
    /// transaction: a reader that sees the new version also sees what the body wrote, and one that sees the old
    /// version cannot have missed it. Home snapshots (`HomeSnapshotCache`) are keyed by it, so every write that
    /// changes what an athlete's home shows must go through here (activities, imports, check-ins, plans,
    /// workouts, accepted proposals, the profile). A write with nothing to show on home (a token, a coach
    /// message) raises it too: one snapshot rebuilt, and no list of "writes that matter" to keep in step.
    ///
    /// - Postgres: a transaction, plus a transaction-scoped advisory lock keyed by the athlete. Row locks cannot
    ///   guard a check for rows that do not exist yet ("no duplicate, so insert"); the advisory lock does, and it
    ///   holds across every process on the database (api replicas, coach, worker).
    /// - SQLite: `BEGIN IMMEDIATE`, which takes the file's write lock up front. A plain deferred `BEGIN` reads
    ///   first and fails with SQLITE_BUSY when it upgrades to a writer after another connection wrote. SQLite has
    ///   one writer per file anyway, which serialises every athlete; in this process the writers also take turns
    ///   on a FIFO gate first. SQLiteNIO's busy handler retries at once and forever on a thread of the blocking
    ///   pool, so writers that wait in SQLite spin a core each while the lock holder needs a thread and a core to
    ///   finish its transaction; waiting on the gate holds neither.
    ///
    /// Do not nest: a `write` inside `body` would wait for the one that holds the write lock (SQLite) or for a
    /// second connection from the pool.
    func write<T: Sendable>(
        athlete athleteID: UUID,
        _ body: @escaping @Sendable (_ tx: any Database) async throws -> T
    ) async throws -> T {
        try await serialisedWrite(athleteID, body)
    }

    /// `write(athlete:_:)` for a write that belongs to no one athlete: the same transaction, with no athlete lock.
    func write<T: Sendable>(_ body: @escaping @Sendable (_ tx: any Database) async throws -> T) async throws -> T {
        try await serialisedWrite(nil, body)
    }

    private func serialisedWrite<T: Sendable>(
        _ athleteID: UUID?,
        _ body: @escaping @Sendable (any Database) async throws -> T
    ) async throws -> T {
        if isPostgres(self) {
            return try await transaction { tx in
                if let athleteID {
                    try await (tx as! any SQLDatabase)
                        .raw("SELECT pg_advisory_xact_lock(hashtextextended(\(bind: athleteID.uuidString), 0))").run()
                }
                let result = try await body(tx)
                if let athleteID { try await bumpDataVersion(athleteID, on: tx) }
                return result
            }
        }
        return try await sqliteWriters.withPermit {
            try await withConnection { connection in
                let sql = connection as! any SQLDatabase
                try await sql.raw("BEGIN IMMEDIATE").run()
                do {
                    let result = try await body(connection)
                    if let athleteID { try await bumpDataVersion(athleteID, on: connection) }
                    try await sql.raw("COMMIT").run()
                    return result
                } catch {
                    try? await sql.raw("ROLLBACK").run()
                    throw error
                }
            }
        }
    }
}

/// Last in the transaction, so on Postgres the athlete's row lock (which `AthleteAuthenticator`'s once-an-hour
/// `last_seen_at` update also takes) is held only for the commit. No row (an unknown athlete) is no error.
private func bumpDataVersion(_ athleteID: UUID, on db: any Database) async throws {
    try await (db as! any SQLDatabase).update(Athlete.schema)
        .set(SQLIdentifier("data_version"), to: SQLRaw("data_version + 1"))
        .where("id", .equal, SQLBind(athleteID)).run()
}

/// This process's SQLite writers, one at a time (see `Database.write(athlete:_:)`). One gate for the process:
/// a deployment has one SQLite file, and tests that open several only give up write parallelism they never had
/// (each file has one writer).
private let sqliteWriters = AsyncGate()

func isPostgres(_ db: any Database) -> Bool {
    (db as? any SQLDatabase)?.dialect.name == "postgresql"
}
