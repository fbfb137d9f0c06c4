import Fluent
import FluentPostgresDriver
import Foundation
import SQLKit

/// The one statement every authenticated request runs: the athlete `id`, unless the token `jti` was logged out.
///
/// Written as SQL rather than a Fluent query: building and serialising the query (with its reflection over the
/// model's fields) cost more than the database did. The row becomes the model the way Fluent's own queries make
/// it (`Model.output(from:)`; on PostgreSQL through `PostgresRowOutput`), so it saves and updates like any
/// loaded model.
///
/// On PostgreSQL it is a named prepared statement (`Statement`), prepared once per pooled connection: sent as
/// text with its bindings each time, PostgreSQL parsed and planned it on every request, which made the database
/// the largest cost of an authenticated request after the HTTP handling itself (see the README's benchmark
/// notes). SQLite prepares every statement it runs anyway and is in this process.
enum ActiveAthleteLookup {
    static func athlete(id: UUID, jti: String, on db: any Database) async throws -> Athlete? {
        if let postgres = db as? any PostgresDatabase {
            let statement = Statement(id: id, jti: jti)
            let rows = try await withLeasedConnection(postgres, on: db.eventLoop) { connection in
                var rows: [PostgresRow] = []
                for try await row in try await connection.execute(statement, logger: db.logger) { rows.append(row) }
                return rows
            }
            guard let row = rows.first else { return nil }
            let athlete = Athlete()
            try athlete.output(from: PostgresRowOutput(row))
            return athlete
        }
        return try await (db as! any SQLDatabase).raw(
            """
            SELECT \(unsafeRaw: columns) FROM \(ident: Athlete.schema) WHERE \(ident: "id") = \(bind: id)
            AND NOT EXISTS (SELECT 1 FROM \(ident: TokenService.revokedTable) WHERE \(ident: "jti") = \(bind: jti))
            """
        ).first()?.decode(fluentModel: Athlete.self)
    }

    /// One of the pool's connections for `body`, in the caller's task. The pool lends connections through a
    /// future (`withConnection`) and PostgresNIO runs prepared statements as `async` calls; bridging the two with
    /// `makeFutureWithTask` started a task per request, with two more thread hops. Here the lease is handed out
    /// to the caller, and the future the pool waits on completes when `body` is done (or throws).
    private static func withLeasedConnection<T>(
        _ postgres: any PostgresDatabase, on eventLoop: any EventLoop, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let leased = eventLoop.makePromise(of: PostgresConnection.self)
        let done = eventLoop.makePromise(of: Void.self)
        // Completed on every way out, also when no connection was lent (the database is down): NIO counts a
        // promise dropped unfulfilled as a leak, and a debug build stops on it.
        defer { done.succeed(()) }
        postgres.withConnection { connection in
            leased.succeed(connection)
            return done.futureResult
        }.whenFailure { leased.fail($0) }  // no connection (a completed promise ignores it)
        return try await body(try await leased.futureResult.get())
    }

    /// The model's columns by name, not `*`: a prepared statement's result shape is fixed when it is prepared,
    /// so `*` would make every running process fail it (`cached plan must not change result type`) from the
    /// moment a migration adds a column until it restarts. Named columns keep answering. Both backends select
    /// the same ones.
    static let columns = Athlete.keys.map { "\"\($0.description)\"" }.joined(separator: ", ")

    struct Statement: PostgresPreparedStatement {
        typealias Row = PostgresRow

        static let name = "strideiq_active_athlete"
        static let sql = """
            SELECT \(columns) FROM "\(Athlete.schema)" WHERE "id" = $1
            AND NOT EXISTS (SELECT 1 FROM "\(TokenService.revokedTable)" WHERE "jti" = $2)
            """

        let id: UUID
        let jti: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(id)
            bindings.append(jti)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
    }
}
