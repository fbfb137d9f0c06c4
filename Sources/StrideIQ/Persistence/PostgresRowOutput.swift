import Fluent
import PostgresNIO

/// A PostgreSQL row as Fluent's `DatabaseOutput`, for `Model.output(from:)` on a row we fetched ourselves
/// (`ActiveAthleteLookup`, once per authenticated request).
///
/// Fluent's own path (`PostgresRow.sql()` then `decode(fluentModel:)`) goes through two more layers per column,
/// each generic and outside this module (a column-name check at each, PostgresKit's translation of every type,
/// boxing), and was about a tenth of an authenticated request's CPU on PostgreSQL. Here a column whose type
/// PostgresNIO decodes itself is decoded straight from the cell; a type that decodes from one string (a
/// `String`-backed enum such as `Role`) from the cell's text. Anything else, and anything that fails here,
/// takes Fluent's path, so a column never reads differently from a Fluent query (`AuthTests` compares the two
/// models column by column).
struct PostgresRowOutput: DatabaseOutput {
    let row: PostgresRow
    private let cells: PostgresRandomAccessRow

    init(_ row: PostgresRow) {
        self.row = row
        cells = row.makeRandomAccess()
    }

    var description: String { "\(row)" }

    func schema(_ schema: String) -> any DatabaseOutput { self }

    func contains(_ key: FieldKey) -> Bool { cells.contains(key.description) }

    func decodeNil(_ key: FieldKey) throws -> Bool {
        !cells.contains(key.description) || cells[key.description].bytes == nil
    }

    func decode<T: Decodable>(_ key: FieldKey, as type: T.Type) throws -> T {
        let column = key.description
        guard cells.contains(column) else { return try row.sql().decode(column: column, as: T.self) }
        let cell = cells[column]
        if let native = T.self as? any PostgresDecodable.Type {
            if let value = try? decodeNative(cell, as: native) as? T { return value }
        } else if cell.dataType == .text || cell.dataType == .varchar, let text = try? cell.decode(String.self),
            let value = try? T(from: StringDecoder(text: text))
        {
            return value
        }
        // Not decoded here (or it failed here): Fluent's way, with its conversions and its errors.
        return try row.sql().decode(column: column, as: T.self)
    }

    private func decodeNative<D: PostgresDecodable>(_ cell: PostgresCell, as _: D.Type) throws -> D {
        try cell.decode(D.self)
    }
}

/// Decodes a `Decodable` that is one string (a `String`-backed enum) from that string; anything else throws.
private struct StringDecoder: Decoder, SingleValueDecodingContainer {
    let text: String
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> { throw mismatch(type) }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw mismatch([Any].self) }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { false }
    func decode(_ type: String.Type) throws -> String { text }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard let text = text as? T else { throw mismatch(type) }
        return text
    }

    private func mismatch(_ type: Any.Type) -> DecodingError {
        .typeMismatch(type, .init(codingPath: [], debugDescription: "a single string column"))
    }
}
