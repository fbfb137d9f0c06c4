import Foundation
import StrideIQCore

struct RegisterBody: RequestBody {
    let email: String
    let password: String
    let displayName: String?
    let timezone: String?
    let units: Units?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case email, password, timezone, units
        case displayName = "display_name"
    }
    /// The original accepted an invite/race code; we keep accepting (and ignoring) it.
    static var ignoredFields: Set<String> { ["race_code"] }

    func validate(into v: inout FieldValidator) {
        v.check(EmailRules.isValid(email), "email", "must be a valid email address")
        for problem in PasswordPolicy.problems(password: password, email: email) { v.fail("password", problem) }
        v.length(displayName, "display_name", Limits.displayName)
        if let timezone { v.check(TimeZoneRules.isValid(timezone), "timezone", "must be an IANA time zone such as Europe/Paris") }
    }
}

struct LoginBody: RequestBody {
    let email: String
    let password: String
    enum CodingKeys: String, CodingKey, CaseIterable { case email, password }
    /// Loose on purpose: a login only has to be checkable, not valid under today's rules.
    static let emailLength = 1...Limits.email.upperBound
    static let passwordLength = 1...1024
    func validate(into v: inout FieldValidator) {
        v.length(email, "email", Self.emailLength)
        v.length(password, "password", Self.passwordLength)
    }
}

struct RefreshBody: RequestBody {
    let refreshToken: String
    enum CodingKeys: String, CodingKey, CaseIterable { case refreshToken = "refresh_token" }
    static let tokenLength = 1...512
    func validate(into v: inout FieldValidator) { v.length(refreshToken, "refresh_token", Self.tokenLength) }
}

struct LogoutBody: RequestBody {
    let refreshToken: String?
    enum CodingKeys: String, CodingKey, CaseIterable { case refreshToken = "refresh_token" }
    func validate(into v: inout FieldValidator) { v.length(refreshToken, "refresh_token", RefreshBody.tokenLength) }
}

/// The original's token response plus `refresh_token`, which is `null` for the web app: its refresh token
/// goes into an HttpOnly cookie instead (`WebSessionCookie`), out of reach of any script.
struct TokenResponse: Encodable, Sendable {
    let accessToken: String
    let tokenType = "bearer"
    let expiresIn: Int
    @Nullable var refreshToken: String?
    let athlete: AthleteDTO

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token", tokenType = "token_type", expiresIn = "expires_in"
        case refreshToken = "refresh_token", athlete
    }

    init(_ issued: TokenService.Issued, athlete: Athlete, refreshTokenInCookie: Bool = false) {
        accessToken = issued.accessToken
        expiresIn = issued.expiresIn
        refreshToken = refreshTokenInCookie ? nil : issued.refreshToken
        self.athlete = AthleteDTO(athlete)
    }
}

enum EmailRules {
    /// Deliberately simple: one @, something before it, a dot in the domain, no spaces. Delivery proves the rest.
    /// Read code point by code point, like the pattern in the OpenAPI document (`OpenAPIDocument.emailPattern`).
    static func isValid(_ email: String) -> Bool {
        let scalars = email.unicodeScalars
        guard Limits.email.contains(scalars.count), !scalars.contains(where: \.properties.isWhitespace) else { return false }
        let parts = scalars.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else { return false }
        // A dot in the domain, and no empty label: no leading, trailing or double dot.
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty }
    }

    static func normalize(_ email: String) -> String { email.trimmingCharacters(in: .whitespaces).lowercased() }
}
