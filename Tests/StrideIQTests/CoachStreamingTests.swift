import Fluent
import Foundation
import LLM
import LLMFakeServer
import StrideIQSupport
import Testing
import Vapor

@testable import StrideIQ

/// The coach's SSE stream against the fake provider, read incrementally from a live server.
@Suite("Coach streaming")
struct CoachStreamingTests {
    // MARK: true streaming

    @Test func firstDeltaArrivesWhileTheProviderIsStillStreaming() async throws {
        let tokens = FakeBehaviour.words(10)
        try await TestApp.withCoach(.sqlite, FakeBehaviour(tokens: tokens, tokenDelay: .milliseconds(150))) { t, fake in
            let s = try await t.registerWithConsent()
            try await LiveCoachServer.with(t) { live in
                let result = try await live.stream(token: s.accessToken)
                expectWellFormed(result)
                #expect(result.ended)
                #expect(result.events.first == "meta")
                #expect(result.deltas.count == tokens.count, "one delta per provider chunk: \(result.events)")
                #expect(result.text == tokens.joined())
                let first = try #require(result.deltas.first).at.seconds
                let done = try #require(result.doneFrame).at.seconds
                // The provider needs 9 × 150 ms after its first token: the first delta reached the client while
                // the provider was still streaming (a buffered answer would arrive all at once, just before done).
                #expect(done - first >= 1.0, "first delta at \(first) s, done at \(done) s: the answer was buffered")
                // Deltas are spread out like the provider's tokens, not delivered in one burst.
                let gaps = zip(result.deltas.dropFirst(), result.deltas).map { ($0.at - $1.at).seconds }
                #expect(gaps.filter { $0 > 0.08 }.count >= 5, "delta gaps: \(gaps)")

                let meta = result.meta
                let threadID = try #require(meta["thread_id"].string)
                let messageID = try #require(meta["message_id"].string)
                #expect(meta["provider"].string == "openai")
                #expect(meta["model"].string == "fake")
                let d = result.done
                #expect(d["thread_id"].string == threadID)
                #expect(d["message_id"].string == messageID)
                #expect(d["finish_reason"].string == "stop")
                #expect(d["timed_out"].bool == false)
                #expect(d["error"].bool == false)
                #expect(d["error_code"].isNull)
                #expect(d["usage"]["input_tokens"].int == 42)
                #expect(d["usage"]["output_tokens"].int == tokens.count)
                #expect(d["source"].string == "llm")
                #expect(d["time_to_first_delta_ms"].int != nil)
                #expect(d["provider_time_to_first_token_ms"].int != nil)
                #expect(d["fallback_reason"].isNull)
                #expect(d["provider"].string == "openai")

                // Saved before `done` was sent: history has both messages, in order.
                let history = try await t.history(s).json
                #expect(history["thread_id"].string == threadID)
                #expect(history["messages"].array.map { $0["role"].string ?? "" } == ["user", "assistant"])
                #expect(history["messages"][0]["content"].string == "How was my week?")
                #expect(history["messages"][1]["id"].string == messageID)
                #expect(history["messages"][1]["content"].string == tokens.joined())
                #expect(history["messages"][1]["finish_reason"].string == "stop")
                #expect(history["messages"][1]["usage"]["output_tokens"].int == tokens.count)
                // The model got the system prompt and the question.
                let sent = try JSON(data: Data(try #require(fake.lastRequest).body))
                #expect(sent["messages"][0]["role"].string == "system")
                #expect(sent["messages"].array.last?["content"].string == "How was my week?")
                #expect(sent["stream"].bool == true)
            }
            #expect(await t.waitForNoOpenStreams())
        }
    }

    @Test func offlineProviderStreamsAndSaysSo() async throws {
        try await TestApp.with(.sqlite) { t in
            let s = try await t.registerWithConsent()
            try await LiveCoachServer.with(t) { live in
                let result = try await live.stream(token: s.accessToken)
                expectWellFormed(result)
                #expect(result.text.hasPrefix(OfflineProvider.heading))
                #expect(result.meta["provider"].string == "offline")
                #expect(result.done["provider"].string == "offline")
                #expect(result.done["source"].string == "offline")
                #expect(result.done["fallback_reason"].string == "no_llm_configured")
                #expect(result.done["finish_reason"].string == "stop")
                #expect(result.done["error"].bool == false)
            }
        }
    }

    @Test func framesAreValidSSEAndJSONWhateverTheText() async throws {
        let writer = CollectingBodyWriter()
        let texts = [
            "plain", "quote \" and \\ backslash", "new\nline\r\ttab", "\u{0}\u{1}\u{1f}", "🏃‍♀️ 5:00/km", "\u{2028}", "</script>", "",
        ]
        var frames = CoachFrameWriter(writer)
        for text in texts { await frames.sendDelta(text) }
        await frames.send("error", CoachErrorFrame(code: "x", error: "line\nbreak"))
        await frames.finish()
        guard case .end = writer.ending else {
            Issue.record("the body did not end: \(String(describing: writer.ending))")
            return
        }
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for buffer in writer.buffers { events += try parser.feed(buffer) }
        #expect(events.map(\.id) == (1...texts.count + 1).map { String($0) })
        for (event, text) in zip(events, texts) {
            #expect(event.type == "delta")
            let json = try JSON(data: Data(event.data.utf8))
            #expect(json == ["type": "delta", "delta": .string(text)])
        }
        #expect(try JSON(data: Data(events.last!.data.utf8))["error"].string == "line\nbreak")
    }

    @Test func aFailedWriteMeansTheClientLeftAndNothingMoreIsWritten() async throws {
        let writer = CollectingBodyWriter(acceptedWrites: 2)
        var frames = CoachFrameWriter(writer)
        await frames.sendDelta("one")
        await frames.sendDelta("two")
        #expect(!frames.clientGone)
        await frames.sendDelta("three")
        #expect(frames.clientGone)
        await frames.send("done", CoachHeartbeatFrame())
        await frames.finish()
        #expect(writer.buffers.count == 2)
        guard case .error = writer.ending else {
            Issue.record("a body whose client left ends with the error: \(String(describing: writer.ending))")
            return
        }
    }

    // MARK: heartbeats and the ceiling

    @Test func hangingProviderGetsHeartbeatsThenTheTimeoutDoneWithinTheCeiling() async throws {
        let ceiling = 3.0
        let heartbeat = 0.5
        try await TestApp.withCoach(.sqlite, .failing(.neverAnswer), ceiling: ceiling, heartbeat: heartbeat) { t, fake in
            let s = try await t.registerWithConsent()
            try await LiveCoachServer.with(t) { live in
                let result = try await live.stream(token: s.accessToken)
                expectWellFormed(result)
                #expect(result.ended)
                #expect(!result.events.contains("delta"))
                // The silence between two frames never lasts much longer than the heartbeat interval, and
                // heartbeats are not sent in bursts. (The ceiling counts from the request, so on a loaded
                // machine a slow admission leaves fewer heartbeats before it.)
                let heartbeats = result.frames.filter { $0.event == "heartbeat" }
                let spanned = (result.frames.last!.at - result.frames.first!.at).seconds
                #expect(heartbeats.count >= Int(spanned / heartbeat) - 1, "\(heartbeats.count) heartbeats in \(spanned) s")
                if spanned > 1.2 { #expect(heartbeats.count >= 2, "events: \(result.events)") }
                let silences = zip(result.frames.dropFirst(), result.frames).map { ($0.at - $1.at).seconds }
                #expect(silences.allSatisfy { $0 <= heartbeat + 0.4 }, "silences: \(silences)")
                let gaps = zip(heartbeats.dropFirst(), heartbeats).map { ($0.at - $1.at).seconds }
                #expect(gaps.allSatisfy { $0 >= heartbeat - 0.1 }, "heartbeat gaps: \(gaps)")
                let done = try #require(result.doneFrame)
                #expect(done.at.seconds >= ceiling - 0.1)
                #expect(done.at.seconds <= ceiling + 1, "done after \(done.at.seconds) s, ceiling \(ceiling) s")
                #expect(done.json["timed_out"].bool == true)
                #expect(done.json["finish_reason"].string == "timeout")
                // The upstream call was cancelled: the fake provider saw its connection closed by us.
                #expect(await fake.waitForClientClose(ofRequest: 0, timeout: .seconds(2)) != nil)
                let messageID = try #require(result.meta["message_id"].string)
                let saved = try #require(try await t.waitForSavedAnswer(messageID))
                #expect(saved.finishReason == "timeout")
                #expect(saved.timedOut == true)
            }
        }
    }

    @Test func wholeAnswerChatHasTheSameCeiling() async throws {
        try await TestApp.withCoach(.sqlite, .failing(.neverAnswer), ceiling: 2) { t, _ in
            let s = try await t.registerWithConsent()
            let start = ContinuousClock.now
            let reply = try await t.chat(s)
            let elapsed = start.duration(to: .now).seconds
            #expect(reply.status == .ok)
            #expect(reply.json["timed_out"].bool == true)
            #expect(reply.json["finish_reason"].string == "timeout")
            #expect(reply.json["response"].string == "")
            #expect(elapsed >= 1.9 && elapsed < 3, "took \(elapsed) s")
        }
    }

    // MARK: failures

    @Test(arguments: TestBackend.available)
    func errorMidStreamSendsErrorThenDoneAndSavesThePartialAnswer(_ backend: TestBackend) async throws {
        let tokens = FakeBehaviour.words(6)
        let behaviour = FakeBehaviour(
            tokens: tokens, tokenDelay: .milliseconds(20), fault: .streamError(afterTokens: 3, message: "model overloaded"))
        try await TestApp.withCoach(backend, behaviour) { t, _ in
            let s = try await t.registerWithConsent()
            try await LiveCoachServer.with(t) { live in
                let result = try await live.stream(token: s.accessToken)
                expectWellFormed(result)
                #expect(result.events == ["meta", "delta", "delta", "delta", "error", "done"], "\(result.events)")
                let error = try #require(result.frames.first { $0.event == "error" }).json
                #expect(error["code"].string == "provider_error")
                #expect(error["error"].string?.isEmpty == false)
                #expect(result.done["error"].bool == true)
                #expect(result.done["error_code"].string == "provider_error")
                #expect(result.done["finish_reason"].string == "error")
                #expect(result.done["timed_out"].bool == false)

                let partial = tokens.prefix(3).joined()
                let history = try await t.history(s).json["messages"].array
                #expect(history.count == 2)
                #expect(history.last?["content"].string == partial)
                #expect(history.last?["finish_reason"].string == "error")
                #expect(history.last?["error_code"].string == "provider_error")
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func clientDisconnectCancelsTheProviderAndSavesThePartialAnswer(_ backend: TestBackend) async throws {
        let tokens = FakeBehaviour.words(60)
        try await TestApp.withCoach(backend, FakeBehaviour(tokens: tokens, tokenDelay: .milliseconds(100))) { t, fake in
            let s = try await t.registerWithConsent()
            try await LiveCoachServer.with(t) { live in
                let result = try await live.stream(
                    token: s.accessToken,
                    stopAfter: { frames in
                        frames.filter { $0.event == "delta" }.count >= 3
                    })
                let leftAt = ContinuousClock.now
                #expect(!result.ended)
                #expect(result.deltas.count == 3)
                // The provider's connection is closed by the app soon after the client left (long before its
                // 6 s answer would have ended).
                let closedAt = try #require(await fake.waitForClientClose(ofRequest: 0, timeout: .seconds(5)))
                let delay = leftAt.duration(to: closedAt).seconds
                #expect(delay < 2.0, "provider connection closed \(delay) s after the client left")

                let messageID = try #require(result.meta["message_id"].string)
                let saved = try #require(try await t.waitForSavedAnswer(messageID))
                #expect(saved.finishReason == "cancelled")
                #expect(saved.content.hasPrefix(tokens.prefix(3).joined()))
                #expect(saved.content.count < tokens.joined().count)
                #expect(await t.waitForNoOpenStreams())
            }
        }
    }

    // MARK: shutdown

    @Test func shutdownEndsEveryOpenStreamWithShuttingDownAndDone() async throws {
        let tokens = FakeBehaviour.words(200)
        try await TestApp.withCoach(
            .sqlite, FakeBehaviour(tokens: tokens, tokenDelay: .milliseconds(50)),
            config: { $0.coachMaxStreamsPerAthlete = 3 }
        ) { t, _ in
            let a = try await t.registerWithConsent()
            let b = try await t.registerWithConsent()
            try await LiveCoachServer.with(t) { live in
                let streaming = Collected<Int>()
                let results = try await withThrowingTaskGroup(of: CoachStreamResult.self) { group in
                    for (index, session) in [a, a, b].enumerated() {
                        group.addTask {
                            try await live.stream(
                                token: session.accessToken,
                                onFrame: { frame in
                                    if frame.event == "delta" && frame.json["delta"].string == tokens[0] { streaming.append(index) }
                                })
                        }
                    }
                    // Every stream is mid-answer, then the process shuts down.
                    let end = ContinuousClock.now + .seconds(5)
                    while streaming.all.count < 3 && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(10)) }
                    #expect(streaming.all.count == 3)
                    let started = ContinuousClock.now
                    let drained = await t.app.coach.shutdown(grace: .seconds(3))
                    #expect(drained.signalled == 3)
                    #expect(drained.remaining == 0)
                    #expect(started.duration(to: .now) < .milliseconds(2_500))
                    var results: [CoachStreamResult] = []
                    for try await result in group { results.append(result) }
                    return results
                }
                #expect(results.count == 3)
                for result in results {
                    expectWellFormed(result)
                    #expect(result.ended)
                    #expect(Array(result.events.suffix(2)) == ["error", "done"], "\(result.events.suffix(4))")
                    #expect(result.frames.first { $0.event == "error" }?.json["code"].string == "shutting_down")
                    #expect(result.done["finish_reason"].string == "shutting_down")
                    #expect(result.done["error"].bool == true)
                    #expect(result.done["error_code"].string == "shutting_down")
                    let messageID = try #require(result.meta["message_id"].string)
                    let saved = try #require(try await t.coachMessage(messageID))
                    #expect(saved.finishReason == "shutting_down")
                    #expect(!saved.content.isEmpty)
                    #expect(saved.content == result.text)
                }
                // New turns are refused while the process stops.
                let late = try await t.chat(a)
                expectError(late, .serviceUnavailable, code: "shutting_down")
            }
        }
    }
}
