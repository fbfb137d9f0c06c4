/// One problem with one input field, as reported in the `errors` list of a 422 response.
public struct FieldError: Sendable, Equatable, Codable {
    public let field: String
    public let message: String
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

/// Collects every problem with an input before answering, so a client learns them all at once.
public struct FieldValidator: Sendable {
    public private(set) var errors: [FieldError] = []
    public init() {}

    public mutating func fail(_ field: String, _ message: String) {
        errors.append(FieldError(field: field, message: message))
    }

    public mutating func check(_ condition: Bool, _ field: String, _ message: @autoclosure () -> String) {
        if !condition { fail(field, message()) }
    }

    public mutating func range<T: Comparable & Sendable>(_ value: T?, _ field: String, _ bounds: ClosedRange<T>) {
        guard let value else { return }
        if !bounds.contains(value) { fail(field, "must be between \(bounds.lowerBound) and \(bounds.upperBound)") }
    }

    /// Length in Unicode code points — what JSON Schema's `minLength`/`maxLength` (and so the OpenAPI document)
    /// count; `String.count` counts grapheme clusters, which would let a longer string through.
    public mutating func length(_ value: String?, _ field: String, _ bounds: ClosedRange<Int>) {
        guard let value else { return }
        let count = value.unicodeScalars.count
        if !bounds.contains(count) {
            if bounds.lowerBound > 0 && count < bounds.lowerBound {
                fail(field, bounds.lowerBound == 1 ? "must not be empty" : "must be at least \(bounds.lowerBound) characters")
            } else {
                fail(field, "must be at most \(bounds.upperBound) characters")
            }
        }
    }

    public var isValid: Bool { errors.isEmpty }
}
