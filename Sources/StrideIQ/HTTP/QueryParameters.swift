import StrideIQCore
import Vapor

extension FieldValidator {
    /// The integer query parameter `name` when it is sent and within `range`; any other value is recorded as a
    /// problem (so every bad parameter of a request is reported at once) and gives nil.
    mutating func integer(_ query: any URLQueryContainer, _ name: String, in range: ClosedRange<Int>) -> Int? {
        guard let raw = query[String.self, at: name] else { return nil }
        guard let value = Int(raw), range.contains(value) else {
            fail(name, "must be an integer between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return value
    }
}
