import Foundation
import OpenAPIKit
import StrideIQCore

/// A response body type whose OpenAPI schema comes from its own `encode(to:)`: `SchemaRecorder` encodes
/// `openAPIExample` and writes down every key, its JSON type, `format` (dates, days, UUIDs), vocabulary
/// (a `CaseIterable` enum), nesting, and which keys are `@Nullable`. So a field added to the type is
/// documented with it, and the document cannot list a key the handler does not write.
protocol DocumentedResponse: Encodable {
    /// Its name in `components.schemas`; other documented types refer to it by this name.
    static var schemaName: String { get }
    /// A value with every field set (every `@Nullable` field non-nil, every array non-empty): what the
    /// recorder encodes, and the schema's example.
    static var openAPIExample: Self { get }
    /// What the encoding cannot show, by JSON key: descriptions, bounds, a vocabulary of a `String` field, the
    /// format of a day kept as a `String`. A schema with a type must have the recorded type (nullability is
    /// added from the recording); one without (`.described("…")`) adds only its description.
    static var fieldSchemas: [String: JSONSchema] { get }
    static var schemaDescription: String? { get }
}

extension DocumentedResponse {
    static var fieldSchemas: [String: JSONSchema] { [:] }
    static var schemaDescription: String? { nil }

    /// `(schemaName, schema)` for `components.schemas`.
    static var component: (String, JSONSchema) {
        (schemaName, SchemaRecorder.schema(of: Self.self))
    }
}

/// An `Encoder` that writes down the shape of what it is given instead of bytes (see `DocumentedResponse`).
final class SchemaRecorder: Encoder {
    /// One recorded value.
    indirect enum Shape {
        case leaf(JSONSchema)
        case object([(key: String, value: Node)])
        case array(item: Shape?)
        /// A `@Nullable` field, with the shape of its value when it had one.
        case nullable(Shape?)
        case null
    }

    /// A value recorded at once, or through a nested container still being written.
    enum Node {
        case done(Shape)
        case nested(SchemaRecorder)

        var shape: Shape {
            switch self {
            case .done(let shape): shape
            case .nested(let recorder): recorder.shape
            }
        }
    }

    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]
    private var fields: [(key: String, value: Node)]?
    private var items: [Node]?
    private var single: Shape?

    var shape: Shape {
        if let fields { return .object(fields) }
        if let items { return .array(item: items.first?.shape) }
        return single ?? .null
    }

    func container<Key: CodingKey>(keyedBy _: Key.Type) -> KeyedEncodingContainer<Key> {
        if fields == nil { fields = [] }
        return KeyedEncodingContainer(Keyed(recorder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if items == nil { items = [] }
        return Unkeyed(recorder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { Single(recorder: self) }

    // MARK: recording

    /// The shape of one value: a leaf for JSON scalars (and the types that encode as formatted strings), a
    /// reference for another documented type, else whatever its own `encode(to:)` writes.
    static func shape<Value: Encodable>(of value: Value, root: Bool = false) throws -> Shape {
        if let field = value as? any NullableField {
            return .nullable(try field.encodableValue.map { try shape(of: $0) })
        }
        if !root, let documented = Value.self as? any DocumentedResponse.Type {
            return .leaf(.ref(documented.schemaName))
        }
        switch value {
        case is Bool: return .leaf(.boolean)
        case is String: return .leaf(.string)
        case is Double, is Float: return .leaf(.number)
        case is any BinaryInteger: return .leaf(.integer)
        case is Date: return .leaf(.dateTime)
        case is UUID: return .leaf(.uuid)
        case is LocalDate: return .leaf(.date)
        default: break
        }
        if let vocabulary = Value.self as? any CaseIterable.Type, let values = rawValues(vocabulary) {
            return .leaf(.strings(values))
        }
        let recorder = SchemaRecorder()
        try value.encode(to: recorder)
        return recorder.shape
    }

    private static func rawValues<Vocabulary: CaseIterable>(_: Vocabulary.Type) -> [String]? {
        let values = Vocabulary.allCases.map { ($0 as? any RawRepresentable<String>)?.rawValue }
        return values.contains(nil) ? nil : values.compactMap(\.self)
    }

    fileprivate func add(_ node: Node, forKey key: any CodingKey) {
        fields?.append((key.stringValue, node))
    }

    fileprivate func append(_ node: Node) {
        items?.append(node)
    }

    fileprivate func set(_ shape: Shape) {
        single = shape
    }

    // MARK: the schema

    /// The schema of a documented type: its example's recorded shape, refined by its `fieldSchemas`, with
    /// the example attached. Stops the program on an example that leaves a field's type unknown or on a
    /// refinement that names no key or contradicts the recorded type (the document is built at start-up,
    /// and the OpenAPI tests build it).
    static func schema<Response: DocumentedResponse>(of _: Response.Type) -> JSONSchema {
        let name = Response.schemaName
        let example = Response.openAPIExample
        let recorded: Shape
        do { recorded = try shape(of: example, root: true) } catch { fatalError("\(name): the example does not encode: \(error)") }
        guard case .object(let fields) = recorded else { fatalError("\(name): a documented response is a JSON object") }
        let refinements = Response.fieldSchemas
        let unknown = Set(refinements.keys).subtracting(fields.map(\.key))
        precondition(unknown.isEmpty, "\(name).fieldSchemas names keys it does not encode: \(unknown.sorted())")
        var properties = OrderedDictionary<String, JSONSchema>()
        for (key, node) in fields {
            properties[key] = schema(of: node.shape, refinedBy: refinements[key], at: "\(name).\(key)")
        }
        var schema = JSONSchema.object(properties: properties, additionalProperties: .a(false))
        if let description = Response.schemaDescription { schema = schema.with(description: description) }
        do {
            let json = try JSONCoding.encoder.encode(example)
            return try schema.with(examples: [JSONDecoder().decode(AnyCodable.self, from: json)])
        } catch {
            fatalError("\(name): the example does not encode: \(error)")
        }
    }

    private static func schema(of shape: Shape, refinedBy refinement: JSONSchema? = nil, at path: String) -> JSONSchema {
        switch shape {
        case .nullable(let value):
            guard let value else {
                guard let refinement, refinement.jsonType != nil || refinement.isReference else {
                    fatalError("\(path): the example leaves it null, so its type is unknown; set it in the example")
                }
                return refinement.orNull
            }
            return schema(of: value, refinedBy: refinement, at: path).orNull
        case .null:
            return .null()
        case .leaf(let leaf):
            return refine(leaf, with: refinement, at: path)
        case .array(let item):
            guard let item else { fatalError("\(path): the example's array is empty, so its items are unknown") }
            return refine(.array(items: schema(of: item, at: "\(path)[]")), with: refinement, at: path)
        case .object(let fields):
            var properties = OrderedDictionary<String, JSONSchema>()
            for (key, node) in fields { properties[key] = schema(of: node.shape, at: "\(path).\(key)") }
            return refine(.object(properties: properties, additionalProperties: .a(false)), with: refinement, at: path)
        }
    }

    private static func refine(_ recorded: JSONSchema, with refinement: JSONSchema?, at path: String) -> JSONSchema {
        guard let refinement else { return recorded }
        guard refinement.jsonType != nil || refinement.isReference else {
            return refinement.description.map(recorded.with(description:)) ?? recorded
        }
        let documented = refinement.jsonType?.rawValue ?? "a reference"
        let encoded = recorded.jsonType?.rawValue ?? "a reference"
        precondition(
            recorded.jsonType == refinement.jsonType && recorded.reference == refinement.reference,
            "\(path): documented as \(documented), encoded as \(encoded)")
        return refinement
    }
}

// MARK: - Containers

extension SchemaRecorder {
    // One generic `encode` per container: it also stands for the protocols' per-type requirements
    // (`encode(_: Bool)`, `encode(_: Int8)`, …), and `shape(of:)` tells the types apart.

    private struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let recorder: SchemaRecorder
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil(forKey key: Key) throws { recorder.add(.done(.null), forKey: key) }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            recorder.add(.done(try SchemaRecorder.shape(of: value)), forKey: key)
        }

        mutating func nestedContainer<Nested: CodingKey>(keyedBy _: Nested.Type, forKey key: Key) -> KeyedEncodingContainer<Nested> {
            let nested = SchemaRecorder()
            recorder.add(.nested(nested), forKey: key)
            return nested.container(keyedBy: Nested.self)
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let nested = SchemaRecorder()
            recorder.add(.nested(nested), forKey: key)
            return nested.unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder { recorder }
        mutating func superEncoder(forKey key: Key) -> any Encoder {
            let nested = SchemaRecorder()
            recorder.add(.nested(nested), forKey: key)
            return nested
        }
    }

    private struct Unkeyed: UnkeyedEncodingContainer {
        let recorder: SchemaRecorder
        var codingPath: [any CodingKey] { [] }
        var count = 0

        mutating func encodeNil() throws { record(.done(.null)) }

        mutating func encode<T: Encodable>(_ value: T) throws { record(.done(try SchemaRecorder.shape(of: value))) }

        mutating func nestedContainer<Nested: CodingKey>(keyedBy _: Nested.Type) -> KeyedEncodingContainer<Nested> {
            nestedEncoder().container(keyedBy: Nested.self)
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { nestedEncoder().unkeyedContainer() }

        mutating func superEncoder() -> any Encoder { nestedEncoder() }

        private mutating func nestedEncoder() -> SchemaRecorder {
            let nested = SchemaRecorder()
            record(.nested(nested))
            return nested
        }

        private mutating func record(_ node: Node) {
            recorder.append(node)
            count += 1
        }
    }

    private struct Single: SingleValueEncodingContainer {
        let recorder: SchemaRecorder
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil() throws { recorder.set(.null) }

        mutating func encode<T: Encodable>(_ value: T) throws { recorder.set(try SchemaRecorder.shape(of: value)) }
    }
}
