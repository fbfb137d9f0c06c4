import Foundation
import LLMFakeServer

// A fake LLM provider on loopback, speaking the OpenAI and Anthropic wire formats, for benchmarks and the
// topology test. NOT a model: it answers with fixed text. Prints `PORT=<n>` once it listens.
//
//   fake-llm [--port N] [--mode answer|hang] [--first-token-ms MS] [--token-ms MS] [--tokens N] [--answer TEXT]
//
// `--answer` is split into `--tokens` chunks (default: words of a fixed sentence). `hang` accepts the request
// and never answers.

var options: [String: String] = [:]
var arguments = CommandLine.arguments.dropFirst()
while let name = arguments.popFirst() {
    guard name.hasPrefix("--"), let value = arguments.popFirst() else {
        FileHandle.standardError.write(
            Data(
                "usage: fake-llm [--port N] [--mode answer|hang] [--first-token-ms MS] [--token-ms MS] [--tokens N] [--answer TEXT]\n".utf8)
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

let server = try await FakeLLMServer.start(behaviour: behaviour, port: Int(options["port"] ?? "") ?? 0)
FileHandle.standardOutput.write(Data("PORT=\(server.port)\n".utf8))  // unbuffered: the caller reads it at once
while true { try await Task.sleep(for: .seconds(3600)) }
