import Fluent
import SQLKit

extension Database {
    /// A transaction for read-then-write work (check something, then write and enqueue).
    ///
    /// On SQLite it starts with `BEGIN IMMEDIATE`: the write lock is taken up front, so concurrent requests
    /// queue on the busy handler instead of one failing with SQLITE_BUSY when it upgrades from reading to
    /// writing (which a plain deferred `BEGIN` does under contention). On Postgres it is a normal transaction.
    func writeTransaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        if isPostgres(self) { return try await transaction(body) }
        return try await withConnection { connection in
            let sql = connection as! any SQLDatabase
            try await sql.raw("BEGIN IMMEDIATE").run()
            do {
                let result = try await body(connection)
                try await sql.raw("COMMIT").run()
                return result
            } catch {
                try? await sql.raw("ROLLBACK").run()
                throw error
            }
        }
    }
}
