import Foundation

/// Checks JSON values against the schemas of an OpenAPI document — the subset of JSON Schema 2020-12 that
/// `OpenAPIDocument` uses ($ref, allOf, anyOf, not, type, enum, const, properties, required,
/// additionalProperties, items, minItems/maxItems, bounds (inclusive and exclusive), lengths in code points,
/// pattern, the formats uuid, date and date-time, and a string holding JSON: `contentMediaType:
/// application/json` with `contentSchema`). Returns every problem found, each with its JSON path.
struct SchemaValidator {
    let document: JSON

    func problems(_ value: JSON, against schema: JSON, at path: String = "$") -> [String] {
        var found: [String] = []
        check(value, schema, path, &found)
        return found
    }

    /// The schema a `#/…` reference points at.
    func resolve(_ reference: String) -> JSON? {
        guard reference.hasPrefix("#/") else { return nil }
        var node = document
        for token in reference.dropFirst(2).split(separator: "/") {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard case .object(let object) = node, let next = object[key] else { return nil }
            node = next
        }
        return node
    }

    private func check(_ value: JSON, _ schema: JSON, _ path: String, _ found: inout [String]) {
        guard case .object(let s) = schema else { return }
        if let reference = s["$ref"]?.string {
            guard let target = resolve(reference) else {
                found.append("\(path): unresolvable \(reference)")
                return
            }
            check(value, target, path, &found)
        }
        for part in s["allOf"]?.array ?? [] { check(value, part, path, &found) }
        if let options = s["anyOf"]?.array, !options.contains(where: { problems(value, against: $0, at: path).isEmpty }) {
            found.append("\(path): matches none of anyOf (\(value.data.prefix(200).utf8String))")
        }
        if let forbidden = s["not"], problems(value, against: forbidden, at: path).isEmpty {
            found.append("\(path): matches a `not` schema")
        }
        if let type = s["type"] {
            let allowed = type.string.map { [$0] } ?? type.array.compactMap(\.string)
            guard allowed.contains(where: { Self.has(value, type: $0) }) else {
                found.append("\(path): expected \(allowed.joined(separator: " or ")), got \(value.data.prefix(200).utf8String)")
                return
            }
        }
        if let options = s["enum"]?.array, !options.contains(value) {
            found.append("\(path): \(value.data.utf8String) is not one of \(JSON.array(options).data.utf8String)")
        }
        if let constant = s["const"], constant != value {
            found.append("\(path): \(value.data.utf8String) is not \(constant.data.utf8String)")
        }
        switch value {
        case .object(let object):
            let properties = s["properties"]?.object ?? [:]
            for name in s["required"]?.array.compactMap(\.string) ?? [] where object[name] == nil {
                found.append("\(path): missing required key \(name)")
            }
            for (key, item) in object {
                if let property = properties[key] {
                    check(item, property, "\(path).\(key)", &found)
                } else if let extra = s["additionalProperties"] {
                    if extra == .bool(false) {
                        found.append("\(path): undocumented key \(key)")
                    } else {
                        check(item, extra, "\(path).\(key)", &found)
                    }
                }
            }
        case .array(let items):
            if let itemSchema = s["items"] {
                for (index, item) in items.enumerated() { check(item, itemSchema, "\(path)[\(index)]", &found) }
            }
            if let minimum = s["minItems"]?.int, items.count < minimum { found.append("\(path): fewer than \(minimum) items") }
            if let maximum = s["maxItems"]?.int, items.count > maximum { found.append("\(path): more than \(maximum) items") }
        case .number(let number):
            if let minimum = s["minimum"]?.double, number < minimum { found.append("\(path): \(number) < minimum \(minimum)") }
            if let maximum = s["maximum"]?.double, number > maximum { found.append("\(path): \(number) > maximum \(maximum)") }
            if let minimum = s["exclusiveMinimum"]?.double, number <= minimum {
                found.append("\(path): \(number) ≤ exclusive minimum \(minimum)")
            }
            if let maximum = s["exclusiveMaximum"]?.double, number >= maximum {
                found.append("\(path): \(number) ≥ exclusive maximum \(maximum)")
            }
        case .string(let string):
            let length = string.unicodeScalars.count
            if let minimum = s["minLength"]?.int, length < minimum { found.append("\(path): shorter than \(minimum)") }
            if let maximum = s["maxLength"]?.int, length > maximum { found.append("\(path): longer than \(maximum)") }
            if let pattern = s["pattern"]?.string, !Self.matches(string, pattern) {
                found.append("\(path): \(string.debugDescription) does not match \(pattern)")
            }
            if let format = s["format"]?.string, !Self.has(string, format: format) {
                found.append("\(path): \(string.debugDescription) is not a \(format)")
            }
            if s["contentMediaType"]?.string == "application/json", let contentSchema = s["contentSchema"] {
                if let embedded = try? JSON(data: Data(string.utf8)) {
                    check(embedded, contentSchema, "\(path)<json>", &found)
                } else {
                    found.append("\(path): not JSON: \(string.prefix(200).debugDescription)")
                }
            }
        default:
            break
        }
    }

    static func has(_ value: JSON, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object), ("number", .number): true
        case ("integer", .number(let n)): n.rounded() == n
        default: false
        }
    }

    /// ECMA-262 semantics for the patterns the document uses: `$` only at the very end (ICU's `$` also
    /// matches before a final newline, so the test anchors with `\z` instead).
    static func matches(_ string: String, _ pattern: String) -> Bool {
        let anchored = pattern.hasSuffix("$") ? String(pattern.dropLast()) + #"\z"# : pattern
        return string.range(of: anchored, options: .regularExpression) != nil
    }

    static func has(_ string: String, format: String) -> Bool {
        switch format {
        case "uuid": UUID(uuidString: string) != nil && string.count == 36
        case "date": matches(string, #"^\d{4}-\d{2}-\d{2}$"#) && string.allSatisfy(\.isASCII)
        case "date-time":
            matches(string, #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#) && string.allSatisfy(\.isASCII)
        default: true
        }
    }
}

extension Data {
    var utf8String: String { String(decoding: self, as: UTF8.self) }
}
