import Fluent
import Foundation
import SQLKit
import Testing

@testable import StrideIQ

@Suite struct PersistenceTests {
    /// `ListedFields` models decode their hand-written property lists: each must name every column Fluent finds
    /// by reflection, once.
    @Test func listedFieldsCoverTheirModels() {
        let models: [any ListedFields] = [Athlete(), Activity(), PlannedWorkout(), CoachMessage()]
        for model in models {
            let listed = model.storedProperties.flatMap(\.keys).map(\.description)
            let reflected = model.properties.compactMap { $0 as? any AnyDatabaseProperty }.flatMap(\.keys).map(\.description)
            #expect(listed.sorted() == reflected.sorted(), "\(type(of: model))")
            #expect(Set(listed).count == listed.count, "\(type(of: model))")
        }
    }

    /// A loaded athlete comes back whole and savable (an update, not an insert).
    @Test(arguments: TestBackend.available)
    func aLoadedAthleteIsWholeAndSavesAsAnUpdate(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let session = try await t.register()
            let id = try #require(UUID(uuidString: session.athleteID))
            try await Athlete.query(on: t.app.db).filter(\.$id == id).set(\.$maxHR, to: 191).set(\.$restingHR, to: 48)
                .set(\.$thresholdPaceSPerKm, to: 251.5).update()
            let loaded = try #require(try await Athlete.find(id, on: t.app.db))
            #expect(loaded.$id.exists && loaded.email == session.email && loaded.maxHR == 191 && loaded.restingHR == 48)
            #expect(loaded.thresholdPaceSPerKm == 251.5 && loaded.createdAt != nil && !loaded.passwordHash.isEmpty)
            #expect(!loaded.hasChanges, "nothing to write back after a load")
            loaded.displayName = "Renamed"
            try await loaded.save(on: t.app.db)
            #expect(try await Athlete.query(on: t.app.db).count() == 1)
            #expect(try await Athlete.find(id, on: t.app.db)?.displayName == "Renamed")
        }
    }

    /// Every SQLite connection runs at the configured `PRAGMA synchronous` (`SQLITE_SYNCHRONOUS`): NORMAL (1) by
    /// default, FULL (2) when asked. Several statements at once, so the pool opens more than one connection.
    @Test func sqliteConnectionsRunAtTheConfiguredSynchronousLevel() async throws {
        #expect(try AppConfig.load(from: [:]).sqliteSynchronous == .normal)
        #expect(try AppConfig.load(from: ["SQLITE_SYNCHRONOUS": "full"]).sqliteSynchronous == .full)
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.load(from: ["SQLITE_SYNCHRONOUS": "off"]) }
        for (level, expected) in [(SQLiteSynchronous.full, 2), (.normal, 1)] {
            try await TestApp.with(.sqlite, config: { $0.sqliteSynchronous = level }) { t in
                let levels = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<8 {
                        group.addTask {
                            let row = try await (t.app.db as! any SQLDatabase).raw("PRAGMA synchronous").first()
                            return try #require(row).decode(column: "synchronous", as: Int.self)
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(levels == Array(repeating: expected, count: 8), "\(level)")
            }
        }
    }

    /// Fluent records each migration by this name in `_fluent_migrations`: a deployed database re-runs a
    /// migration whose name changed and never runs one that moved. Append new ones; never edit this list.
    @Test func migrationNamesAndOrderNeverChange() {
        #expect(
            Migrations.all.map(\.name) == [
                "StrideIQ.CreateAthletes",
                "StrideIQ.CreateRefreshTokens",
                "StrideIQ.CreateActivities",
                "StrideIQ.CreateDailyCheckins",
                "StrideIQ.CreateTrainingPlans",
                "StrideIQ.CreatePlannedWorkouts",
                "StrideIQ.CreateJobs",
                "StrideIQ.CreateLeases",
                "StrideIQ.CreateAuditLog",
                "StrideIQ.CreateCoachThreads",
                "StrideIQ.CreateCoachMessages",
                "StrideIQ.CreatePlanProposals",
                "StrideIQ.CreatePlanHistory",
                "StrideIQ.CreateRevokedAccessTokens",
                "StrideIQ.CreateActivityFilesAndImports",
                "StrideIQ.AddAthleteDataVersion",
                "StrideIQ.AddTrainingAnalytics",
            ])
    }

    /// Read-then-write under `write(athlete:)` loses no update, however many run at once: each reads the
    /// counter the previous one wrote.
    @Test(arguments: TestBackend.available)
    func concurrentAthleteWritesDoNotInterleave(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let id = try await Self.athlete(named: "0", on: t.app.db)
            let db = t.app.db
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await db.write(athlete: id) { tx in
                            let row = try #require(try await Athlete.find(id, on: tx))
                            let count = Int(row.displayName ?? "") ?? -1000
                            try await Task.sleep(for: .milliseconds(2))
                            row.displayName = String(count + 1)
                            try await row.save(on: tx)
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await Athlete.find(id, on: db)?.displayName == "20")
        }
    }

    @Test(arguments: TestBackend.available)
    func aThrowingWriteRollsBack(backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let id = try await Self.athlete(named: "before", on: t.app.db)
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await t.app.db.write(athlete: id) { tx in
                    let row = try #require(try await Athlete.find(id, on: tx))
                    row.displayName = "after"
                    try await row.save(on: tx)
                    throw Boom()
                }
            }
            #expect(try await Athlete.find(id, on: t.app.db)?.displayName == "before")
            // The write lock was given back: the next write goes through.
            let name = try await t.app.db.write { tx in try await Athlete.find(id, on: tx)?.displayName }
            #expect(name == "before")
        }
    }

    /// A new athlete whose display name the tests use as their datum.
    private static func athlete(named name: String, on db: any Database) async throws -> UUID {
        let athlete = Athlete(email: "\(UUID().uuidString)@example.com", passwordHash: "x", displayName: name)
        try await athlete.create(on: db)
        return try athlete.requireID()
    }
}
