import OpenAPIKit
import StrideIQCore

// Short names for the schema shapes the document uses, on OpenAPIKit's `JSONSchema` (JSON Schema 2020-12, the
// dialect of OpenAPI 3.1): `.string(length: 1...200).described("…")`, `.integer(Limits.Checkin.rpe)`, `.ref("Plan")`.

extension JSONSchema {
    static let uuid = JSONSchema.string(format: .uuid)
    /// A calendar day, `YYYY-MM-DD` (RFC 3339 full-date).
    static let date = JSONSchema.string(format: .date)
    /// An instant, RFC 3339 with a UTC offset.
    static let dateTime = JSONSchema.string(format: .dateTime)

    /// A reference to `components.schemas[name]`.
    static func ref(_ name: String) -> JSONSchema {
        .reference(.component(named: name))
    }

    /// A string with length bounds (in Unicode code points, as JSON Schema counts) and an optional `pattern`
    /// (ECMA-262, not anchored unless it says so).
    static func string(length: ClosedRange<Int>, pattern: String? = nil) -> JSONSchema {
        .string(minLength: length.lowerBound > 0 ? length.lowerBound : nil, maxLength: length.upperBound, pattern: pattern)
    }

    /// A string limited to the raw values of a closed vocabulary, in declaration order.
    static func string<Vocabulary: CaseIterable & RawRepresentable<String>>(oneOf _: Vocabulary.Type) -> JSONSchema {
        .strings(Vocabulary.allCases.map(\.rawValue))
    }

    /// A string limited to these values.
    static func strings(_ values: [String]) -> JSONSchema {
        .string(allowedValues: values.map { AnyCodable($0) })
    }

    /// Exactly this string (`const`).
    static func constant(_ value: String) -> JSONSchema {
        .strings([value])
    }

    static func integer(_ range: ClosedRange<Int>) -> JSONSchema {
        .integer(maximum: (range.upperBound, exclusive: false), minimum: (range.lowerBound, exclusive: false))
    }

    static func integer(atLeast minimum: Int) -> JSONSchema {
        .integer(minimum: (minimum, exclusive: false))
    }

    static func number(_ range: ClosedRange<Double>) -> JSONSchema {
        .number(maximum: (range.upperBound, exclusive: false), minimum: (range.lowerBound, exclusive: false))
    }

    static func number(atLeast minimum: Double) -> JSONSchema {
        .number(minimum: (minimum, exclusive: false))
    }

    static func array(of items: JSONSchema, count: ClosedRange<Int>? = nil) -> JSONSchema {
        .array(minItems: count?.lowerBound, maxItems: count?.upperBound, items: items)
    }

    /// An object with these properties, every one required except `optional`; other keys are invalid unless
    /// `extras` says what they may hold.
    static func object(
        _ properties: KeyValuePairs<String, JSONSchema>, optional: Set<String> = [],
        extras: JSONSchema? = nil
    ) -> JSONSchema {
        var declared = OrderedDictionary<String, JSONSchema>()
        for (name, schema) in properties {
            precondition(declared[name] == nil, "property \(name) declared twice")
            declared[name] = optional.contains(name) ? schema.optionalSchemaObject() : schema
        }
        precondition(optional.isSubset(of: declared.keys), "optional properties that are not declared: \(optional)")
        return .object(properties: declared, additionalProperties: extras.map { .b($0) } ?? .a(false))
    }

    /// Schema-less: only a description (what `DocumentedResponse.fieldSchemas` adds to a recorded field).
    static func described(_ text: String) -> JSONSchema {
        .fragment(description: text)
    }

    func described(_ text: String) -> JSONSchema { with(description: text) }

    func defaulting(to value: some Sendable) -> JSONSchema { with(defaultValue: AnyCodable(value)) }

    /// The same schema, also accepting `null`: `type: [T, "null"]` (with `null` added to any `enum`), or
    /// `anyOf: [schema, {type: null}]` for a reference or a combination (keeping the description outside).
    var orNull: JSONSchema {
        if acceptsNull { return self }
        switch value {
        case .boolean, .number, .integer, .string, .object, .array:
            let nullable = nullableSchemaObject()
            guard let values = allowedValues else { return nullable }
            return nullable.with(allowedValues: values + [AnyCodable(String?.none)])
        case .reference(let reference, _):
            return .any(of: [.reference(reference), .null()], core: .init(required: required, description: description))
        default:
            return .any(of: [self, .null()], core: .init(required: required))
        }
    }

    /// Whether `null` is one of the values this schema accepts (as far as these builders can tell).
    var acceptsNull: Bool {
        if isNull || nullable { return true }
        if case .any(let options, _) = value { return options.contains(where: \.isNull) }
        return false
    }
}

extension JSONSchema {
    /// The schema of a request body type. Its properties are exactly the body's `CodingKeys` — `describe`
    /// is a switch over them, so a field added to the type cannot go undocumented — plus its ignored fields
    /// (any non-null value); `null` is allowed exactly for its `nullableFields`; any other key is invalid.
    static func requestBody<Body: RequestBody>(
        _: Body.Type, required: [Body.CodingKeys] = [],
        _ describe: (Body.CodingKeys) -> JSONSchema
    ) -> JSONSchema {
        var properties = OrderedDictionary<String, JSONSchema>()
        for key in Body.CodingKeys.allCases {
            let schema = Body.nullableFields.contains(key.rawValue) ? describe(key).orNull : describe(key)
            properties[key.rawValue] = required.contains { $0.rawValue == key.rawValue } ? schema : schema.optionalSchemaObject()
        }
        for ignored in Body.ignoredFields.sorted() {
            properties[ignored] = .not(
                .null(),
                core: .init(
                    required: false, deprecated: true,
                    description: "Accepted for compatibility and ignored."))
        }
        return .object(properties: properties, additionalProperties: .a(false))
    }
}

/// The schema of one Server-Sent Event as a client parses it — `id` (increasing from 1), `event` (the name)
/// and `data` (one JSON object) — for each of `events` (name → the schema of its `data`). `data` carries its
/// schema as `contentMediaType: application/json` + `contentSchema`, the JSON Schema way to describe a string
/// that holds JSON. OpenAPIKit's `JSONSchema` has no `contentSchema`, so this writes those two levels around
/// its schemas; it is the value of an event stream's `x-itemSchema` (see `APIResponse.eventStream`).
struct ServerSentEventSchema: Encodable, Sendable {
    let events: [(name: String, data: JSONSchema)]

    private static let data = JSONSchema.string(contentMediaType: .json)

    func encode(to encoder: any Encoder) throws {
        let frame = JSONSchema.object([
            "id": JSONSchema.string(pattern: "^[1-9][0-9]*$").described("The event's number in this stream: 1, 2, 3, …"),
            "event": .strings(events.map(\.name)),
            "data": Self.data.described("One line of JSON whose `type` is the event's name."),
        ])
        try frame.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(events.map { Case(name: $0.name, data: $0.data) }, forKey: .anyOf)
    }

    /// `{properties: {event: {const: name}, data: {…, contentSchema: data}}}`
    private struct Case: Encodable {
        let name: String
        let data: JSONSchema

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            var properties = container.nestedContainer(keyedBy: Key.self, forKey: .properties)
            try properties.encode(JSONSchema.constant(name), forKey: .event)
            try properties.encode(EmbeddedJSON(schema: data), forKey: .data)
        }
    }

    private struct EmbeddedJSON: Encodable {
        let schema: JSONSchema

        func encode(to encoder: any Encoder) throws {
            try ServerSentEventSchema.data.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(schema, forKey: .contentSchema)
        }
    }

    private enum Key: String, CodingKey { case anyOf, properties, event, data, contentSchema }
}
