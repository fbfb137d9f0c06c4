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

/// Refuses a query parameter given more than once (`?limit=5&limit=6`) or in array form (`?limit[]=5`,
/// `?since[a]=…`) with 422 naming it. Routes read one value per name, and the form decoder would silently
/// keep one of the repeats, or drop the array form as if the parameter were absent; either way the request
/// would be answered as something it did not say. Applies to the API (`/v1/…`), not the web app's pages.
/// Checked by `EdgeMiddleware` before any route runs.
enum StrictQuery {
    /// The 422 for `request`'s query, if it has a repeated or array-form parameter.
    static func refusal(of request: Request) -> APIError? {
        // The query first: most requests have none, and Vapor's `path` getter copies the path to replace `%3B`.
        guard let query = request.url.query, request.url.path.hasPrefix("/v1/"), let problems = problems(in: query)
        else { return nil }
        return APIError.validation(problems)
    }

    /// Every repeated or array-form parameter of a raw query string, in order of first appearance; nil when
    /// there is none. Names are compared percent-decoded (`lim%69t` is `limit`), as the form decoder reads them.
    static func problems(in query: String) -> [FieldError]? {
        var seen = Set<String>()
        var reported = Set<String>()
        var problems: [FieldError] = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let rawName = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let spaced = rawName.replacingOccurrences(of: "+", with: " ")
            let name = spaced.removingPercentEncoding ?? spaced
            guard !name.isEmpty else { continue }
            if let bracket = name.firstIndex(of: "[") {
                let base = String(name[..<bracket])
                let field = base.isEmpty ? name : base
                if reported.insert(field).inserted {
                    problems.append(FieldError(field: field, message: "must be given once, as a single value (not as an array)"))
                }
            } else if !seen.insert(name).inserted, reported.insert(name).inserted {
                problems.append(FieldError(field: name, message: "is given more than once"))
            }
        }
        return problems.isEmpty ? nil : problems
    }
}
