import ArgumentParser
import Foundation
import StrideIQ
import StrideIQCore

/// `strideiq inspect-activity-file`: what the import would make of activity files, as JSON, without a server
/// or a database. `scripts/file-oracles` compares these figures with independent decoders, and times the
/// decoder with `--repeat`.
struct InspectActivityFile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect-activity-file",
        abstract: "Decode FIT, GPX or TCX files (or their .gz) and print what an import would derive, as JSON.",
        discussion: """
            Reads no configuration, opens no database and writes no file. Prints one JSON object per activity \
            on stdout: format, device, sport, start time (Unix seconds) and UTC offset, samples, distance, \
            moving and elapsed time, heart rate, cadence, elevation, km splits, best efforts, simplified track \
            points and the time taken to decode and derive. A file that cannot be decoded prints \
            {"file", "error": {"code", "reason"}} and the command exits 65 after the other files.
            """)

    @Option(
        name: .customLong("repeat"),
        help: ArgumentHelp("Decode and derive each file N times: timings become the median and minimum.", valueName: "N"))
    var repetitions = 1

    @Argument(help: "The activity files.")
    var files: [String]

    func validate() throws {
        guard repetitions >= 1 else { throw ValidationError("--repeat must be at least 1") }
        guard !files.isEmpty else { throw ValidationError("name at least one file") }
    }

    func run() throws {
        var failed = false
        for path in files {
            failed = !inspect(path) || failed
        }
        if failed { throw ExitCode(65) }  // EX_DATAERR
    }

    /// Prints the file's activities (or its error); false when it could not be read or decoded.
    private func inspect(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else {
            printLine(Self.errorObject(path, code: "unreadable_file", reason: "the file cannot be read"))
            return false
        }
        let bytes = [UInt8](data)
        // The import's bound for a .gz layer: its per-file limit, or 100× the compressed size if that is less.
        let limits = AppConfig.ImportLimits()
        let maxInflated = min(
            limits.maxFileBytes,
            max(bytes.count, 1).multipliedReportingOverflow(by: limits.maxInflateRatio).partialValue)

        var decodeMS: [Double] = []
        var deriveMS: [[Double]] = []
        var decoded: DecodedActivityFile?
        var derived: [DerivedActivity] = []
        for _ in 0..<repetitions {
            let start = ContinuousClock.now
            let file: DecodedActivityFile
            do {
                file = try ActivityFileDecoding.decode(bytes, maxInflatedBytes: maxInflated)
            } catch let error as ActivityFileError {
                printLine(Self.errorObject(path, code: error.kind.rawValue, reason: error.reason))
                return false
            } catch {
                printLine(Self.errorObject(path, code: "corrupt_file", reason: "\(error)"))
                return false
            }
            decodeMS.append(Self.milliseconds(since: start))
            var times: [Double] = []
            derived = file.activities.map { activity in
                let start = ContinuousClock.now
                let result = ActivityDerivation.derive(activity)
                times.append(Self.milliseconds(since: start))
                return result
            }
            deriveMS.append(times)
            decoded = file
        }
        guard let decoded else { return false }
        // Per repetition: the file's decode plus all its activities' derivations (what an import pays).
        let totals = zip(decodeMS, deriveMS).map { $0 + $1.reduce(0, +) }
        for (index, (activity, result)) in zip(decoded.activities, derived).enumerated() {
            let derive = deriveMS.map { $0[index] }
            var fields: [(String, JSONValue)] = [
                ("file", .string(path)),
                ("activity", .int(index)),
                ("format", .string(decoded.format.rawValue)),
                ("device", decoded.device.map(JSONValue.string) ?? .null),
                ("sport", .string(activity.sport.rawValue)),
                ("start_time", .number(activity.startTime)),
                ("utc_offset_s", activity.utcOffsetS.map(JSONValue.int) ?? .null),
                ("samples", .int(activity.samples.count)),
                ("distance_m", .optional(result.distanceM)),
                ("moving_time_s", result.movingTimeS.map(JSONValue.int) ?? .null),
                ("elapsed_time_s", result.elapsedTimeS.map(JSONValue.int) ?? .null),
                ("avg_hr", result.avgHeartRate.map(JSONValue.int) ?? .null),
                ("max_hr", result.maxHeartRate.map(JSONValue.int) ?? .null),
                ("avg_cadence", .optional(result.avgCadence)),
                ("elevation_gain_m", .optional(result.elevationGainM)),
                ("elevation_loss_m", .optional(result.elevationLossM)),
                ("splits_km", .int(result.splitsKm.count)),
                ("best_efforts", .object(result.bestEfforts.map { ($0.name, .number($0.elapsedS)) })),
                ("track_points", .int(result.track.count)),
                ("decode_ms", .number(Self.median(decodeMS))),
                ("derive_ms", .number(Self.median(derive))),
            ]
            if repetitions > 1 {
                fields += [
                    ("repeat", .int(repetitions)),
                    ("decode_min_ms", .number(decodeMS.min() ?? 0)),
                    ("derive_min_ms", .number(derive.min() ?? 0)),
                    ("total_ms", .number(Self.median(totals))),
                    ("total_min_ms", .number(totals.min() ?? 0)),
                ]
            } else {
                fields.append(("total_ms", .number(totals.first ?? 0)))
                fields.append(("total_min_ms", .number(totals.first ?? 0)))
            }
            printLine(.object(fields))
        }
        return true
    }

    private static func errorObject(_ path: String, code: String, reason: String) -> JSONValue {
        .object([("file", .string(path)), ("error", .object([("code", .string(code)), ("reason", .string(reason))]))])
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    private static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    private func printLine(_ value: JSONValue) {
        print(value.rendered)
    }
}

/// A JSON value whose objects keep their keys in the order written (a reader scanning the output sees the
/// figures in the order the help lists them). Non-finite numbers print as null.
private indirect enum JSONValue {
    case string(String)
    case number(Double)
    case int(Int)
    case object([(String, JSONValue)])
    case null

    static func optional(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }

    var rendered: String {
        switch self {
        case .null: return "null"
        case .int(let value): return String(value)
        case .number(let value):
            guard value.isFinite else { return "null" }
            if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
            return String((value * 1000).rounded() / 1000)
        case .string(let value): return Self.quoted(value)
        case .object(let fields):
            return "{" + fields.map { Self.quoted($0.0) + ":" + $0.1.rendered }.joined(separator: ",") + "}"
        }
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
