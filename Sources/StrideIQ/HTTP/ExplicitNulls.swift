/// Response DTOs always carry every key: an absent value is sent as `null`, never left out, so clients (and
/// the OpenAPI document, which lists every key as required) can rely on the shape. The synthesized `Encodable`
/// code in this module calls `encodeIfPresent`; this overload, visible to that code, writes `null` instead of
/// skipping the key.
extension KeyedEncodingContainer {
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}
