import Foundation
import StrideIQCore
import Vapor

/// A JSON request body. Its `CodingKeys` are the complete list of accepted fields: anything else is rejected
/// with 422, so a typo (`distanse_m`) is never silently dropped.
protocol RequestBody: Decodable, Sendable {
    associatedtype CodingKeys: CodingKey & CaseIterable & RawRepresentable where CodingKeys.RawValue == String
    /// Field-level rules; collect every problem into `validator`.
    func validate(into validator: inout FieldValidator)
    /// Fields tolerated but ignored (kept for the original's clients).
    static var ignoredFields: Set<String> { get }
    /// Fields that may be sent as `null` (PATCH: clear the value). Any other `null` is a 422.
    static var nullableFields: Set<String> { get }
}

extension RequestBody {
    func validate(into validator: inout FieldValidator) {}
    static var ignoredFields: Set<String> { [] }
    static var nullableFields: Set<String> { [] }
}

/// A decoded body and the set of keys that were present, so PATCH changes only what was sent and can tell
/// `"notes": null` (clear it) from a missing `notes` (leave it).
struct Decoded<Body: RequestBody>: Sendable {
    let value: Body
    let presentKeys: Set<String>
    func has(_ key: Body.CodingKeys) -> Bool { presentKeys.contains(key.rawValue) }
}

enum JSONCoding {
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseTimestamp(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "must be an RFC 3339 date-time with a UTC offset, e.g. 2026-11-29T07:30:00Z")
            }
            return date
        }
        return decoder
    }()

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatTimestamp(date))
        }
        // Sorted keys: the same value always encodes to the same bytes (ETags depend on it).
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Exactly an RFC 3339 `date-time` (`format: date-time` in the OpenAPI document):
    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, `T` and `Z` in either case, every field in range (no leap
    /// second). Foundation's ISO 8601 parser is lenient — it reads `12:99` as `13:39` — so this one is by hand.
    static func parseTimestamp(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(at start: Int, digits count: Int) -> Int? {
            guard start >= 0, start + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[start..<(start + count)] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        func byte(at index: Int, is characters: String) -> Bool {
            index < bytes.count && characters.utf8.contains(bytes[index])
        }
        guard let year = number(at: 0, digits: 4), byte(at: 4, is: "-"), let month = number(at: 5, digits: 2), byte(at: 7, is: "-"),
            let day = number(at: 8, digits: 2), byte(at: 10, is: "Tt"), let hour = number(at: 11, digits: 2), byte(at: 13, is: ":"),
            let minute = number(at: 14, digits: 2), byte(at: 16, is: ":"), let second = number(at: 17, digits: 2),
            LocalDate(year: year, month: month, day: day) != nil, hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var index = 19
        var fraction = 0.0
        if byte(at: index, is: ".") {
            var end = index + 1
            while byte(at: end, is: "0123456789") { end += 1 }
            guard end > index + 1, let value = Double("0" + String(decoding: bytes[index..<end], as: UTF8.self)) else { return nil }
            fraction = value
            index = end
        }
        var offset = 0
        if byte(at: index, is: "Zz") {
            index += 1
        } else if byte(at: index, is: "+-") {
            guard let hours = number(at: index + 1, digits: 2), byte(at: index + 3, is: ":"),
                let minutes = number(at: index + 4, digits: 2), hours <= 23, minutes <= 59
            else { return nil }
            offset = (hours * 3600 + minutes * 60) * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
            index += 6
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }
        // Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let days = era * 146_097 + yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    static func formatTimestamp(_ date: Date) -> String {
        date.formatted(
            Date.ISO8601FormatStyle(includingFractionalSeconds: date.timeIntervalSince1970.truncatingRemainder(dividingBy: 1) != 0))
    }
}

extension Request {
    static let maxBodyBytes = 1 << 20

    /// Decodes and validates a JSON object body: 415 for a non-JSON content type, 400 for malformed JSON,
    /// 422 for a non-object, unknown fields, wrong types or failed rules — always in the one error shape.
    func decodeBody<Body: RequestBody>(_ type: Body.Type) throws -> Decoded<Body> {
        // No Content-Type at all is read as JSON (clients of the original API send bodies without one); one that
        // is sent must say JSON — an empty or unparseable value is not a JSON type either.
        let contentTypes = headers[.contentType]
        if !contentTypes.isEmpty && !(headers.contentType.map(Self.isJSON) == true && contentTypes.count == 1) {
            throw APIError(.unsupportedMediaType, code: .unsupportedMediaType, detail: "Send the body as application/json")
        }
        guard let buffer = body.data, buffer.readableBytes > 0 else {
            throw APIError.validation(field: "body", "a JSON object is required")
        }
        // The route's body collector enforces this while streaming; this covers bodies that arrive collected.
        guard buffer.readableBytes <= Self.maxBodyBytes else {
            throw APIError(.payloadTooLarge, code: .payloadTooLarge, detail: "The request body is larger than 1 MiB")
        }
        let data = Data(buffer.readableBytesView)
        let invalidJSON = APIError(.badRequest, code: .invalidJSON, detail: "The request body is not valid JSON")
        // The body is read twice: JSONSerialization for the checks below (unknown fields, nulls, NUL characters)
        // and JSONDecoder for the value the handler stores. They agree only on text that means one thing:
        // with a key given twice, each may keep a different one of the two values, so the value checked is not
        // the value stored. `StrictJSON` refuses such text (and numbers that would silently change) first, so
        // what is validated is exactly what is decoded.
        guard let scan = StrictJSON.scan(data) else { throw invalidJSON }
        if !scan.findings.isEmpty {
            throw APIError.validation(scan.findings.map { FieldError(field: $0.path, message: Self.message($0.problem)) })
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw invalidJSON
        }
        guard let object = parsed as? [String: Any] else {
            throw APIError.validation(field: "body", "must be a JSON object")
        }
        // Postgres text cannot hold NUL; refuse it everywhere (with the same answer on SQLite) rather than 500.
        if let field = Self.fieldContainingNUL(object) {
            throw APIError.validation(field: field, "must not contain NUL characters")
        }
        let known = Set(Body.CodingKeys.allCases.map(\.rawValue))
        let unknown = Set(object.keys).subtracting(known).subtracting(Body.ignoredFields).sorted()
        if !unknown.isEmpty {
            throw APIError.validation(unknown.map { FieldError(field: $0, message: "is not a known field") })
        }
        let nulls = object.filter { $0.value is NSNull }.keys.filter { !Body.nullableFields.contains($0) }.sorted()
        if !nulls.isEmpty {
            throw APIError.validation(nulls.map { FieldError(field: $0, message: "must not be null") })
        }
        let value: Body
        do {
            value = try JSONCoding.decoder.decode(Body.self, from: data)
        } catch let error as DecodingError {
            // JSONDecoder reports a number its field's type cannot hold (1.5 or 1e30 for an integer) with no
            // coding path, as "not valid JSON": find the literal, so the answer names the field.
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty {
                let culprits = Self.unrepresentableNumbers(scan.numbers, in: data, as: Body.self)
                if !culprits.isEmpty {
                    throw APIError.validation(
                        culprits.map {
                            FieldError(field: $0.path, message: $0.isIntegral ? "is out of range for an integer" : "must be an integer")
                        })
                }
            }
            throw APIError.validation([FieldError(field: error.fieldPath, message: error.humanMessage)])
        }
        var validator = FieldValidator()
        value.validate(into: &validator)
        try validator.throwIfInvalid()
        return Decoded(value: value, presentKeys: Set(object.keys))
    }

    private static func isJSON(_ type: HTTPMediaType) -> Bool {
        // Media type names are case-insensitive (RFC 9110, section 8.3.1).
        let (main, sub) = (type.type.lowercased(), type.subType.lowercased())
        return main == "application" && (sub == "json" || sub.hasSuffix("+json"))
    }

    private static func message(_ problem: StrictJSON.Problem) -> String {
        switch problem {
        case .duplicateKey: "is given more than once"
        case .underflow: "is too close to zero to be represented (it would be read as 0)"
        case .overflow: "is too large a number"
        }
    }

    /// Decoding bytes in which the other listed literals are replaced by `0` isolates each one: those that
    /// still fail to decode, with no coding path, are numbers their field's type cannot hold. Only on the
    /// error path, and bounded (each try decodes the whole body again).
    static func unrepresentableNumbers<Body: Decodable>(
        _ numbers: [StrictJSON.NumberLiteral], in data: Data, as type: Body.Type
    ) -> [StrictJSON.NumberLiteral] {
        guard !numbers.isEmpty, numbers.count * data.count <= 4 << 20 else { return [] }
        let bytes = Array(data)
        func fails(keeping kept: Int) -> Bool {
            var text: [UInt8] = []
            text.reserveCapacity(bytes.count)
            var cursor = 0
            for (index, number) in numbers.enumerated() where index != kept {
                text += bytes[cursor..<number.range.lowerBound]
                text.append(UInt8(ascii: "0"))
                cursor = number.range.upperBound
            }
            text += bytes[cursor...]
            do {
                _ = try JSONCoding.decoder.decode(type, from: Data(text))
                return false
            } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
                return true
            } catch {
                return false
            }
        }
        return numbers.indices.filter(fails(keeping:)).map { numbers[$0] }
    }

    private static func fieldContainingNUL(_ value: Any, path: String = "body") -> String? {
        switch value {
        case let text as String:
            return text.unicodeScalars.contains("\u{0}") ? path : nil
        case let object as [String: Any]:
            for (key, child) in object {
                if key.unicodeScalars.contains("\u{0}") { return path }
                if let found = fieldContainingNUL(child, path: path == "body" ? key : "\(path).\(key)") { return found }
            }
            return nil
        case let array as [Any]:
            for (index, child) in array.enumerated() {
                if let found = fieldContainingNUL(child, path: "\(path)[\(index)]") { return found }
            }
            return nil
        default:
            return nil
        }
    }

    /// A UUID path parameter; a malformed one is a 404 (no such resource), never a 500.
    func uuidParameter(_ name: String, resource: String) throws -> UUID {
        guard let raw = parameters.get(name), let id = UUID(uuidString: raw) else {
            throw APIError.notFound(resource)
        }
        return id
    }
}

/// A JSON response with a status code, encoded with the API's date format.
struct JSONResponse<Body: Encodable & Sendable>: AsyncResponseEncodable {
    var status: HTTPResponseStatus = .ok
    var body: Body
    var headers: HTTPHeaders = [:]

    init(_ status: HTTPResponseStatus = .ok, _ body: Body, headers: HTTPHeaders = [:]) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    func encodeResponse(for request: Request) async throws -> Response {
        var headers = headers
        headers.contentType = .json
        return Response(status: status, headers: headers, body: .init(data: try JSONCoding.encoder.encode(body)))
    }
}
