import Fluent
import Foundation
import LLM
import LLMFakeServer
import StrideIQCore
import Testing
import Vapor

@testable import StrideIQ

/// The coach's tool loop through the real `configure`, on both wire formats, with the fake model asking for
/// tools; and the tools themselves.
@Suite("Coach tools")
struct CoachToolTests {
    enum Wire: String, CaseIterable, Sendable {
        case openAI, anthropic
    }

    /// The coach on the fake server speaking `wire`.
    static func withToolCoach<T>(
        _ wire: Wire, _ behaviour: FakeBehaviour, backend: TestBackend = .sqlite, ceiling: TimeInterval = 10,
        _ body: (TestApp, FakeLLMServer) async throws -> T
    ) async throws -> T {
        try await TestApp.withCoach(
            backend, behaviour, ceiling: ceiling,
            config: { config in
                if wire == .anthropic {
                    config.coachLLM = LLMSettings(
                        provider: .anthropic, baseURL: config.coachLLM.baseURL, apiKey: "test-key", model: "claude-fake",
                        timeouts: config.coachLLM.timeouts)
                }
            }
        ) { t, server in
            if wire == .anthropic {
                // `useFakeCoach` points at the OpenAI base (`…/v1`); the Anthropic client appends `/v1/messages`.
                #expect(t.config.coachLLM.provider == .anthropic)
            }
            return try await body(t, server)
        }
    }

    /// A run `daysAgo` days before now, through the API.
    static func addRun(
        _ t: TestApp, _ s: TestApp.Session, daysAgo: Int, name: String, distanceM: Double = 10_000, timeS: Int = 3000,
        avgHR: Int? = nil
    ) async throws -> String {
        let start = Date().addingTimeInterval(-Double(daysAgo) * 86_400 - 3600)
        var body: [String: JSON] = [
            "name": .string(name), "start_time": .string(ISO8601DateFormatter().string(from: start)),
            "distance_m": .number(distanceM), "moving_time_s": .number(Double(timeS)),
        ]
        if let avgHR {
            body["avg_hr"] = .number(Double(avgHR))
            body["max_hr"] = .number(Double(avgHR + 15))
        }
        let reply = try await t.request(.POST, "/v1/activities", json: .object(body), token: s.accessToken)
        #expect(reply.status == .created, "\(reply.text)")
        return reply.json["id"].string ?? ""
    }

    static func toolFrames(_ result: CoachStreamResult) -> [String] {
        result.frames.filter { $0.event == "tool" }.map { "\($0.json["name"].string ?? "?"):\($0.json["status"].string ?? "?")" }
    }

    /// The JSON bodies the fake model received, in order.
    static func sentBodies(_ fake: FakeLLMServer) -> [[String: Any]] {
        fake.requests.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.body))) as? [String: Any] }
    }

    // MARK: the loop through the real app

    @Test(arguments: Wire.allCases)
    func aToolCallStreamsToolFramesAndTheAnswerUsesItsResult(_ wire: Wire) async throws {
        try await Self.withToolCoach(wire, .callingTool("get_recent_runs", arguments: #"{"days": 7}"#)) { t, fake in
            let s = try await t.registerWithConsent()
            _ = try await Self.addRun(t, s, daysAgo: 1, name: "Tempo Tuesday")
            _ = try await Self.addRun(t, s, daysAgo: 3, name: "Easy loop")
            _ = try await Self.addRun(t, s, daysAgo: 20, name: "Old long run")  // outside the 7 days asked for
            let result = try await LiveCoachServer.with(t) { live in try await live.stream(token: s.accessToken) }
            #expect(result.status == 200)
            #expect(result.events.first == "meta")
            #expect(result.events.last == "done")
            #expect(Self.toolFrames(result) == ["get_recent_runs:started", "get_recent_runs:ok"])
            // The tool frames come before the answer's text.
            let firstTool = try #require(result.events.firstIndex(of: "tool"))
            let firstDelta = try #require(result.events.firstIndex(of: "delta"))
            #expect(firstTool < firstDelta)
            #expect(result.frames.first { $0.event == "tool" }?.json["type"].string == "tool")

            let done = result.done
            #expect(done["tools_used"].array.compactMap(\.string) == ["get_recent_runs"])
            #expect(done["tool_count"].int == 1)
            #expect(done["error"].bool == false)
            #expect(done["finish_reason"].string == "stop")
            // The final text is the model's answer written from the tool's envelope.
            #expect(result.text.hasPrefix("From your data: "))
            #expect(result.text.contains(#""ok":true"#))
            #expect(result.text.contains(#""run_count":2"#))
            #expect(result.text.contains("Tempo Tuesday"))
            #expect(!result.text.contains("Old long run"))

            // Two model requests: the second carries the call and its result in the wire format's shape.
            #expect(fake.requestCount == 2)
            let bodies = Self.sentBodies(fake)
            #expect((bodies[0]["tools"] as? [Any])?.count == CoachTools.standard.count)
            let messages = try #require(bodies[1]["messages"] as? [[String: Any]])
            switch wire {
            case .openAI:
                let tool = try #require(messages.last)
                #expect(tool["role"] as? String == "tool")
                #expect(tool["tool_call_id"] as? String == "call_1_0")
            case .anthropic:
                let results = try #require(messages.last?["content"] as? [[String: Any]])
                #expect(results.first?["type"] as? String == "tool_result")
                #expect(results.first?["tool_use_id"] as? String == "toolu_1_0")
            }

            // The saved answer is the final text, not the tool traffic.
            let id = try #require(result.meta["message_id"].string)
            let saved = try #require(try await t.waitForSavedAnswer(id))
            #expect(saved.content == result.text)
            #expect(saved.finishReason == "stop")
        }
    }

    @Test(arguments: Wire.allCases)
    func anUnknownToolIsReportedToTheModelAndTheTurnEnds(_ wire: Wire) async throws {
        try await Self.withToolCoach(wire, .unknownTool) { t, fake in
            let s = try await t.registerWithConsent()
            let result = try await LiveCoachServer.with(t) { live in try await live.stream(token: s.accessToken) }
            #expect(Self.toolFrames(result) == ["get_lottery_numbers:started", "get_lottery_numbers:failed"])
            #expect(result.events.last == "done")
            #expect(!result.events.contains("error"))
            #expect(result.done["finish_reason"].string == "stop")
            #expect(result.done["tools_used"].array.compactMap(\.string) == ["get_lottery_numbers"])
            #expect(result.text.contains(#"{"error":"unknown tool","ok":false,"tool":"get_lottery_numbers"}"#))
            #expect(fake.requestCount == 2)
        }
    }

    @Test(arguments: Wire.allCases)
    func malformedArgumentsAreReportedToTheModelAndTheTurnEnds(_ wire: Wire) async throws {
        try await Self.withToolCoach(wire, .malformedToolArguments("get_recent_runs")) { t, fake in
            let s = try await t.registerWithConsent()
            let result = try await LiveCoachServer.with(t) { live in try await live.stream(token: s.accessToken) }
            #expect(Self.toolFrames(result) == ["get_recent_runs:started", "get_recent_runs:failed"])
            #expect(result.events.last == "done")
            #expect(result.done["error"].bool == false)
            #expect(result.text.contains(#""ok":false"#))
            #expect(result.text.contains("arguments are not a JSON object"))
            #expect(fake.requestCount == 2)
            // The malformed arguments are not echoed back to the provider: `{}` stands in for them.
            let messages = try #require(Self.sentBodies(fake)[1]["messages"] as? [[String: Any]])
            let echoed: Any? =
                wire == .openAI
                ? ((messages.first { $0["tool_calls"] != nil }?["tool_calls"] as? [[String: Any]])?.first?["function"] as? [String: Any])?[
                    "arguments"]
                : ((messages.first { $0["role"] as? String == "assistant" }?["content"] as? [[String: Any]])?.first {
                    $0["type"] as? String == "tool_use"
                })?["input"]
            if wire == .openAI {
                #expect(echoed as? String == "{}")
            } else {
                #expect((echoed as? [String: Any])?.isEmpty == true)
            }
        }
    }

    @Test(arguments: Wire.allCases)
    func aModelThatLoopsForeverGetsFiveRoundsThenABoundedEnd(_ wire: Wire) async throws {
        try await Self.withToolCoach(wire, .toolCallsForever("get_plan_week")) { t, fake in
            let s = try await t.registerWithConsent()
            let result = try await LiveCoachServer.with(t) { live in try await live.stream(token: s.accessToken) }
            // Ended by the round limit, not by the 10 s ceiling (which would say `timed_out`).
            #expect(result.done["timed_out"].bool == false)
            #expect(Self.toolFrames(result) == Array(repeating: ["get_plan_week:started", "get_plan_week:ok"], count: 5).flatMap { $0 })
            // Five rounds of tools, then one request that may not call tools, which the model ignored.
            #expect(fake.requestCount == 6)
            let last = try #require(Self.sentBodies(fake).last)
            if wire == .openAI {
                #expect(last["tool_choice"] as? String == "none")
            } else {
                #expect((last["tool_choice"] as? [String: Any])?["type"] as? String == "none")
            }
            #expect(result.events.suffix(2) == ["error", "done"])
            #expect(result.frames.first { $0.event == "error" }?.json["code"].string == "tool_limit")
            #expect(result.done["error"].bool == true)
            #expect(result.done["error_code"].string == "tool_limit")
            #expect(result.done["finish_reason"].string == "error")
            #expect(result.done["tools_used"].array.compactMap(\.string) == ["get_plan_week"])
            #expect(result.done["tool_count"].int == 1)
        }
    }

    @Test func afterFiveRoundsTheModelIsAskedToAnswerWithoutTools() async throws {
        try await Self.withToolCoach(.openAI, .callingTool("get_wellness_trends", rounds: 50)) { t, fake in
            let s = try await t.registerWithConsent()
            let result = try await LiveCoachServer.with(t) { live in try await live.stream(token: s.accessToken) }
            #expect(fake.requestCount == 6)
            #expect(Self.toolFrames(result).count == 10)
            let last = try #require(Self.sentBodies(fake).last)
            #expect(last["tool_choice"] as? String == "none")
            let lastMessage = try #require((last["messages"] as? [[String: Any]])?.last)
            #expect(lastMessage["role"] as? String == "user")
            #expect(lastMessage["content"] as? String == CoachTurn.answerNowInstruction)
            #expect(result.done["finish_reason"].string == "stop")
            #expect(result.done["error"].bool == false)
            #expect(result.text.hasPrefix("From your data: "))
            #expect(result.text.contains("get_wellness_trends"))
        }
    }

    @Test(arguments: Wire.allCases)
    func aToolThatThrowsOrHangsIsReportedAsFailedWithinItsTimeout(_ wire: Wire) async throws {
        let script = FakeToolScript(calls: [FakeToolCall(name: "slow_tool"), FakeToolCall(name: "broken_tool")])
        try await Self.withToolCoach(wire, FakeBehaviour(toolScript: script)) { t, fake in
            t.app.coach.toolbox = CoachToolbox(
                tools: [
                    CoachTool("slow_tool", "Never finishes.") { _, _ in
                        try await Task.sleep(for: .seconds(60))
                        return "late"
                    },
                    CoachTool("broken_tool", "Always fails.") { _, _ in
                        struct Boom: Error {}
                        throw Boom()
                    },
                ], callTimeout: .milliseconds(300))
            let s = try await t.registerWithConsent()
            let result = try await LiveCoachServer.with(t) { live in try await live.stream(token: s.accessToken) }
            // Each call ended at its own 300 ms limit: the 60 s tool did not hold the turn to the 10 s ceiling.
            #expect(result.done["timed_out"].bool == false)
            #expect((result.done["elapsed_ms"].int ?? .max) < 9_000)
            #expect(
                Self.toolFrames(result) == ["slow_tool:started", "slow_tool:failed", "broken_tool:started", "broken_tool:failed"])
            #expect(result.events.last == "done")
            #expect(!result.events.contains("error"))
            #expect(result.done["finish_reason"].string == "stop")
            #expect(result.done["tools_used"].array.compactMap(\.string) == ["slow_tool", "broken_tool"])
            #expect(result.done["tool_count"].int == 2)
            #expect(result.text.contains(#"{"error":"timed out","ok":false,"tool":"slow_tool"}"#))
            #expect(result.text.contains(#"{"error":"the tool failed","ok":false,"tool":"broken_tool"}"#))
            #expect(fake.requestCount == 2)
        }
    }

    @Test func toolsRunInsideTheStreamsCeiling() async throws {
        try await Self.withToolCoach(.openAI, .callingTool("slow_tool"), ceiling: 4) { t, fake in
            t.app.coach.toolbox = CoachToolbox(
                tools: [
                    CoachTool("slow_tool", "Never finishes.") { _, _ in
                        try await Task.sleep(for: .seconds(60))
                        return "late"
                    }
                ], callTimeout: .seconds(30))
            let s = try await t.registerWithConsent()
            let result = try await LiveCoachServer.with(t) { live in try await live.stream(token: s.accessToken) }
            // The call is cut at the ceiling too: its `failed` frame may or may not get out before the turn ends.
            #expect(Self.toolFrames(result).first == "slow_tool:started")
            #expect(Self.toolFrames(result).dropFirst().allSatisfy { $0 == "slow_tool:failed" })
            #expect(result.events.last == "done")
            #expect(result.done["timed_out"].bool == true)
            #expect(result.done["finish_reason"].string == "timeout")
            #expect(result.done["tools_used"].array.compactMap(\.string) == ["slow_tool"])
            // The ceiling (4 s), not the tool's own 30 s limit, ended it.
            #expect((result.done["elapsed_ms"].int ?? .max) < 6_000)
            // The cut call may be reported to the model (a second request) in the instant before the turn ends.
            #expect((1...2).contains(fake.requestCount))
        }
    }

    @Test func theWholeAnswerChatRunsTheLoopToo() async throws {
        try await Self.withToolCoach(
            .openAI,
            .callingTool("compute_running_math", arguments: #"{"operation":"pace_to_finish","pace_per_km":"5:00","distance_km":10}"#)
        ) {
            t, fake in
            let s = try await t.registerWithConsent()
            let reply = try await t.chat(s, "What is 10 km at 5:00/km?")
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(reply.json["response"].string?.contains(#""finish_time":"50:00""#) == true)
            #expect(fake.requestCount == 2)
        }
    }

    @Test func coachToolsFalseDeclaresNoTools() async throws {
        try await TestApp.withCoach(.sqlite, .callingTool("get_recent_runs"), config: { $0.coachTools = false }) { t, fake in
            let s = try await t.registerWithConsent()
            let result = try await LiveCoachServer.with(t) { live in try await live.stream(token: s.accessToken) }
            #expect(fake.requestCount == 1)
            #expect(Self.sentBodies(fake).first?["tools"] == nil)
            #expect(Self.toolFrames(result).isEmpty)
            #expect(result.done["tools_used"].array.isEmpty)
            #expect(result.done["tool_count"].int == 0)
            #expect(result.text == "From your data: no tool results")
        }
    }

    // MARK: scope

    @Test(arguments: TestBackend.available)
    func toolsReadOnlyTheTurnsAthleteWhateverTheModelAsks(_ backend: TestBackend) async throws {
        try await TestApp.with(backend) { t in
            let a = try await t.registerWithConsent()
            let b = try await t.registerWithConsent()
            _ = try await Self.addRun(t, a, daysAgo: 1, name: "Alice river run")
            _ = try await Self.addRun(t, b, daysAgo: 1, name: "Bob hill repeats", distanceM: 8000)
            _ = try await Self.addRun(t, b, daysAgo: 2, name: "Bob race", distanceM: 5000, timeS: 1200)
            let aID = try #require(UUID(uuidString: a.athleteID))
            let context = CoachToolContext(
                athleteID: aID, units: .metric, timeZone: TimeZone(identifier: "UTC")!, now: Date(), database: { t.app.db })
            let toolbox = CoachToolbox(tools: CoachTools.standard)
            let calls = [
                ToolCall(id: "1", name: "get_recent_runs", arguments: #"{"days":730,"athlete_id":"\#(b.athleteID)"}"#),
                ToolCall(id: "2", name: "search_activities", arguments: #"{"sport":"any","limit":50,"athlete_id":"\#(b.athleteID)"}"#),
                ToolCall(id: "3", name: "search_activities", arguments: #"{"name_contains":"bob","sport":"any"}"#),
                ToolCall(id: "4", name: "get_wellness_trends", arguments: "{}"),
                ToolCall(id: "5", name: "get_plan_week", arguments: "{}"),
            ]
            var texts: [String] = []
            for call in calls {
                let outcome = await toolbox.run(call, context: context, deadline: .now + .seconds(10))
                #expect(outcome.ok, "\(outcome.envelope.jsonText)")
                texts.append(outcome.envelope.jsonText)
            }
            #expect(texts[0].contains("Alice river run"))
            #expect(texts[0].contains(#""run_count":1"#))
            #expect(texts[1].contains(#""match_count":1"#))
            #expect(texts[2].contains(#""match_count":0"#))
            for text in texts { #expect(!text.contains("Bob")) }
            // No tool declares an athlete id.
            for tool in CoachTools.standard {
                #expect(!tool.definition.parameters.jsonText.contains("athlete"))
            }
        }
    }

    // MARK: the tools

    @Test func toolArgumentsAreCheckedAndClamped() async throws {
        try await TestApp.with(.sqlite) { t in
            let a = try await t.registerWithConsent()
            let context = CoachToolContext(
                athleteID: try #require(UUID(uuidString: a.athleteID)), units: .imperial, timeZone: TimeZone(identifier: "UTC")!,
                now: Date(), database: { t.app.db })
            let toolbox = CoachToolbox(tools: CoachTools.standard)
            func run(_ name: String, _ arguments: String) async -> CoachToolOutcome {
                await toolbox.run(ToolCall(id: "x", name: name, arguments: arguments), context: context, deadline: .now + .seconds(10))
            }
            #expect((await run("get_recent_runs", #"{"days": 100000}"#)).envelope["data"]?["window_days"] == 730)
            #expect((await run("get_recent_runs", #"{"days": "7"}"#)).envelope["data"]?["window_days"] == 7)
            #expect((await run("get_recent_runs", "")).envelope["data"]?["preferred_units"] == "imperial")
            #expect(
                (await run("get_recent_runs", #"{"days": "soon"}"#)).envelope == [
                    "ok": false, "tool": "get_recent_runs", "error": "days must be a number",
                ])
            #expect((await run("get_recent_runs", "[1,2]")).envelope["error"] == "arguments are not a JSON object")
            #expect((await run("search_activities", #"{"sport":"rowing"}"#)).ok == false)
            #expect(
                (await run("search_activities", #"{"start_date":"2026-02-30"}"#)).envelope["error"]
                    == "start_date must be a date YYYY-MM-DD")
            #expect(
                (await run("search_activities", #"{"start_date":"2026-03-02","end_date":"2026-03-01"}"#)).envelope["error"]
                    == "start_date must not be after end_date")
            #expect((await run("get_wellness_trends", #"{"days": 365}"#)).envelope["data"]?["window_days"] == 90)
            let huge = CoachToolbox(tools: [CoachTool("huge", "Too much.") { _, _ in .string(String(repeating: "x", count: 70_000)) }])
            let hugeOutcome = await huge.run(
                ToolCall(id: "z", name: "huge", arguments: "{}"), context: context, deadline: .now + .seconds(1))
            #expect(hugeOutcome.ok == false)
            #expect(hugeOutcome.envelope.jsonText.utf8.count < 200)
            let tooLarge = ToolCall(id: "y", name: "get_recent_runs", arguments: "", argumentsTooLarge: true)
            #expect((await toolbox.run(tooLarge, context: context, deadline: .now + .seconds(1))).ok == false)
            // Before the analytics job has run, the analytics tools say so (ok, not a failure).
            for name in ["get_training_load", "get_training_paces", "get_race_predictions", "get_personal_records", "get_efficiency_trend"]
            {
                let outcome = await run(name, "{}")
                #expect(outcome.ok)
                #expect(outcome.envelope["data"]?["available"] == false)
            }
        }
    }

    @Test(arguments: Wire.allCases)
    func theAnalyticsToolsReadTheStoredFigures(_ wire: Wire) async throws {
        try await Self.withToolCoach(wire, .callingTool("get_race_predictions")) { t, fake in
            let s = try await t.registerWithConsent()
            let race = try await Self.addRun(t, s, daysAgo: 10, name: "Parkrun 10k", distanceM: 10_000, timeS: 2_400, avgHR: 170)
            #expect(try await t.request(.PATCH, "/v1/activities/\(race)", json: ["is_race": true], token: s.accessToken).status == .ok)
            for daysAgo in [9, 7, 5, 3, 1] {
                _ = try await Self.addRun(t, s, daysAgo: daysAgo, name: "Easy \(daysAgo)", distanceM: 8_000, timeS: 2_640, avgHR: 140)
            }
            await t.drainJobs()  // the analytics job computes and stores; the tools only read

            let result = try await LiveCoachServer.with(t) { live in try await live.stream(token: s.accessToken) }
            #expect(Self.toolFrames(result) == ["get_race_predictions:started", "get_race_predictions:ok"])
            #expect(result.text.contains(#""available":true"#))
            #expect(result.text.contains(#""distance":"10k""#))
            #expect(result.text.contains(#""kind":"race""#))
            #expect(fake.requestCount == 2)

            let context = CoachToolContext(
                athleteID: try #require(UUID(uuidString: s.athleteID)), units: .metric, timeZone: TimeZone(identifier: "UTC")!,
                now: Date(), database: { t.app.db })
            let toolbox = CoachToolbox(tools: CoachTools.standard)
            func data(_ name: String) async -> JSONValue? {
                let outcome = await toolbox.run(
                    ToolCall(id: "x", name: name, arguments: "{}"), context: context, deadline: .now + .seconds(10))
                #expect(outcome.ok, "\(outcome.envelope.jsonText)")
                return outcome.envelope["data"]
            }
            let load = await data("get_training_load")
            #expect(load?["available"] == true)
            #expect((load?["ctl"]?.doubleValue ?? 0) > 0)
            #expect(load?["history"]?.arrayValue?.isEmpty == false)
            let paces = await data("get_training_paces")
            #expect(paces?["paces"]?["threshold"]?["pace"]?.stringValue?.hasSuffix("/km") == true)
            let records = await data("get_personal_records")
            let tenK = records?["records"]?.arrayValue?.first { $0["category"] == "10k" }
            #expect(tenK?["time"] == "40:00")
            #expect(tenK?["pace"] == "4:00/km")
            let trend = await data("get_efficiency_trend")
            #expect(trend?["available"] == true)
        }
    }

    static func math(_ arguments: JSONValue, units: Units = .metric) throws -> JSONValue {
        try RunningMath.compute(ToolArguments(values: arguments.objectValue ?? [:]), units: units)
    }

    @Test func runningMathPaceTimeAndSplits() throws {
        let tenK = try Self.math(["operation": "pace_to_finish", "pace_per_km": "5:00", "distance_km": 10])
        #expect(tenK["finish_time"] == "50:00")
        #expect(tenK["finish_time_seconds"] == 3000)
        #expect(tenK["pace_per_mile"] == "8:03")  // 300 s/km × 1.609344 = 482.8 s

        let marathon = try Self.math(["operation": "pace_to_finish", "pace_per_km": "4:16", "distance_km": 42.195])
        #expect(marathon["finish_time"] == "3:00:02")  // 256 × 42.195 = 10,801.9 s

        let half = try Self.math(["operation": "pace_to_finish", "pace_per_mile": "8:00/mi", "distance_km": 21.0975])
        #expect(half["finish_time"] == "1:44:53")  // 480 / 1.609344 × 21.0975 = 6,292.5 s

        let pace = try Self.math(["operation": "finish_to_pace", "time_seconds": "3:30:00", "distance_miles": 26.2188])
        #expect(pace["pace_per_km"] == "4:59")  // 12,600 s / 42.195 km = 298.6 s
        #expect(pace["pace_per_mile"] == "8:01")
        #expect(pace["distance_km"] == 42.195)

        let splits = try Self.math(["operation": "split_calc", "time_seconds": 2700, "distance_km": 10])
        let km = try #require(splits["splits_km"]?.arrayValue)
        #expect(km.count == 10)
        #expect(km.first?["split"] == "4:30")
        #expect(km.last?["elapsed"] == "45:00")
        let miles = try #require(splits["splits_mile"]?.arrayValue)
        #expect(miles.count == 7)  // six whole miles and the last 0.214
        #expect(miles.first?["split"] == "7:15")  // 2700 / 6.2137 = 434.5 s
        #expect(miles.last?["at"] == 6.214)
        #expect(miles.last?["elapsed"] == "45:00")
        #expect(splits["first_half"] == "22:30")

        let byPace = try Self.math(["operation": "split_calc", "pace_per_km": 240, "distance_km": 5])
        #expect(byPace["finish_time"] == "20:00")

        for bad: JSONValue in [
            [:], ["operation": "guess"], ["operation": "pace_to_finish", "distance_km": 10],
            ["operation": "pace_to_finish", "pace_per_km": "5:75", "distance_km": 10],
            ["operation": "pace_to_finish", "pace_per_km": "5:00", "distance_km": -3],
            ["operation": "finish_to_pace", "time_seconds": 0, "distance_km": 5],
            ["operation": "pace_to_finish", "pace_per_km": "0:10", "distance_km": 5],
        ] {
            #expect(throws: ToolArguments.Invalid.self) { try Self.math(bad) }
        }
    }
}
