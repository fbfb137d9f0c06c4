import Fluent
import Foundation
import LLM
import StrideIQCore
import StrideIQSupport

/// Who a tool call is for, fixed by the server when the turn is admitted: the authenticated athlete, never
/// an id the model wrote (no tool takes an athlete id as an argument).
struct CoachToolContext: Sendable {
    let athleteID: UUID
    let units: Units
    let timeZone: TimeZone
    let now: Date
    /// The app's database: tools run in the turn's task, after the request's handler has returned.
    let database: @Sendable () -> any Database

    var today: LocalDate { LocalDate(now, in: timeZone) }
    var format: Format { Format(units: units) }
}

/// A tool's arguments, checked: a present argument of the wrong type is an error the model is told about; a
/// number out of range is clamped to it (as the original's tools do); unknown arguments are ignored.
struct ToolArguments: Sendable {
    let values: [String: JSONValue]

    struct Invalid: Error, Sendable {
        let message: String
    }

    func int(_ key: String, default fallback: Int, range: ClosedRange<Int>) throws(Invalid) -> Int {
        guard let value = try number(key) else { return fallback }
        guard value.isFinite else { throw Invalid(message: "\(key) must be a number") }
        return min(max(Int(value.rounded()), range.lowerBound), range.upperBound)
    }

    func number(_ key: String) throws(Invalid) -> Double? {
        switch values[key] {
        case nil, .null?: return nil
        case .number(let value)?: return value
        // Models often quote numbers.
        case .string(let text)?:
            if let value = Double(text.trimmingCharacters(in: .whitespaces)) { return value }
            throw Invalid(message: "\(key) must be a number")
        default: throw Invalid(message: "\(key) must be a number")
        }
    }

    func string(_ key: String, maxLength: Int = 200) throws(Invalid) -> String? {
        switch values[key] {
        case nil, .null?: return nil
        case .string(let text)?:
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard trimmed.unicodeScalars.count <= maxLength else {
                throw Invalid(message: "\(key) must be at most \(maxLength) characters")
            }
            return trimmed.isEmpty ? nil : trimmed
        default: throw Invalid(message: "\(key) must be a string")
        }
    }

    func bool(_ key: String) throws(Invalid) -> Bool? {
        switch values[key] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        case .string("true")?: return true
        case .string("false")?: return false
        default: throw Invalid(message: "\(key) must be true or false")
        }
    }

    func date(_ key: String) throws(Invalid) -> LocalDate? {
        guard let text = try string(key, maxLength: 10) else { return nil }
        guard let date = LocalDate(text) else { throw Invalid(message: "\(key) must be a date YYYY-MM-DD") }
        return date
    }
}

/// One read-only tool the coach's model may call.
struct CoachTool: Sendable {
    let definition: ToolDefinition
    /// Returns the envelope's `data`. Throws `ToolArguments.Invalid` for arguments it cannot use; any other
    /// error is reported to the model as a failed tool without its details.
    let run: @Sendable (ToolArguments, CoachToolContext) async throws -> JSONValue

    var name: String { definition.name }

    init(
        _ name: String, _ description: String, properties: [String: JSONValue] = [:], required: [String] = [],
        run: @escaping @Sendable (ToolArguments, CoachToolContext) async throws -> JSONValue
    ) {
        var schema: [String: JSONValue] = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { schema["required"] = .array(required.map { .string($0) }) }
        definition = ToolDefinition(name: name, description: description, parameters: .object(schema))
        self.run = run
    }
}

/// What a tool call came to: the envelope sent back to the model, `{ok:true, tool, data}` or
/// `{ok:false, tool, error}`.
struct CoachToolOutcome: Sendable, Equatable {
    let tool: String
    let ok: Bool
    let envelope: JSONValue

    static func success(_ tool: String, _ data: JSONValue) -> CoachToolOutcome {
        CoachToolOutcome(tool: tool, ok: true, envelope: ["ok": true, "tool": .string(tool), "data": data])
    }

    static func failure(_ tool: String, _ error: String) -> CoachToolOutcome {
        CoachToolOutcome(tool: tool, ok: false, envelope: ["ok": false, "tool": .string(tool), "error": .string(error)])
    }
}

/// The coach's tools, and how one call runs: looked up by name, arguments checked, bounded by its own
/// timeout inside the turn's deadline. Never throws: every failure is an outcome the model reads.
struct CoachToolbox: Sendable {
    /// Each call's own limit (the turn's deadline may cut it shorter).
    static let defaultCallTimeout: Duration = .seconds(5)
    /// The largest result sent back to the model (UTF-8 bytes of the envelope): every result is sent again
    /// with each later round, so one oversized result would make every later request oversized too.
    static let maxResultBytes = 64 * 1024

    let tools: [CoachTool]
    let callTimeout: Duration
    private let byName: [String: CoachTool]

    init(tools: [CoachTool], callTimeout: Duration = CoachToolbox.defaultCallTimeout) {
        self.tools = tools
        self.callTimeout = callTimeout
        byName = Dictionary(tools.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    var definitions: [ToolDefinition] { tools.map(\.definition) }

    func run(_ call: ToolCall, context: CoachToolContext, deadline: ContinuousClock.Instant) async -> CoachToolOutcome {
        guard let tool = byName[call.name] else { return .failure(call.name, "unknown tool") }
        if call.argumentsTooLarge {
            return .failure(call.name, "arguments too large (at most \(ToolLimits.maxArgumentBytes) bytes)")
        }
        guard let values = call.argumentObject else {
            return .failure(call.name, "arguments are not a JSON object")
        }
        let arguments = ToolArguments(values: values)
        let until = min(deadline, .now + callTimeout)
        do {
            let data = try await withDeadline(until: until) { try await tool.run(arguments, context) }
            let outcome = CoachToolOutcome.success(call.name, data)
            guard outcome.envelope.jsonText.utf8.count <= Self.maxResultBytes else {
                return .failure(call.name, "the result is too large: ask for a shorter window or a smaller limit")
            }
            return outcome
        } catch let invalid as ToolArguments.Invalid {
            return .failure(call.name, invalid.message)
        } catch is DeadlineExceeded {
            return .failure(call.name, "timed out")
        } catch {
            return .failure(call.name, Task.isCancelled ? "cancelled" : "the tool failed")
        }
    }
}
