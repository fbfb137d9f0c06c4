import Fluent
import SQLKit

/// `athletes.data_version`: a counter `Database.write(athlete:)` raises by one in the same transaction as every
/// write for the athlete. A request reads it with the athlete row it already loads, so "has anything of mine
/// changed since this home snapshot was built?" costs no query (`HomeSnapshotCache`). Existing rows start at 0:
/// no process holds a snapshot of a database it has not read yet.
struct AddAthleteDataVersion: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("athletes")
            .field("data_version", .int64, .required, .sql(.default(0)))
            .update()
    }
    func revert(on database: any Database) async throws {
        try await database.schema("athletes").deleteField("data_version").update()
    }
}
