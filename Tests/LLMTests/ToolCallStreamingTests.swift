import AsyncHTTPClient
import Foundation
import LLMFakeServer
import Testing

@testable import LLM

@Suite("Tool calls on both wire formats")
struct ToolCallStreamingTests {
    static let tools = [
        ToolDefinition(
            name: "get_recent_runs", description: "The athlete's runs of the last days.",
            parameters: ["type": "object", "properties": ["days": ["type": "integer", "minimum": 1]]]),
        ToolDefinition(
            name: "compute_running_math", description: "Pace and time arithmetic.",
            parameters: ["type": "object", "properties": ["operation": ["type": "string"]], "required": ["operation"]]),
    ]

    static let calls = [
        FakeToolCall(name: "get_recent_runs", arguments: #"{"days": 28, "note": "ünïcode ✓"}"#, id: "call_a"),
        FakeToolCall(
            name: "compute_running_math", arguments: #"{"operation":"pace_to_finish","pace_per_km":"5:00","distance_km":10}"#,
            id: "call_b"),
    ]

    static var request: ChatRequest {
        ChatRequest(messages: [.system("You are a running coach."), .user("How was my month?")], maxTokens: 200, tools: tools)
    }

    @Test(arguments: Wire.allCases)
    func streamedCallsSplitAcrossManyChunksAreAssembled(_ wire: Wire) async throws {
        // Three bytes per argument fragment, and every SSE event written in two pieces (inside a multi-byte
        // character when there is one): each call arrives in many more chunks than it has fields.
        let behaviour = FakeBehaviour(tokens: ["Let me", " look."], splitWrites: true, toolCalls: Self.calls, toolArgumentChunkBytes: 3)
        try await withFakeServer(behaviour) { server, client in
            let provider = makeProvider(wire, server: server, client: client)
            let outcome = await consume(provider.stream(Self.request, timeout: .seconds(10)))
            #expect(outcome.error == nil)
            let completion = try #require(outcome.completion)
            #expect(outcome.text == "Let me look.")
            #expect(completion.text == "Let me look.")
            #expect(completion.toolCalls.map(\.id) == ["call_a", "call_b"])
            #expect(completion.toolCalls.map(\.name) == ["get_recent_runs", "compute_running_math"])
            #expect(completion.toolCalls.map(\.arguments) == Self.calls.map(\.arguments))
            #expect(completion.toolCalls[0].argumentObject?["days"] == 28)
            #expect(completion.rawFinishReason == (wire == .openAI ? "tool_calls" : "tool_use"))
            #expect(completion.droppedToolCalls == 0)

            // The tools were declared in the wire format's own shape.
            let sent = try #require(server.lastRequest)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(sent.body)) as? [String: Any])
            let tools = try #require(body["tools"] as? [[String: Any]])
            #expect(tools.count == 2)
            switch wire {
            case .openAI:
                #expect(tools[0]["type"] as? String == "function")
                let function = try #require(tools[0]["function"] as? [String: Any])
                #expect(function["name"] as? String == "get_recent_runs")
                #expect((function["parameters"] as? [String: Any])?["type"] as? String == "object")
                #expect(body["tool_choice"] as? String == "auto")
            case .anthropic:
                #expect(tools[0]["name"] as? String == "get_recent_runs")
                #expect((tools[0]["input_schema"] as? [String: Any])?["type"] as? String == "object")
                #expect((body["tool_choice"] as? [String: Any])?["type"] as? String == "auto")
            }
        }
    }

    @Test(arguments: Wire.allCases)
    func wholeAnswersCarryTheirCalls(_ wire: Wire) async throws {
        try await withFakeServer(FakeBehaviour(tokens: [], toolCalls: Self.calls)) { server, client in
            let completion = try await makeProvider(wire, server: server, client: client).complete(Self.request, timeout: .seconds(5))
            #expect(completion.toolCalls.map(\.name) == ["get_recent_runs", "compute_running_math"])
            #expect(completion.toolCalls.map(\.id) == ["call_a", "call_b"])
            #expect(completion.toolCalls[1].argumentObject?["operation"] == "pace_to_finish")
            #expect(completion.toolCalls[1].argumentObject?["distance_km"] == 10)
        }
    }

    @Test(arguments: Wire.allCases)
    func theFollowUpCarriesTheCallsAndTheirResults(_ wire: Wire) async throws {
        try await withFakeServer { server, client in
            var request = Self.request
            request.toolChoice = .none
            let asked = [
                ToolCall(id: "call_a", name: "get_recent_runs", arguments: #"{"days":28}"#),
                ToolCall(id: "call_b", name: "compute_running_math", arguments: "{not json"),
            ]
            request.messages += [
                .assistant("Checking.", toolCalls: asked),
                .toolResult(callID: "call_a", content: #"{"ok":true,"tool":"get_recent_runs","data":{"run_count":3}}"#),
                .toolResult(callID: "call_b", content: #"{"ok":false,"tool":"compute_running_math","error":"bad"}"#),
            ]
            _ = try await makeProvider(wire, server: server, client: client).stream(request, timeout: .seconds(5)).collect()
            let sent = try #require(server.lastRequest)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(sent.body)) as? [String: Any])
            let messages = try #require(body["messages"] as? [[String: Any]])
            switch wire {
            case .openAI:
                #expect(body["tool_choice"] as? String == "none")
                #expect(messages.map { $0["role"] as? String } == ["system", "user", "assistant", "tool", "tool"])
                let calls = try #require(messages[2]["tool_calls"] as? [[String: Any]])
                #expect(calls.map { $0["id"] as? String } == ["call_a", "call_b"])
                #expect(calls.map { $0["type"] as? String } == ["function", "function"])
                let functions = calls.compactMap { $0["function"] as? [String: Any] }
                #expect(functions.map { $0["name"] as? String } == ["get_recent_runs", "compute_running_math"])
                #expect(functions.map { $0["arguments"] as? String } == [#"{"days":28}"#, "{}"])  // malformed → {}
                #expect(messages[3]["tool_call_id"] as? String == "call_a")
                #expect(messages[4]["tool_call_id"] as? String == "call_b")
                #expect((messages[3]["content"] as? String)?.contains("run_count") == true)
            case .anthropic:
                #expect((body["tool_choice"] as? [String: Any])?["type"] as? String == "none")
                #expect(messages.map { $0["role"] as? String } == ["user", "assistant", "user"])
                let assistant = try #require(messages[1]["content"] as? [[String: Any]])
                #expect(assistant.map { $0["type"] as? String } == ["text", "tool_use", "tool_use"])
                #expect(assistant[1]["id"] as? String == "call_a")
                #expect(assistant[1]["name"] as? String == "get_recent_runs")
                #expect((assistant[1]["input"] as? [String: Any])?["days"] as? Int == 28)
                #expect((assistant[2]["input"] as? [String: Any])?.isEmpty == true)
                // Both results in ONE user message, in order.
                let results = try #require(messages[2]["content"] as? [[String: Any]])
                #expect(results.map { $0["type"] as? String } == ["tool_result", "tool_result"])
                #expect(results.map { $0["tool_use_id"] as? String } == ["call_a", "call_b"])
                #expect((results[0]["content"] as? String)?.contains("run_count") == true)
            }
        }
    }

    @Test(arguments: Wire.allCases)
    func argumentsAndCallsAreBounded(_ wire: Wire) async throws {
        let huge = #"{"name_contains":""# + String(repeating: "x", count: ToolLimits.maxArgumentBytes) + #""}"#
        var calls = [FakeToolCall(name: "search_activities", arguments: huge, id: "big")]
        calls += (0..<(ToolLimits.maxCallsPerRound + 3)).map { FakeToolCall(name: "get_training_load", id: "c\($0)") }
        let behaviour = FakeBehaviour(tokens: [], toolCalls: calls, toolArgumentChunkBytes: 1024)
        try await withFakeServer(behaviour) { server, client in
            let completion = try await makeProvider(wire, server: server, client: client).stream(Self.request, timeout: .seconds(10))
                .collect()
            #expect(completion.toolCalls.count == ToolLimits.maxCallsPerRound)
            #expect(completion.droppedToolCalls == 4)
            let big = try #require(completion.toolCalls.first)
            #expect(big.id == "big")
            #expect(big.argumentsTooLarge)
            #expect(big.arguments.isEmpty)
            #expect(big.argumentObject == nil)
        }
    }

    @Test(arguments: Wire.allCases)
    func theScriptedModelCallsThenAnswersWithTheResult(_ wire: Wire) async throws {
        try await withFakeServer(.callingTool("get_recent_runs", arguments: #"{"days":7}"#)) { server, client in
            let provider = makeProvider(wire, server: server, client: client)
            let first = try await provider.stream(Self.request, timeout: .seconds(5)).collect()
            let call = try #require(first.toolCalls.first)
            #expect(call.name == "get_recent_runs")
            #expect(call.arguments == #"{"days":7}"#)
            var followUp = Self.request
            followUp.messages += [.assistant("", toolCalls: first.toolCalls), .toolResult(callID: call.id, content: "RESULT-42")]
            let second = try await provider.stream(followUp, timeout: .seconds(5)).collect()
            #expect(second.toolCalls.isEmpty)
            #expect(second.text == "From your data: RESULT-42")
        }
    }

    @Test(arguments: Wire.allCases)
    func aModelThatLoopsIgnoresToolChoiceNone(_ wire: Wire) async throws {
        try await withFakeServer(.toolCallsForever("get_training_load")) { server, client in
            var request = Self.request
            request.toolChoice = .none
            let completion = try await makeProvider(wire, server: server, client: client).stream(request, timeout: .seconds(5)).collect()
            #expect(completion.toolCalls.map(\.name) == ["get_training_load"])
        }
    }

    @Test func accumulatorKeepsInterleavedCallsApartAndNamesAnonymousOnes() {
        var accumulator = ToolCallAccumulator()
        accumulator.start(index: 1, id: nil, name: "get_plan_week")
        accumulator.start(index: 0, id: "x", name: "get_training_paces")
        accumulator.append(index: 0, fragment: #"{"a""#)
        accumulator.append(index: 1, fragment: "{}")
        accumulator.append(index: 0, fragment: ":1}")
        accumulator.start(index: 0, id: "y", name: "get_training_paces")  // a repeated head changes nothing
        accumulator.append(index: 2, fragment: "{}")  // never named: nothing could run it
        #expect(accumulator.calls.map(\.name) == ["get_plan_week", "get_training_paces"])
        #expect(accumulator.calls.map(\.id) == ["call_0", "x"])
        #expect(accumulator.calls.map(\.arguments) == ["{}", #"{"a":1}"#])
    }
}
