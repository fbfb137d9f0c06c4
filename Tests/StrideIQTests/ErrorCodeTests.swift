import Foundation
import Testing
import Vapor

@testable import StrideIQ

@Suite("One error-code vocabulary")
struct ErrorCodeTests {
    @Test func everyCodeIsUniqueSnakeCase() {
        let raw = ErrorCode.allCases.map(\.rawValue)
        #expect(Set(raw).count == raw.count, "duplicate raw values: \(raw)")
        for code in raw {
            let words = code.split(separator: "_", omittingEmptySubsequences: false)
            let snake =
                !words.isEmpty
                && words.allSatisfy { word in
                    !word.isEmpty && word.unicodeScalars.allSatisfy { ("a"..."z").contains($0) }
                }
            #expect(snake, "\(code) is not snake_case")
        }
    }

    @Test func theBodyCarriesTheRawString() throws {
        let error = APIError(.conflict, code: .duplicateActivity, detail: "d", extra: ["existing_activity_id": "x"])
        let body = ErrorBody(detail: error.detail, code: error.code, errors: nil, extra: error.extra)
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(body)) as? [String: String]
        #expect(object == ["detail": "d", "code": "duplicate_activity", "existing_activity_id": "x"])
    }

    @Test func statusOnlyErrorsGetTheirStatusCode() {
        #expect(ErrorCode(status: .notFound) == .notFound)
        #expect(ErrorCode(status: .methodNotAllowed) == .methodNotAllowed)
        #expect(ErrorCode(status: .badGateway) == .internalError)
        #expect(ErrorCode(status: .imATeapot) == .badRequest)
    }
}
