/// Response types always carry every key: an absent value is encoded as `null`, never left out, so clients (and
/// the OpenAPI document, which lists every key as required) can rely on the shape.
///
/// Synthesized `Encodable` code calls `encodeIfPresent` for optionals; this overload, visible only to code in
/// this module, writes `null` instead of skipping the key. Overload resolution does not carry it across module
/// boundaries, so StrideIQ has the same five lines (`Sources/StrideIQ/HTTP/ExplicitNulls.swift`).
/// The standard library has concrete `encodeIfPresent` overloads for String, Bool, Int and Double, which
/// outrank a generic one, so those are shadowed one by one.
extension KeyedEncodingContainer {
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}
