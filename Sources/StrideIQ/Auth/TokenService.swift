import Fluent
import JWT
import SQLKit
import StrideIQCore
import Vapor

/// Issues access tokens and rotating refresh tokens, and revokes them.
struct TokenService: Sendable {
    let accessTTL: TimeInterval
    let refreshTTL: TimeInterval
    let cache: any SharedCache
    let now: @Sendable () -> Date

    struct Issued: Sendable {
        let accessToken: String
        let refreshToken: String
        let expiresIn: Int
    }

    /// Starts a new session (a new refresh-token family) for a login or a registration.
    func startSession(for athlete: Athlete, keys: JWTKeyCollection, on db: any Database) async throws -> Issued {
        try await issue(for: athlete, familyID: UUID(), keys: keys, on: db)
    }

    /// Exchanges a refresh token for a new pair. The presented token is consumed atomically (only one of two
    /// concurrent refreshes wins); presenting an already-rotated token revokes the whole family.
    func refresh(_ presented: String, keys: JWTKeyCollection, on db: any Database, logger: Logger) async throws
        -> (Athlete, Issued)
    {
        let hash = Self.hash(presented)
        guard let token = try await RefreshToken.query(on: db).filter(\.$tokenHash == hash).first() else {
            throw Self.invalidRefresh
        }
        if token.revokedAt != nil {
            if token.revokedReason == "rotated" {
                logger.warning("refresh token reuse detected; revoking the session", metadata: ["athlete_id": "\(token.$athlete.id)"])
                try await revokeFamily(token.familyID, reason: "reuse_detected", on: db)
            }
            throw Self.invalidRefresh
        }
        guard token.expiresAt > now() else { throw Self.invalidRefresh }
        let sql = db as! any SQLDatabase
        let consumed = try await sql.update(RefreshToken.schema)
            .set("revoked_at", to: SQLBind(now()))
            .set("revoked_reason", to: SQLBind("rotated"))
            .where("id", .equal, SQLBind(token.id!))
            .where("revoked_at", .is, SQLLiteral.null)
            .returning("id")
            .all()
        guard !consumed.isEmpty else {
            // Someone else rotated it between our read and write: that is a reuse too.
            try await revokeFamily(token.familyID, reason: "reuse_detected", on: db)
            throw Self.invalidRefresh
        }
        guard let athlete = try await Athlete.find(token.$athlete.id, on: db) else { throw Self.invalidRefresh }
        return (athlete, try await issue(for: athlete, familyID: token.familyID, keys: keys, on: db))
    }

    /// Ends a session: its refresh-token family, and (when known) the access token used to ask.
    func logout(refreshToken: String?, accessClaims: AccessClaims?, on db: any Database) async throws {
        var family: UUID?
        if let refreshToken {
            let token = try await RefreshToken.query(on: db).filter(\.$tokenHash == Self.hash(refreshToken)).first()
            guard let token, token.revokedAt == nil || token.revokedReason == "logout" else { throw Self.invalidRefresh }
            family = token.familyID
        }
        if let claims = accessClaims {
            if family == nil { family = UUID(uuidString: claims.sid) }
            await revokeAccessToken(claims)
        }
        guard let family else { throw APIError.unauthenticated }
        try await revokeFamily(family, reason: "logout", on: db)
    }

    /// Revoked access tokens are remembered in the shared cache until they would have expired anyway.
    func revokeAccessToken(_ claims: AccessClaims) async {
        let remaining = claims.exp.value.timeIntervalSince(now())
        guard remaining > 0 else { return }
        try? await cache.set("revoked_jti:\(claims.jti.value)", "1", ttl: .seconds(Int(remaining.rounded(.up))))
    }

    /// A cache outage does not lock everyone out: the check fails open (logged), as the README says.
    func isAccessTokenRevoked(jti: String, logger: Logger) async -> Bool {
        do {
            return try await cache.get("revoked_jti:\(jti)") != nil
        } catch {
            logger.warning("revoked-token check skipped: cache unavailable", metadata: ["error": "\(error)"])
            return false
        }
    }

    private func revokeFamily(_ family: UUID, reason: String, on db: any Database) async throws {
        try await RefreshToken.query(on: db)
            .filter(\.$familyID == family)
            .filter(\.$revokedAt == nil)
            .set(\.$revokedAt, to: now())
            .set(\.$revokedReason, to: reason)
            .update()
    }

    private func issue(for athlete: Athlete, familyID: UUID, keys: JWTKeyCollection, on db: any Database) async throws -> Issued {
        let issuedAt = Date(timeIntervalSince1970: now().timeIntervalSince1970.rounded(.down))  // NumericDate: whole seconds
        let claims = AccessClaims(
            sub: .init(value: athlete.id!.uuidString),
            role: athlete.role.rawValue,
            iat: .init(value: issuedAt),
            exp: .init(value: issuedAt.addingTimeInterval(accessTTL)),
            jti: .init(value: UUID().uuidString),
            sid: familyID.uuidString)
        let access = try await keys.sign(claims)
        let refresh = Self.newOpaqueToken()
        try await RefreshToken(
            athleteID: athlete.id!, familyID: familyID, tokenHash: Self.hash(refresh),
            expiresAt: issuedAt.addingTimeInterval(refreshTTL)
        ).create(on: db)
        return Issued(accessToken: access, refreshToken: refresh, expiresIn: Int(accessTTL))
    }

    static let invalidRefresh = APIError(
        .unauthorized, code: .invalidRefreshToken,
        detail: "The refresh token is invalid, expired or revoked")

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// 256 random bits, URL-safe.
    static func newOpaqueToken() -> String {
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
