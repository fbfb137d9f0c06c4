import Fluent
import StrideIQCore
import Vapor

/// `strideiq seed-demo`: (re)creates a demo athlete with ~8 weeks of runs, today's check-in and an active
/// plan with a goal race ~6 weeks out, and says how to log in. Re-running replaces the demo athlete.
public enum SeedDemo {
    public struct Options: Sendable {
        public var email: String?
        public var timezone: String?
        public var count: Int?
        public var password: String?
        public init(email: String? = nil, timezone: String? = nil, count: Int? = nil, password: String? = nil) {
            self.email = email
            self.timezone = timezone
            self.count = count
            self.password = password
        }
    }

    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    /// Writes the demo data and returns the text to print.
    static func run(_ app: Application, _ options: Options) async throws -> String {
        guard app.config.mode != .production else {
            throw Refused(description: "seed-demo does not run in production")
        }
        if app.config.autoMigrate { try await app.autoMigrate() }
        let email = EmailRules.normalize(options.email ?? "demo@strideiq.local")
        let zoneName = options.timezone ?? TimeZone.current.identifier
        guard TimeZoneRules.isValid(zoneName), let zone = TimeZone(identifier: zoneName) else {
            throw Refused(description: "--timezone must be an IANA time zone such as Europe/Paris (got \(zoneName))")
        }
        let password = options.password ?? "demo-" + TokenService.newOpaqueToken().prefix(12)
        let hash = try await app.strideIQ.passwords.hash(password)  // one hash shared by every demo athlete
        let count = max(1, options.count ?? 1)
        var counts = DemoData.Counts()
        for index in 1...count {
            let address = index == 1 ? email : email.replacingOccurrences(of: "@", with: "+\(index)@")
            try await Athlete.query(on: app.db).filter(\.$email == address).delete()  // cascades to its data
            let athlete = Athlete(
                email: address, passwordHash: hash, displayName: "Demo Runner \(index)", timezone: zone.identifier,
                aiConsent: true)
            try await athlete.create(on: app.db)
            var data = DemoData(athleteID: athlete.id!, timeZone: zone, now: app.now(), seed: 2026 + UInt64(index))
            counts = try await data.write(on: app.db)
        }

        let url = "http://\(app.config.host):\(app.config.port)"
        return """
            \(count == 1 ? "Demo athlete ready" : "\(count) demo athletes ready (\(email), then +2 … +\(count))"): \(counts.activities) activities over 8 weeks, today's check-in, an active plan with \(counts.workouts) workouts (race in 42 days).
              email:    \(email)
              password: \(password)
            Log in:
              curl -s -X POST \(url)/v1/auth/login -H 'Content-Type: application/json' \\
                   -d '{"email":"\(email)","password":"\(password)"}'
            """
    }
}
