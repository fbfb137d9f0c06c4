import Foundation
import SQLKit
import Testing
import Vapor

@testable import StrideIQ

/// Request input is read one way only: a JSON key given twice, a number that would silently change, a body
/// whose content type is not JSON, or a query parameter given twice or as an array is refused, never resolved
/// by picking one reading.
@Suite("Strict request input")
struct StrictInputTests {
    /// 2026-11-29 12:00 UTC (a Sunday), so the check-in, activity and plan dates below are in their windows.
    static let noon: @Sendable () -> Date = { Date(timeIntervalSince1970: 1_795_953_600) }

    /// A body as ordered members, so a test can repeat one of them as raw text.
    typealias Members = [(String, JSON)]

    static func render(_ members: Members) -> String {
        "{" + members.map { "\(quoted($0.0)):\(String(decoding: $0.1.data, as: UTF8.self))" }.joined(separator: ",") + "}"
    }

    static func quoted(_ text: String) -> String { String(decoding: JSON.string(text).data, as: UTF8.self) }

    /// `members` with the first one given again at the end; first with a NUL hidden in the earlier copy (the
    /// attack), then with the very same value twice.
    static func duplicatingFirst(_ members: Members) -> [String] {
        let (key, value) = members[0]
        let rest = members.dropFirst().map { "\(quoted($0.0)):\(String(decoding: $0.1.data, as: UTF8.self))" }
        let last = "\(quoted(key)):\(String(decoding: value.data, as: UTF8.self))"
        return [
            "{" + (["\(quoted(key)):\"x\\u0000\""] + rest + [last]).joined(separator: ",") + "}",
            "{" + ([last] + rest + [last]).joined(separator: ",") + "}",
        ]
    }

    /// Rows per table: a refused request must change none of them.
    static func rowCounts(_ t: TestApp) async throws -> [String: Int] {
        let sql = t.app.db as! any SQLDatabase
        let tables: [String]
        switch t.backend {
        case .sqlite:
            tables = try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all()
                .map { try $0.decode(column: "name", as: String.self) }
        case .postgres:
            tables = try await sql.raw("SELECT table_name FROM information_schema.tables WHERE table_schema = \(bind: t.schema)").all()
                .map { try $0.decode(column: "table_name", as: String.self) }
        }
        var counts: [String: Int] = [:]
        for table in tables {
            let qualified: SQLQueryString = t.backend == .postgres ? "\(ident: t.schema).\(ident: table)" : "\(ident: table)"
            counts[table] = try await sql.raw("SELECT COUNT(*) AS n FROM \(qualified)").first()?.decode(column: "n", as: Int.self)
        }
        #expect(counts.count >= 5, "\(counts)")
        return counts
    }

    // MARK: duplicate keys, on every body-taking operation

    /// A valid body for every operation of the OpenAPI document that takes one (checked against the document, so
    /// a new operation cannot be forgotten here), each with a key given twice: 422 on that key, nothing stored.
    /// Then each body alone is accepted, so it was the repeat alone that was refused.
    @Test(arguments: TestBackend.available)
    func everyBodyTakingOperationRefusesARepeatedKeyAndStoresNothing(_ backend: TestBackend) async throws {
        try await TestApp.with(backend, overrides: AppOverrides(now: Self.noon)) { t in
            let s = try await t.register()
            let other = try await t.register()
            #expect(try await t.request(.PATCH, "/v1/athlete", json: ["ai_consent": true], token: s.accessToken).status == .ok)
            // A draft: plan generation (an active plan) runs below.
            let plan = try await t.request(.POST, "/v1/plans", json: PlanTests.plan.setting("status", "draft"), token: s.accessToken)
            let planID = try #require(plan.json["id"].string, "\(plan.text)")
            let workout = try await t.request(
                .POST, "/v1/plans/\(planID)/workouts",
                json: ["scheduled_date": "2026-12-08", "week_number": 1, "workout_type": "easy", "title": "Easy 8 km"], token: s.accessToken
            )
            let workoutID = try #require(workout.json["id"].string, "\(workout.text)")
            let activity = try await t.request(
                .POST, "/v1/activities",
                json: [
                    "name": "Evening run", "sport": "run", "start_time": "2026-11-27T18:00:00Z", "distance_m": 6000,
                    "moving_time_s": 2000,
                ],
                token: s.accessToken)
            let activityID = try #require(activity.json["id"].string, "\(activity.text)")

            let bodies: [String: Members] = [
                "POST /v1/auth/register": [("email", "second@example.com"), ("password", "tempo-run-42-miles"), ("timezone", "UTC")],
                "POST /v1/auth/login": [("email", .string(other.email)), ("password", .string(other.password))],
                "POST /v1/auth/refresh": [("refresh_token", .string(other.refreshToken))],
                "POST /v1/auth/logout": [("refresh_token", .string(other.refreshToken))],
                "PATCH /v1/athlete": [("display_name", "Ana"), ("timezone", "Europe/Paris")],
                "POST /v1/activities": [
                    ("name", "Morning run"), ("sport", "run"), ("start_time", "2026-11-28T07:00:00Z"), ("distance_m", 8000),
                    ("moving_time_s", 2700),
                ],
                "PATCH /v1/activities/{activity_id}": [("name", "Evening tempo"), ("is_race", false)],
                "POST /v1/consent/ai": [("granted", true), ("source", "settings")],
                "POST /v1/daily-checkin": [("notes", "legs ok"), ("date", "2026-11-28"), ("sleep_h", 7.5)],
                "POST /v1/coach/chat": [("message", "How was my week?")],
                "POST /v1/coach/chat/stream": [("message", "How was my week?")],
                "POST /v1/plans": [
                    ("name", "Autumn half"), ("goal_race_date", "2027-03-21"), ("goal_race_distance_m", 21097.5), ("status", "draft"),
                ],
                "PATCH /v1/plans/{plan_id}": [("name", "Spring marathon, renamed")],
                "POST /v1/plans/{plan_id}/workouts": [
                    ("title", "Tempo"), ("scheduled_date", "2026-12-09"), ("week_number", 1), ("workout_type", "tempo"),
                ],
                "PATCH /v1/plans/{plan_id}/workouts/{workout_id}": [("title", "Easy 10 km")],
                "POST /v1/plans/generate": [
                    ("race_date", "2027-03-21"), ("race_distance", "half_marathon"), ("days_per_week", 4), ("long_run_day", "sunday"),
                ],
                "POST /v1/plans/generate/preview": [
                    ("race_date", "2027-03-21"), ("race_distance", "half_marathon"), ("days_per_week", 4), ("long_run_day", "sunday"),
                ],
                // It takes no fields: any member is refused, a repeated one as repeated.
                "POST /v1/plans/{plan_id}/adapt": [("reason", "x")],
            ]
            var documented = Set<String>()
            for (path, item) in OpenAPITests.document["paths"].object {
                // JSON bodies only: an upload of files has no keys to repeat.
                for (method, operation) in item.object where !operation["requestBody"]["content"]["application/json"].isNull {
                    documented.insert("\(method.uppercased()) \(path)")
                }
            }
            #expect(Set(bodies.keys) == documented, "operations that take a body: \(documented.sorted())")

            // The auth operations are sent without the bearer token (logout would revoke it).
            func token(_ operation: String) -> String? { operation.hasPrefix("POST /v1/auth/") ? nil : s.accessToken }
            func concrete(_ operation: String) -> (HTTPMethod, String) {
                let parts = operation.split(separator: " ", maxSplits: 1)
                let path = parts[1].replacingOccurrences(of: "{plan_id}", with: planID)
                    .replacingOccurrences(of: "{workout_id}", with: workoutID)
                    .replacingOccurrences(of: "{activity_id}", with: activityID)
                return (HTTPMethod(rawValue: String(parts[0])), path)
            }
            let readable = [
                "/v1/athlete", "/v1/activities", "/v1/daily-checkin", "/v1/plans", "/v1/plans/\(planID)", "/v1/coach/history",
            ]
            func snapshot() async throws -> [JSON] {
                var replies: [JSON] = []
                for path in readable { replies.append(try await t.request(.GET, path, token: s.accessToken).json) }
                return replies
            }
            let countsBefore = try await Self.rowCounts(t)
            let readsBefore = try await snapshot()

            for operation in bodies.keys.sorted() {
                let (method, path) = concrete(operation)
                for raw in Self.duplicatingFirst(bodies[operation]!) {
                    let reply = try await t.request(method, path, raw: raw, token: token(operation))
                    expectError(reply, .unprocessableEntity, code: "validation_error")
                    #expect(reply.json["errors"][0]["field"].string == bodies[operation]![0].0, "\(operation): \(reply.text)")
                    #expect(reply.json["errors"][0]["message"].string == "is given more than once", "\(operation): \(reply.text)")
                }
            }
            #expect(try await Self.rowCounts(t) == countsBefore, "a refused body stored something")
            #expect(try await snapshot() == readsBefore, "a refused body changed something")

            // Each body given once is accepted (logout last: it revokes `other`'s session, which refresh rotates).
            let order = bodies.keys.sorted { ($0 == "POST /v1/auth/logout" ? 1 : 0, $0) < ($1 == "POST /v1/auth/logout" ? 1 : 0, $1) }
            var refreshToken = other.refreshToken
            for operation in order where operation != "POST /v1/plans/{plan_id}/adapt" {
                let (method, path) = concrete(operation)
                var members = bodies[operation]!
                if operation.hasPrefix("POST /v1/auth/logout") { members = [("refresh_token", .string(refreshToken))] }
                let reply = try await t.request(method, path, raw: Self.render(members), token: token(operation))
                #expect((200..<300).contains(reply.status.code), "\(operation): \(reply.status.code) \(reply.text)")
                if operation == "POST /v1/auth/refresh", let rotated = reply.json["refresh_token"].string { refreshToken = rotated }
            }
            // The adaptation's body must be an empty object; given as one, it is accepted.
            let adapt = try await t.request(.POST, "/v1/plans/\(planID)/adapt", raw: "{}", token: s.accessToken)
            #expect((200..<300).contains(adapt.status.code), "\(adapt.text)")
        }
    }

    /// The attack as found: a NUL-carrying copy of an existing email before a fresh one. It created a second
    /// account whose email read back as the first one's.
    @Test(arguments: TestBackend.available)
    func registeringWithARepeatedEmailCreatesNoSecondAccount(_ backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let existing = try await t.register()
            // A fresh second address: the login lockout below counts per email, in a Redis other runs share.
            let second = "x-\(UUID().uuidString.prefix(8).lowercased())@y.co"
            let raw = #"{"email":"\#(existing.email)\u0000","email":"\#(second)","password":"tempo-run-42-miles"}"#
            let reply = try await t.request(.POST, "/v1/auth/register", raw: raw)
            expectError(reply, .unprocessableEntity, code: "validation_error")
            #expect(reply.json["errors"].array.map { $0["field"].string } == ["email"])
            #expect(reply.json["detail"].string == "email is given more than once")
            #expect(try await Athlete.query(on: t.app.db).count() == 1)
            let login = try await t.request(.POST, "/v1/auth/login", json: ["email": .string(second), "password": "tempo-run-42-miles"])
            expectError(login, .unauthorized)
        }
    }

    /// A NUL in the first of two keys of the fields named in the finding: 422 (it was a 500 on PostgreSQL, and
    /// stored then read back truncated on SQLite).
    @Test(arguments: TestBackend.available)
    func aNULInTheFirstOfTwoKeysIsRefused(_ backend: TestBackend) async throws {
        try await TestApp.with(backend, overrides: AppOverrides(now: Self.noon)) { t in
            let s = try await t.register()
            #expect(try await t.request(.PATCH, "/v1/athlete", json: ["ai_consent": true], token: s.accessToken).status == .ok)
            let cases: [(HTTPMethod, String, String, String)] = [
                (.POST, "/v1/daily-checkin", #"{"date":"2026-11-28","notes":"sore\u0000calf","notes":"fine"}"#, "notes"),
                (.PATCH, "/v1/athlete", #"{"display_name":"A\u0000","display_name":"Ana"}"#, "display_name"),
                (
                    .POST, "/v1/plans", #"{"name":"P\u0000","name":"Plan","goal_race_date":"2027-03-21","goal_race_distance_m":21097.5}"#,
                    "name"
                ),
                (.POST, "/v1/auth/login", #"{"email":"\#(s.email)\u0000","email":"\#(s.email)","password":"\#(s.password)"}"#, "email"),
                (.POST, "/v1/coach/chat", #"{"message":"hi\u0000","message":"hi"}"#, "message"),
            ]
            for (method, path, raw, field) in cases {
                let reply = try await t.request(method, path, raw: raw, token: s.accessToken)
                expectError(reply, .unprocessableEntity, code: "validation_error")
                #expect(reply.json["errors"].array.map { $0["field"].string } == [field], "\(path): \(reply.text)")
            }
            #expect(try await DailyCheckin.query(on: t.app.db).count() == 0)
            #expect(try await TrainingPlan.query(on: t.app.db).count() == 0)
            #expect(try await t.request(.GET, "/v1/athlete", token: s.accessToken).json["display_name"].string != "Ana")
        }
    }

    /// Nested objects are checked too, and named by their path; the same key in two objects is fine.
    @Test func aRepeatedKeyAtAnyDepthIsRefusedAndNamedByItsPath() async throws {
        try await TestApp.with(.sqlite) { t in
            let s = try await t.register()
            let nested = try await t.request(
                .PATCH, "/v1/athlete", raw: #"{"display_name":"Ana","x":{"y":[1,{"z":1,"\u007a":2}]}}"#, token: s.accessToken)
            expectError(nested, .unprocessableEntity, code: "validation_error")
            #expect(nested.json["errors"].array.map { $0["field"].string } == ["x.y[1].z"], "\(nested.text)")
            // Malformed JSON stays a 400, even with a repeat before the break.
            let broken = try await t.request(.PATCH, "/v1/athlete", raw: #"{"display_name":"A","display_name":"B","#, token: s.accessToken)
            expectError(broken, .badRequest, code: "invalid_json")
        }
    }

    // MARK: numbers

    /// `1e-400` was read as the integer 0, and a number an integer cannot hold was "not valid JSON" on `body`:
    /// each is a 422 on its field now.
    @Test(arguments: TestBackend.available)
    func numbersThatWouldChangeAre422OnTheirField(_ backend: TestBackend) async throws {
        try await TestApp.with(backend, overrides: AppOverrides(now: Self.noon)) { t in
            let s = try await t.register()
            let cases: [(String, String, String)] = [
                ("rpe_1_10", "1e-400", "is too close to zero to be represented (it would be read as 0)"),
                ("sleep_h", "-1e-400", "is too close to zero to be represented (it would be read as 0)"),
                ("rpe_1_10", "1e30", "is out of range for an integer"),
                ("rpe_1_10", "99999999999999999999", "is out of range for an integer"),
                ("rpe_1_10", "-9223372036854775809", "is out of range for an integer"),
                ("rpe_1_10", "1e400", "is too large a number"),
                ("sleep_h", "1e400", "is too large a number"),
                ("rpe_1_10", "6.5", "must be an integer"),
            ]
            for (field, literal, message) in cases {
                let raw = #"{"date":"2026-11-28","\#(field)":\#(literal),"notes":"ok"}"#
                let reply = try await t.request(.POST, "/v1/daily-checkin", raw: raw, token: s.accessToken)
                expectError(reply, .unprocessableEntity, code: "validation_error")
                #expect(reply.json["errors"].array.map { $0["field"].string } == [field], "\(literal): \(reply.text)")
                #expect(reply.json["errors"][0]["message"].string == message, "\(literal): \(reply.text)")
            }
            // Beside a valid decimal, only the integer field is named.
            let both = try await t.request(
                .POST, "/v1/daily-checkin", raw: #"{"date":"2026-11-28","sleep_h":7.5,"rpe_1_10":1e19}"#, token: s.accessToken)
            #expect(both.json["errors"].array.map { $0["field"].string } == ["rpe_1_10"], "\(both.text)")
            #expect(try await DailyCheckin.query(on: t.app.db).count() == 0)
            // Exponents and a zero fraction of a whole number are still integers; a real zero is still zero.
            let fine = try await t.request(
                .POST, "/v1/daily-checkin", raw: #"{"date":"2026-11-28","rpe_1_10":6.0,"resting_hr":5e1,"sleep_h":0e-999}"#,
                token: s.accessToken)
            #expect(fine.status == .created, "\(fine.text)")
            #expect(fine.json["rpe_1_10"].int == 6 && fine.json["resting_hr"].int == 50 && fine.json["sleep_h"].double == 0)
        }
    }

    // MARK: content type

    /// A body that says it is not JSON — including an empty or unparseable `Content-Type` — is a 415; no
    /// `Content-Type` at all is read as JSON.
    @Test func aContentTypeThatIsNotJSONIs415() async throws {
        try await TestApp.with(.sqlite, overrides: AppOverrides(now: Self.noon)) { t in
            let s = try await t.register()
            let body = #"{"date":"2026-11-28","notes":"ok"}"#
            for value in ["", "garbage", "text/plain", "application", "/json", ";", "application/xml", "application/jsonx"] {
                let reply = try await t.request(
                    .POST, "/v1/daily-checkin", raw: body, token: s.accessToken, headers: [("Content-Type", value)])
                expectError(reply, .unsupportedMediaType, code: "unsupported_media_type")
            }
            #expect(try await DailyCheckin.query(on: t.app.db).count() == 0)
            for value in ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/problem+json"] {
                let reply = try await t.request(
                    .POST, "/v1/daily-checkin", raw: body, token: s.accessToken, headers: [("Content-Type", value)])
                #expect(reply.status.code < 300, "\(value): \(reply.text)")
            }
            var headers = HTTPHeaders()
            headers.bearerAuthorization = .init(token: s.accessToken)
            let bare = try await t.app.testing().sendRequest(.POST, "/v1/daily-checkin", headers: headers, body: ByteBuffer(string: body))
            #expect(bare.status == .ok, "no Content-Type is read as JSON: \(bare.body.string)")
        }
    }

    // MARK: query parameters

    /// A parameter given twice or as an array was silently picked or ignored: it is a 422 naming it.
    @Test(arguments: TestBackend.available)
    func aQueryParameterGivenTwiceOrAsAnArrayIs422(_ backend: TestBackend) async throws {
        try await TestApp.with(backend, overrides: AppOverrides(now: Self.noon)) { t in
            let s = try await t.register()
            let cases: [(String, [String])] = [
                ("/v1/activities?limit=5&limit=6", ["limit"]),
                ("/v1/activities?limit[]=5", ["limit"]),
                ("/v1/activities?limit[0]=5&offset=1", ["limit"]),
                ("/v1/activities?since=2026-11-01&since=2026-11-20", ["since"]),
                ("/v1/activities?sport=run&sport=ride&lim%69t=1&limit=2", ["sport", "limit"]),
                ("/v1/daily-checkin?start_date=2026-11-01&end_date=2026-11-30&start_date=2026-11-20", ["start_date"]),
                ("/v1/daily-checkin?end_date[]=2026-11-30", ["end_date"]),
                ("/v1/coach/context?days=7&days=30", ["days"]),
            ]
            for (path, fields) in cases {
                let reply = try await t.request(.GET, path, token: s.accessToken)
                expectError(reply, .unprocessableEntity, code: "validation_error")
                #expect(reply.json["errors"].array.map { $0["field"].string } == fields, "\(path): \(reply.text)")
            }
            for path in ["/v1/activities?limit=5&offset=0&since=2026-11-01", "/v1/daily-checkin?start_date=2026-11-01&end_date=2026-11-30"]
            {
                #expect(try await t.request(.GET, path, token: s.accessToken).status == .ok, "\(path)")
            }
        }
    }

    @Test func queryProblemsAreFoundByDecodedName() {
        #expect(StrictQuery.problems(in: "a=1&b=2&c") == nil)
        #expect(StrictQuery.problems(in: "&&a=1&&") == nil)
        #expect(StrictQuery.problems(in: "a=1&a")?.map(\.field) == ["a"])
        #expect(StrictQuery.problems(in: "a%5B%5D=1")?.map(\.field) == ["a"])
        #expect(StrictQuery.problems(in: "a+b=1&a%20b=2")?.map(\.field) == ["a b"])
        #expect(StrictQuery.problems(in: "x=1&x=2&x=3&y[]=1&y[]=2")?.map(\.field) == ["x", "y"])
    }
}

/// The scanner alone: what it accepts, refuses and reports.
@Suite("Strict JSON scanner")
struct StrictJSONTests {
    static func findings(_ text: String) -> [String]? {
        StrictJSON.scan(Array(text.utf8)).map { $0.findings.map { "\($0.path) \($0.problem)" } }
    }

    @Test func keysAreComparedAfterDecodingEscapesAndAsStrings() {
        #expect(Self.findings(#"{"a":1,"a":2}"#) == ["a duplicateKey"])
        #expect(Self.findings(#"{"a":1,"\u0061":2}"#) == ["a duplicateKey"])
        #expect(Self.findings(#"{"\ud83c\udfc3":1,"🏃":2}"#) == ["🏃 duplicateKey"])
        // Canonically equivalent spellings are one key to Swift's dictionaries, and so here.
        #expect(Self.findings("{\"é\":1,\"e\u{301}\":2}") == ["é duplicateKey"])
        #expect(Self.findings(#"{"a\"b":1,"a\u0022b":2}"#) == ["a\"b duplicateKey"])
        #expect(Self.findings(#"{"a":1,"A":2,"a ":3,"b":{"a":4},"c":[{"a":5},{"a":6}]}"#) == [])
        #expect(Self.findings(#"{"a":{"b":[0,{"c":1,"c":2}]},"a":3,"a":4}"#) == ["a.b[1].c duplicateKey", "a duplicateKey"])
        #expect(Self.findings(#"[{"k":1,"k":2}]"#) == ["[0].k duplicateKey"])
    }

    @Test func numbersThatCannotBeReadAsWrittenAreFound() throws {
        #expect(
            Self.findings(#"{"a":1e-400,"b":-0.1e-330,"c":1e400,"d":-1E+999}"#) == [
                "a underflow", "b underflow", "c overflow", "d overflow",
            ])
        #expect(Self.findings(#"{"a":0e-999,"b":0.000,"c":-0,"d":1e-300,"e":123456789012345678,"f":1.7976931348623157e308}"#) == [])
        let numbers = try #require(StrictJSON.scan(Array(#"{"a":[1.5,2e3,99999999999999999999,7]}"#.utf8))).numbers
        #expect(numbers.map(\.path) == ["a[0]", "a[1]", "a[2]"])
        #expect(numbers.map(\.isIntegral) == [false, true, true])
        #expect(numbers.map(\.range) == [6..<9, 10..<13, 14..<34])
    }

    @Test func malformedTextIsRefusedAndValidTextAccepted() {
        for text in [
            "", " ", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[,1]", "{,}", "01", "-", "1.", ".5", "1e", "+1", "nul",
            "tru", "{} {}", "{\"a\":1}x", #""\q""#, #""\u12""#, #""\ud800""#, #""\udc00x""#, "\"a\u{01}\"", "'a'", "[1 2]",
            "{\"a\" 1}", "{1:2}", "NaN", "Infinity",
        ] {
            #expect(StrictJSON.scan(Array(text.utf8)) == nil, "\(text.debugDescription) is malformed")
        }
        for text in [
            "{}", "[]", " \t\r\n{ } ", "0", "-0.0e+0", "\"\"", "null", "true", "false", #"{"a":[{},[],"",0,null]}"#,
            #""\"\\\/\b\f\n\r\t\u00e9\ud83c\udfc3""#, "\u{FEFF}{}", "[[[[[[[[[[]]]]]]]]]]", "\"é 🏃\"",
        ] {
            #expect(StrictJSON.scan(Array(text.utf8)) != nil, "\(text.debugDescription) is valid")
        }
    }

    /// A deep nest is followed with a heap stack (no recursion to overflow); a megabyte is scanned quickly.
    @Test func deepAndLargeInputsAreCheap() throws {
        let deep = String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)
        #expect(StrictJSON.scan(Array(deep.utf8)) != nil)
        let member = #""field_%d":{"name":"a run \u00e9","distance_m":8012.5,"moving_time_s":2700,"tags":[1,2,3]}"#
        var text = "{"
        var index = 0
        while text.utf8.count < 1 << 20 {
            text += (index == 0 ? "" : ",") + member.replacingOccurrences(of: "%d", with: String(index))
            index += 1
        }
        text += "}"
        let bytes = Array(text.utf8)
        let clock = ContinuousClock()
        var scan: StrictJSON.Scan?
        let elapsed = clock.measure { scan = StrictJSON.scan(bytes) }
        #expect(scan?.findings == [])
        #expect(scan?.numbers.count == StrictJSON.maxNumbers)
        // A debug build on a shared CI core; the measured figure is in the log.
        print("StrictJSON: \(bytes.count) bytes, \(index) objects scanned in \(elapsed)")
        #expect(elapsed < .seconds(2))
        // Many repeated keys: refused with a bounded list of findings.
        let repeated = "{" + Array(repeating: #""a":1"#, count: 100_000).joined(separator: ",") + "}"
        #expect(StrictJSON.scan(Array(repeated.utf8))?.findings.count == 1)
    }
}
