import Foundation
import LLMFakeServer

// A fake LLM provider on loopback, speaking the OpenAI and Anthropic wire formats, for benchmarks and the
// topology test. NOT a model: it answers with fixed text. Prints `PORT=<n>` once it listens.
//
//   fake-llm [--port N] [--mode answer|hang] [--first-token-ms MS] [--token-ms MS] [--tokens N] [--answer TEXT]
//            [--events FILE] [--flood N] [--flood-bytes B]
//
// `--events FILE` appends one JSON line per request received and per connection closed (and by whom), so a
// test in another language can prove that a client cancelled a call (the browser suite's Stop button).
//
// `--answer` is split into `--tokens` chunks (default: words of a fixed sentence). `hang` accepts the request
// and never answers. `--flood N` streams N chunks of `--flood-bytes` letters (default 4096) instead of the
// answer, as a provider that ignores `max_tokens` does.

var options: [String: String] = [:]
var arguments = CommandLine.arguments.dropFirst()
while let name = arguments.popFirst() {
    guard name.hasPrefix("--"), let value = arguments.popFirst() else {
        FileHandle.standardError.write(
            Data(
                "usage: fake-llm [--port N] [--mode answer|hang] [--first-token-ms MS] [--token-ms MS] [--tokens N] [--answer TEXT] [--events FILE] [--flood N] [--flood-bytes B]\n"
                    .utf8)
        )
        exit(64)
    }
    options[String(name.dropFirst(2))] = value
}

let answer = options["answer"] ?? "Easy miles today keep the legs fresh for Saturday's long run, so hold back and enjoy it."
let tokenCount = Int(options["tokens"] ?? "") ?? 0
var tokens: [String]
if tokenCount > 0 {
    let size = max(1, answer.count / tokenCount)
    tokens = []
    var rest = Substring(answer)
    while !rest.isEmpty {
        tokens.append(String(rest.prefix(size)))
        rest = rest.dropFirst(size)
    }
} else {
    tokens = answer.split(separator: " ", omittingEmptySubsequences: false).enumerated().map {
        $0.offset == 0 ? String($0.element) : " " + $0.element
    }
}
var behaviour = FakeBehaviour(
    tokens: tokens,
    tokenDelay: .milliseconds(Int(options["token-ms"] ?? "") ?? 0),
    firstTokenDelay: .milliseconds(Int(options["first-token-ms"] ?? "") ?? 0))
if options["mode"] == "hang" { behaviour.fault = .neverAnswer }
behaviour.floodChunks = max(0, Int(options["flood"] ?? "") ?? 0)
behaviour.floodChunkBytes = max(1, Int(options["flood-bytes"] ?? "") ?? 4096)

let server = try await FakeLLMServer.start(behaviour: behaviour, port: Int(options["port"] ?? "") ?? 0)
FileHandle.standardOutput.write(Data("PORT=\(server.port)\n".utf8))  // unbuffered: the caller reads it at once
if let eventsPath = options["events"] {
    try await writeEvents(of: server, to: eventsPath)
}
while true { try await Task.sleep(for: .seconds(3600)) }

func writeEvents(of server: FakeLLMServer, to eventsPath: String) async throws {
    FileManager.default.createFile(atPath: eventsPath, contents: nil)
    guard let events = FileHandle(forWritingAtPath: eventsPath) else {
        FileHandle.standardError.write(Data("fake-llm: cannot write \(eventsPath)\n".utf8))
        exit(73)
    }
    // Polls the server's observations (cheap: a lock and two arrays) and writes what is new.
    var requestsWritten = 0
    var closedWritten: Set<Int> = []
    while true {
        var lines: [String] = []
        for request in server.requests.dropFirst(requestsWritten) {
            let path = request.path.replacingOccurrences(of: "\"", with: "")
            lines.append(
                #"{"event":"request","index":\#(request.index),"connection":\#(request.connectionID),"path":"\#(path)","stream":\#(request.isStreaming)}"#
            )
            requestsWritten += 1
        }
        for connection in server.connections where connection.closedAt != nil && !closedWritten.contains(connection.id) {
            closedWritten.insert(connection.id)
            let requests = connection.requestIndices.map(String.init).joined(separator: ",")
            lines.append(
                #"{"event":"closed","connection":\#(connection.id),"by":"\#(connection.closedBy?.rawValue ?? "unknown")","requests":[\#(requests)]}"#
            )
        }
        if !lines.isEmpty { events.write(Data((lines.joined(separator: "\n") + "\n").utf8)) }
        try await Task.sleep(for: .milliseconds(50))
    }
}
