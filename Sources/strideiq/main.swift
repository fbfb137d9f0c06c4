import ArgumentParser
import Foundation
import LatencyCheck

// All behaviour lives in the libraries; this file only starts it. `latency-check` is a client of a running
// StrideIQ with its own exit codes for deploy scripts (2 for a usage error, where the other commands use 64),
// so its arguments go to its own parser; the root command only lists it.
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "latency-check" {
    exit(await LatencyCheck.main(arguments: Array(arguments.dropFirst())))
}
if arguments == ["help", "latency-check"] {
    exit(await LatencyCheck.main(arguments: ["--help"]))
}
await StrideIQCommand.run(arguments)
