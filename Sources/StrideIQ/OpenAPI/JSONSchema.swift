import Foundation

// A small vocabulary for writing the OpenAPI document in Swift: JSON values whose objects keep the order
// they were written in (so the served document reads top-down), and JSON Schema 2020-12 builders for the
// handful of shapes the API uses. Nothing here knows about StrideIQ; `OpenAPIDocument` does.

/// A JSON value. Objects keep their keys in insertion order.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// A JSON object that remembers the order its keys were first set in.
struct JSONObject: Sendable, Equatable {
    private(set) var keys: [String] = []
    private var values: [String: JSONValue] = [:]

    init() {}

    subscript(key: String) -> JSONValue? {
        get { values[key] }
        set {
            if newValue == nil { keys.removeAll { $0 == key } } else if values[key] == nil { keys.append(key) }
            values[key] = newValue
        }
    }

    var entries: [(key: String, value: JSONValue)] { keys.map { ($0, values[$0]!) } }
    var isEmpty: Bool { keys.isEmpty }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
                     ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .integer(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, JSONValue)...) {
        var object = JSONObject()
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }

    /// `[String]` as a JSON array of strings.
    static func strings(_ values: some Sequence<String>) -> JSONValue { .array(values.map(JSONValue.string)) }
}

// MARK: - Encoding

extension JSONValue {
    /// The value as JSON text (UTF-8, `/` unescaped), indented by two spaces when `pretty`.
    func serialized(pretty: Bool = false) -> String {
        var out = ""
        write(to: &out, pretty: pretty, indent: 0)
        return out
    }

    private func write(to out: inout String, pretty: Bool, indent: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .integer(let value): out += String(value)
        case .number(let value): out += Self.format(value)
        case .string(let value): Self.writeString(value, to: &out)
        case .array(let items):
            writeContainer("[", "]", items.count, to: &out, pretty: pretty, indent: indent) { index, out in
                items[index].write(to: &out, pretty: pretty, indent: indent + 1)
            }
        case .object(let object):
            let entries = object.entries
            writeContainer("{", "}", entries.count, to: &out, pretty: pretty, indent: indent) { index, out in
                Self.writeString(entries[index].key, to: &out)
                out += pretty ? ": " : ":"
                entries[index].value.write(to: &out, pretty: pretty, indent: indent + 1)
            }
        }
    }

    private func writeContainer(_ open: String, _ close: String, _ count: Int, to out: inout String, pretty: Bool,
                                indent: Int, element: (Int, inout String) -> Void) {
        out += open
        guard count > 0 else { out += close; return }
        let inner = pretty ? "\n" + String(repeating: "  ", count: indent + 1) : ""
        for index in 0..<count {
            if index > 0 { out += "," }
            out += inner
            element(index, &out)
        }
        if pretty { out += "\n" + String(repeating: "  ", count: indent) }
        out += close
    }

    /// Whole numbers print without a fraction (`1000000`, not `1000000.0`); others in Swift's shortest form.
    private static func format(_ value: Double) -> String {
        precondition(value.isFinite, "JSON has no representation for \(value)")
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return "\(value)"
    }

    private static func writeString(_ value: String, to out: inout String) {
        out += "\""
        JSONText.appendEscaped(value, to: &out)
        out += "\""
    }
}

// MARK: - JSON Schema

/// A JSON Schema (2020-12, the dialect of OpenAPI 3.1), built from the constructors below and refined with
/// modifiers: `.string(length: 1...200).nullable.described("…")`.
struct JSONSchema: Sendable, Equatable {
    private(set) var keywords: JSONObject

    init(_ keywords: JSONObject = JSONObject()) { self.keywords = keywords }

    /// Sets one keyword.
    func with(_ keyword: String, _ value: JSONValue) -> JSONSchema {
        var copy = self
        copy.keywords[keyword] = value
        return copy
    }

    /// Removes one keyword.
    func without(_ keyword: String) -> JSONSchema {
        var copy = self
        copy.keywords[keyword] = nil
        return copy
    }

    var json: JSONValue { .object(keywords) }

    /// Where `ref(_:)` points: the document's `components.schemas`.
    static let componentsPrefix = "#/components/schemas/"
}

extension JSONSchema {
    /// Any JSON value at all.
    static let any = JSONSchema()

    static let boolean = typed("boolean")

    /// A string with an optional `format`, length bounds (in Unicode code points, as JSON Schema counts),
    /// `pattern` (ECMA-262, not anchored unless it says so) and allowed values.
    static func string(format: String? = nil, length: ClosedRange<Int>? = nil, pattern: String? = nil) -> JSONSchema {
        var schema = typed("string")
        if let format { schema = schema.with("format", .string(format)) }
        if let length {
            if length.lowerBound > 0 { schema = schema.with("minLength", .integer(length.lowerBound)) }
            schema = schema.with("maxLength", .integer(length.upperBound))
        }
        if let pattern { schema = schema.with("pattern", .string(pattern)) }
        return schema
    }

    /// A string limited to the raw values of a closed vocabulary, in declaration order.
    static func string<Vocabulary: CaseIterable & RawRepresentable>(oneOf _: Vocabulary.Type) -> JSONSchema
    where Vocabulary.RawValue == String {
        typed("string").with("enum", .strings(Vocabulary.allCases.map(\.rawValue)))
    }

    /// Exactly this string.
    static func constant(_ value: String) -> JSONSchema {
        typed("string").with("const", .string(value))
    }

    static let uuid = string(format: "uuid")
    /// A calendar day, `YYYY-MM-DD` (RFC 3339 full-date).
    static let date = string(format: "date")
    /// An instant, RFC 3339 with a UTC offset.
    static let dateTime = string(format: "date-time")

    static func integer(_ range: ClosedRange<Int>? = nil) -> JSONSchema {
        var schema = typed("integer")
        if let range { schema = schema.with("minimum", .integer(range.lowerBound)).with("maximum", .integer(range.upperBound)) }
        return schema
    }

    static func integer(minimum: Int) -> JSONSchema { typed("integer").with("minimum", .integer(minimum)) }

    static func number(_ range: ClosedRange<Double>? = nil) -> JSONSchema {
        var schema = typed("number")
        if let range { schema = schema.with("minimum", .number(range.lowerBound)).with("maximum", .number(range.upperBound)) }
        return schema
    }

    static func array(of items: JSONSchema) -> JSONSchema {
        typed("array").with("items", items.json)
    }

    /// A reference to `components.schemas[name]`.
    static func ref(_ name: String) -> JSONSchema {
        JSONSchema().with("$ref", .string(componentsPrefix + name))
    }

    static func anyOf(_ schemas: [JSONSchema]) -> JSONSchema {
        JSONSchema().with("anyOf", .array(schemas.map(\.json)))
    }

    static func allOf(_ schemas: [JSONSchema]) -> JSONSchema {
        JSONSchema().with("allOf", .array(schemas.map(\.json)))
    }

    /// Anything except what `schema` accepts.
    static func not(_ schema: JSONSchema) -> JSONSchema {
        JSONSchema().with("not", schema.json)
    }

    /// Which keys of an object must be present.
    enum Required: Sendable {
        /// Every declared property.
        case all
        /// Only these.
        case only([String])
        /// Every property whose schema does not accept `null` (the keys a Swift encoder always writes
        /// when it leaves out `nil` values).
        case nonNullable
    }

    /// What an object may hold besides its declared properties.
    enum Extras: Sendable {
        /// Nothing: an unknown key makes the object invalid.
        case forbidden
        /// Any further keys, each valid against this schema.
        case allowed(JSONSchema)
    }

    /// An object with these properties, in this order.
    static func object(_ properties: [(String, JSONSchema)], required: Required = .all, extras: Extras = .forbidden) -> JSONSchema {
        var declared = JSONObject()
        for (name, schema) in properties {
            precondition(declared[name] == nil, "property \(name) declared twice")
            declared[name] = schema.json
        }
        let requiredNames: [String] = switch required {
        case .all: properties.map(\.0)
        case .only(let names): names
        case .nonNullable: properties.filter { !$0.1.acceptsNull }.map(\.0)
        }
        for name in requiredNames { precondition(declared[name] != nil, "required property \(name) is not declared") }
        var schema = typed("object").with("properties", .object(declared))
        if !requiredNames.isEmpty { schema = schema.with("required", .strings(requiredNames)) }
        switch extras {
        case .forbidden: schema = schema.with("additionalProperties", false)
        case .allowed(let extra): schema = schema.with("additionalProperties", extra.json)
        }
        return schema
    }

    /// An object mapping arbitrary keys to values of one schema.
    static func map(of values: JSONSchema) -> JSONSchema {
        typed("object").with("additionalProperties", values.json)
    }

    private static func typed(_ type: String) -> JSONSchema {
        JSONSchema().with("type", .string(type))
    }
}

// MARK: Modifiers

extension JSONSchema {
    /// The same schema, also accepting `null`: `type: [T, "null"]` (with `null` added to any `enum`), or
    /// `anyOf: [schema, {type: null}]` for a `$ref` or an untyped schema.
    var nullable: JSONSchema {
        if acceptsNull { return self }
        guard case .string(let type)? = keywords["type"] else {
            return .anyOf([self, JSONSchema.typed("null")])
        }
        var schema = with("type", .array([.string(type), .string("null")]))
        if case .array(let values)? = keywords["enum"] { schema = schema.with("enum", .array(values + [JSONValue.null])) }
        if let constant = keywords["const"] { schema = schema.without("const").with("enum", .array([constant, JSONValue.null])) }
        return schema
    }

    /// Whether `null` is one of the values this schema accepts (as far as this builder can tell).
    var acceptsNull: Bool {
        if case .array(let types)? = keywords["type"] { return types.contains(.string("null")) }
        if case .array(let options)? = keywords["anyOf"] {
            return options.contains { if case .object(let o) = $0 { o["type"] == .string("null") } else { false } }
        }
        return false
    }

    func described(_ text: String) -> JSONSchema { with("description", .string(text)) }
    func defaulting(to value: JSONValue) -> JSONSchema { with("default", value) }
    func examples(_ values: JSONValue...) -> JSONSchema { with("examples", .array(values)) }
    var deprecated: JSONSchema { with("deprecated", true) }
}
