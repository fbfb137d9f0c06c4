import Foundation

/// A JSON value: tool parameter schemas, tool arguments and tool results, encoded as they are.
public indirect enum JSONValue: Sendable, Equatable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            // Whole numbers as integers ("14", not "14.0"), so ids and counts read as the model expects.
            if value.isFinite, value == value.rounded(), abs(value) < 9.0e15 {
                try container.encode(Int64(value))
            } else if value.isFinite {
                try container.encode(value)
            } else {
                try container.encodeNil()
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Parses JSON text; `nil` when it is not JSON.
    public static func parse(_ text: some StringProtocol) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    /// Compact JSON text with sorted keys (deterministic, for prompts and tests).
    public var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "null"
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var doubleValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { $1 }))
    }
    public init(nilLiteral: ()) { self = .null }
}

/// A tool the model may call: its name, what it does, and a JSON Schema object for its arguments.
public struct ToolDefinition: Sendable, Equatable, Hashable {
    public var name: String
    public var description: String
    /// A JSON Schema of type `object`.
    public var parameters: JSONValue

    public init(name: String, description: String, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

/// Whether the model may call tools on this request.
public enum ToolChoice: String, Sendable, Equatable, Hashable {
    /// The model decides.
    case auto
    /// The model must answer with text (the tools stay declared, because the conversation may already hold
    /// tool calls and results, which Anthropic accepts only when tools are declared).
    case none
}

/// One call the model asked for. `arguments` is the JSON text the model wrote, unchecked: it may be malformed,
/// and the caller answers such a call with an error result rather than failing the turn.
public struct ToolCall: Sendable, Equatable, Hashable {
    public var id: String
    public var name: String
    public var arguments: String
    /// The arguments went past `ToolLimits.maxArgumentBytes` and were cut off (`arguments` is then empty).
    public var argumentsTooLarge: Bool

    public init(id: String, name: String, arguments: String, argumentsTooLarge: Bool = false) {
        self.id = id
        self.name = name
        self.arguments = arguments
        self.argumentsTooLarge = argumentsTooLarge
    }

    /// The arguments as a JSON object (`{}` for empty arguments), or `nil` when they are not one.
    public var argumentObject: [String: JSONValue]? {
        if argumentsTooLarge { return nil }
        let trimmed = arguments.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return [:] }
        return JSONValue.parse(trimmed)?.objectValue
    }

    /// What is sent back to the provider as this call's arguments in the follow-up request: the arguments when
    /// they are a JSON object, else `{}` (a provider may refuse to be shown arguments that are not JSON).
    var echoedArguments: JSONValue {
        .object(argumentObject ?? [:])
    }
}

/// Bounds on what a model's tool calls may cost the caller.
public enum ToolLimits {
    /// Argument JSON of one call: past it the call is kept with no arguments and `argumentsTooLarge`.
    public static let maxArgumentBytes = 16 * 1024
    /// Calls kept from one answer; calls past it are dropped (from the answer and so from the follow-up).
    public static let maxCallsPerRound = 8
    /// Longest tool name or call id kept (a name past it cannot be a declared tool).
    public static let maxNameBytes = 128
}

/// Assembles streamed tool calls from their fragments (OpenAI `tool_calls` deltas by `index`, Anthropic
/// `tool_use` blocks by content-block `index`), within `ToolLimits`.
struct ToolCallAccumulator: Sendable {
    private struct Partial: Sendable {
        var id: String
        var name: String
        var arguments: String
        var tooLarge: Bool
    }

    private var order: [Int] = []
    private var partials: [Int: Partial] = [:]
    /// Indices of the calls seen past `maxCallsPerRound` (their fragments are ignored).
    private var droppedIndices: Set<Int> = []
    /// Calls seen past `maxCallsPerRound`.
    var dropped: Int { droppedIndices.count }

    var isEmpty: Bool { order.isEmpty }

    /// A call starts (or, OpenAI, a later fragment names its id or name again).
    mutating func start(index: Int, id: String?, name: String?) {
        if partials[index] == nil {
            guard order.count < ToolLimits.maxCallsPerRound else {
                droppedIndices.insert(index)
                return
            }
            order.append(index)
            partials[index] = Partial(id: "", name: "", arguments: "", tooLarge: false)
        }
        if let id, !id.isEmpty, partials[index]?.id.isEmpty == true {
            partials[index]?.id = String(ChatRequest.prefix(of: id, fittingIn: ToolLimits.maxNameBytes))
        }
        if let name, !name.isEmpty {
            // OpenAI sends the name once; a server that repeats it must not make it grow.
            if partials[index]?.name.isEmpty == true || partials[index]?.name == name { partials[index]?.name = name }
        }
    }

    /// An argument fragment of the call at `index` (a fragment for a call never started starts it).
    mutating func append(index: Int, fragment: String) {
        if droppedIndices.contains(index) { return }
        if partials[index] == nil { start(index: index, id: nil, name: nil) }
        guard var partial = partials[index], !partial.tooLarge else { return }
        if partial.arguments.utf8.count + fragment.utf8.count > ToolLimits.maxArgumentBytes {
            partial.arguments = ""
            partial.tooLarge = true
        } else {
            partial.arguments += fragment
        }
        partials[index] = partial
    }

    /// The calls in the order they started. Calls without a name are dropped (nothing could run them); a call
    /// without an id gets one, so its result can still be matched to it.
    var calls: [ToolCall] {
        order.enumerated().compactMap { position, index in
            guard let partial = partials[index], !partial.name.isEmpty else { return nil }
            let name =
                partial.name.utf8.count > ToolLimits.maxNameBytes
                ? String(ChatRequest.prefix(of: partial.name, fittingIn: ToolLimits.maxNameBytes)) : partial.name
            return ToolCall(
                id: partial.id.isEmpty ? "call_\(position)" : partial.id, name: name, arguments: partial.arguments,
                argumentsTooLarge: partial.tooLarge)
        }
    }

    /// Whole-body answers: the calls of a parsed message, through the same limits.
    static func bounded(_ calls: [(id: String?, name: String?, arguments: String)]) -> (calls: [ToolCall], dropped: Int) {
        var accumulator = ToolCallAccumulator()
        for (index, call) in calls.enumerated() {
            accumulator.start(index: index, id: call.id, name: call.name)
            accumulator.append(index: index, fragment: call.arguments)
        }
        return (accumulator.calls, accumulator.dropped)
    }
}
