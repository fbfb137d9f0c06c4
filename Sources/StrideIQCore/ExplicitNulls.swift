/// An optional response field that is always written: `null` when empty, never left out, so clients (and the
/// OpenAPI document, which lists every response key as required) can rely on the shape. Mark each optional
/// field of a response type with it (`@Nullable var goalTime: String?`); a hand-written `encode(to:)` uses
/// `encodeOrNull(_:forKey:)` instead. The OpenAPI schema recorder reads the wrapper to know which keys are
/// nullable.
///
/// Decoding accepts `null` and a missing key alike (cached values written before a field existed).
@propertyWrapper
public struct Nullable<Value> {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }
}

/// What the schema recorder sees of a `Nullable` without knowing its value type.
public protocol NullableField {
    /// The value, when there is one.
    var encodableValue: (any Encodable)? { get }
}

extension Nullable: NullableField where Value: Encodable {
    public var encodableValue: (any Encodable)? { wrappedValue }
}

extension Nullable: Encodable where Value: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

extension Nullable: Decodable where Value: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try container.decode(Value.self)
    }
}

extension Nullable: Sendable where Value: Sendable {}
extension Nullable: Equatable where Value: Equatable {}
extension Nullable: Hashable where Value: Hashable {}

extension KeyedDecodingContainer {
    /// A `Nullable` field whose key is missing decodes as empty (synthesized `Decodable` would throw).
    public func decode<Value: Decodable>(_: Nullable<Value>.Type, forKey key: Key) throws -> Nullable<Value> {
        Nullable(wrappedValue: try decodeIfPresent(Value.self, forKey: key))
    }
}

extension KeyedEncodingContainer {
    /// Writes `value`, or `null` when it is empty: the hand-written counterpart of a `@Nullable` field.
    public mutating func encodeOrNull<Value: Encodable>(_ value: Value?, forKey key: Key) throws {
        try encode(Nullable(wrappedValue: value), forKey: key)
    }
}
