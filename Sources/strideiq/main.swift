import Foundation
import LatencyCheck
import StrideIQ

// All behaviour lives in the libraries; this file only starts it. `latency-check` is a client of a running
// StrideIQ (no config, no database), so it is dispatched before the app is built.
let arguments = CommandLine.arguments
if arguments.count > 1, arguments[1] == "latency-check" {
    exit(await LatencyCheck.main(arguments: Array(arguments.dropFirst(2))))
}
exit(await StrideIQMain.run())
