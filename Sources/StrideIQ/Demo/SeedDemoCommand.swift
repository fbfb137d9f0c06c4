import Fluent
import Vapor
import StrideIQCore

/// `strideiq seed-demo`: (re)creates a demo athlete with ~8 weeks of runs, today's check-in and an active
/// plan with a goal race ~6 weeks out, then prints how to log in. Re-running replaces the demo athlete.
struct SeedDemoCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "email", help: "Demo account email (default demo@strideiq.local)")
        var email: String?
        @Option(name: "timezone", help: "IANA time zone of the demo athlete (default: this machine's)")
        var timezone: String?
        @Option(name: "count", help: "How many demo athletes (benchmarks); the first is --email, then demo+2@…")
        var count: Int?
        @Option(name: "password", help: "Password for the demo athletes (default: a random one, printed)")
        var password: String?
    }

    var help: String { "Create a demo athlete with 8 weeks of runs, a check-in and an active plan" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard app.config.mode != .production else {
            throw APIError(.forbidden, code: "forbidden", detail: "seed-demo does not run in production")
        }
        if app.config.autoMigrate { try await app.autoMigrate() }
        let email = EmailRules.normalize(signature.email ?? "demo@strideiq.local")
        let zoneName = signature.timezone ?? TimeZone.current.identifier
        guard TimeZoneRules.isValid(zoneName), let zone = TimeZone(identifier: zoneName) else {
            throw APIError.validation(field: "timezone", "must be an IANA time zone such as Europe/Paris")
        }
        let password = signature.password ?? "demo-" + TokenService.newOpaqueToken().prefix(12)
        let hash = try await app.password.async.hash(password) // one hash shared by every demo athlete
        let count = max(1, signature.count ?? 1)
        var counts = DemoData.Counts()
        for index in 1...count {
            let address = index == 1 ? email : email.replacingOccurrences(of: "@", with: "+\(index)@")
            try await Athlete.query(on: app.db).filter(\.$email == address).delete() // cascades to its data
            let athlete = Athlete(email: address, passwordHash: hash, displayName: "Demo Runner \(index)", timezone: zone.identifier, aiConsent: true)
            try await athlete.create(on: app.db)
            var data = DemoData(athleteID: athlete.id!, timeZone: zone, now: app.now(), seed: 2026 + UInt64(index))
            counts = try await data.write(on: app.db)
        }

        let url = "http://\(app.config.host):\(app.config.port)"
        context.console.print("""
        \(count == 1 ? "Demo athlete ready" : "\(count) demo athletes ready (\(email), then +2 … +\(count))"): \(counts.activities) activities over 8 weeks, today's check-in, an active plan with \(counts.workouts) workouts (race in 42 days).
          email:    \(email)
          password: \(password)
        Log in:
          curl -s -X POST \(url)/v1/auth/login -H 'Content-Type: application/json' \\
               -d '{"email":"\(email)","password":"\(password)"}'
        """)
    }
}
