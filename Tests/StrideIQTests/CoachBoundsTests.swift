import Fluent
import Foundation
import LLM
import LLMFakeServer
import NIOCore
import NIOPosix
import StrideIQSupport
import Testing
import Vapor

@testable import StrideIQ

/// A coach answer is bounded in size and in memory: a provider that streams past `max_tokens` is cut off with
/// `length`, and a client that does not read holds the provider back and is let go after the idle timeout.
@Suite("Coach bounds")
struct CoachBoundsTests {
    /// The length cap of the configured `max_tokens`, in bytes.
    private static func bound(_ t: TestApp) -> Int {
        t.app.strideIQ.config.coachMaxOutputTokens * ChatRequest.bytesPerTokenBound
    }

    /// A gauge's value in `GET /metrics` (no labels).
    private static func gauge(_ name: String, _ t: TestApp) async throws -> Double? {
        let text = try await t.request(.GET, "/metrics").text
        let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test(arguments: TestBackend.available)
    func aFloodingProviderIsCutAtTheLengthLimit(_ backend: TestBackend) async throws {
        // 50,000 × 4 KiB = 200 MB, far past 1,200 tokens, and more than loopback's socket buffers can hold
        // (tens of MB), so a provider connection that was not hung up on shows in `chunksSent`.
        let chunks = 50_000
        try await TestApp.withCoach(backend, .flood(chunks: chunks, chunkBytes: 4096), ceiling: 30) { t, fake in
            let bound = Self.bound(t)
            #expect(bound == 1_200 * 16)
            let s = try await t.registerWithConsent()
            try await LiveCoachServer.with(t) { live in
                let result = try await live.stream(token: s.accessToken, timeout: .seconds(30))
                expectWellFormed(result)
                #expect(result.ended)
                let done = result.done
                #expect(done["finish_reason"].string == "length", "done: \(done)")
                #expect(done["error"].bool == false)
                #expect(done["timed_out"].bool == false)
                let sent = result.text.utf8.count
                #expect(sent <= bound, "streamed \(sent) bytes, bound \(bound)")
                #expect(sent > bound - 4096, "cut at the bound, not before it: \(sent)")

                let messageID = try #require(result.meta["message_id"].string)
                let row = try #require(try await t.waitForSavedAnswer(messageID))
                #expect(row.finishReason == "length")
                #expect(row.content.utf8.count <= bound, "stored \(row.content.utf8.count) bytes")
                #expect(row.content == result.text)

                // StrideIQ hung up on the provider at the cap instead of reading the flood to its end.
                #expect(await fake.waitForClientClose(ofRequest: 0) != nil, "the provider's connection stays open")
                #expect(fake.chunksSent(ofRequest: 0) < chunks / 4, "\(fake.chunksSent(ofRequest: 0)) chunks written")
                #expect(await t.waitForNoOpenStreams())

                // The whole-answer chat has the same bound.
                let reply = try await t.chat(s)
                #expect(reply.status == .ok, "\(reply.text)")
                #expect(reply.json["finish_reason"].string == "length")
                let text = try #require(reply.json["response"].string)
                #expect(text.utf8.count <= bound && text.utf8.count > bound - 4096, "\(text.utf8.count) bytes")
                let answerID = try #require(reply.json["message_id"].string)
                let saved = try #require(try await t.coachMessage(answerID))
                #expect(saved.content.utf8.count <= bound)
                #expect(await fake.waitForClientClose(ofRequest: 1) != nil)
            }
        }
    }

    @Test func aClientThatDoesNotReadHoldsTheProviderBackAndIsLetGoAfterTheIdleTimeout() async throws {
        // 100,000 × 4 KiB = 400 MB. The cap is raised far above it so that only the client's not reading can
        // stop the stream; the idle timeout is 2 s and the ceiling 60 s. The kernel's socket buffers on the two
        // hops (provider → StrideIQ → client) take some tens of MB on loopback before anyone has to wait.
        let chunks = 100_000
        let idle = 2.0
        try await TestApp.withCoach(
            .sqlite, .flood(chunks: chunks, chunkBytes: 4096), ceiling: 60,
            config: { config in
                config.coachMaxOutputTokens = 50_000_000
                config.coachLLM.timeouts = LLMTimeouts(
                    connect: .seconds(1), firstToken: .seconds(30), idle: .seconds(idle), request: .seconds(120))
            }
        ) { t, fake in
            let s = try await t.registerWithConsent()
            try await LiveCoachServer.with(t) { live in
                let client = try await NonReadingClient.post(
                    port: live.port, path: "/v1/coach/chat/stream", token: s.accessToken,
                    json: #"{"message":"How was my week?"}"#)
                defer { client.close() }
                #expect(await fake.waitForRequests(1, timeout: .seconds(10)))

                // The provider gets to write what the sockets and the window hold, then waits.
                var held = -1
                var stableSince = ContinuousClock.now
                let give = ContinuousClock.now + .seconds(20)
                while ContinuousClock.now < give {
                    let sent = fake.chunksSent(ofRequest: 0)
                    if sent != held {
                        held = sent
                        stableSince = .now
                    } else if stableSince.duration(to: .now) >= .milliseconds(700) {
                        break
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                let heldAt = ContinuousClock.now
                #expect(held > 0)
                #expect(held < chunks / 4, "the provider wrote \(held) of \(chunks) chunks to a client that reads nothing")
                // What waits in the process between the provider and the client is the window, not the flood.
                let buffered = t.app.coach.bufferedBytes
                #expect(buffered <= CoachTurn.flowWindow + 256 * 1024, "\(buffered) bytes buffered")
                let scraped = try await Self.gauge("coach_stream_buffered_bytes", t)
                #expect(scraped != nil && scraped! <= Double(CoachTurn.flowWindow + 256 * 1024), "gauge: \(String(describing: scraped))")

                // The turn ends once the client has not taken a frame for the idle timeout, well before the ceiling.
                #expect(await t.waitForNoOpenStreams(timeout: .seconds(15)), "the stalled turn is still open")
                let ended = heldAt.duration(to: .now)
                #expect(ended < .seconds(12), "ended \(ended) after the provider was held back")
                let messages = try await CoachMessage.query(on: t.app.db).filter(\.$role == .assistant).all()
                let row = try #require(messages.first)
                #expect(row.finishReason == "timeout")
                #expect(row.errorCode == "client_stalled")
                #expect(row.timedOut == true)
                #expect(row.content.utf8.count <= held * 4096)
                #expect(await fake.waitForClientClose(ofRequest: 0) != nil, "the provider's connection stays open")
                #expect(t.app.coach.bufferedBytes == 0)
                #expect(try await Self.gauge("coach_stream_buffered_bytes", t) == 0)
            }
        }
    }
}

/// An HTTP/1.1 client that sends one request and then never reads (its channel's `autoRead` is off and its
/// receive buffer small), as a stalled phone or a slow-reading attacker does.
private struct NonReadingClient {
    let channel: any Channel

    static func post(port: Int, path: String, token: String, json: String) async throws -> NonReadingClient {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: false)
            .channelOption(.socketOption(.so_rcvbuf), value: 4096)
            .connect(host: "127.0.0.1", port: port).get()
        let body = Array(json.utf8)
        let head =
            "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
        var buffer = channel.allocator.buffer(capacity: head.utf8.count + body.count)
        buffer.writeString(head)
        buffer.writeBytes(body)
        try await channel.writeAndFlush(buffer).get()
        return NonReadingClient(channel: channel)
    }

    func close() {
        channel.close(promise: nil)
    }
}
