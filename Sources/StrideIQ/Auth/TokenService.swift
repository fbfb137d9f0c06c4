import Crypto
import Fluent
import JWT
import SQLKit
import StrideIQCore
import StrideIQSupport
import Vapor

/// Issues access tokens and rotating refresh tokens, and revokes them.
struct TokenService: Sendable {
    let accessTTL: TimeInterval
    let refreshTTL: TimeInterval
    /// How long after a rotation the rotated refresh token still answers with its successor
    /// (`REFRESH_REUSE_GRACE_SECONDS`); 0 turns the grace off.
    let reuseGrace: TimeInterval
    /// Derives each refresh token's successor from it (`successor(of:)`); derived from `SECRET_KEY`.
    let successorKey: SymmetricKey
    /// Access tokens whose header and signature this process has already checked, with their claims
    /// (`verifyAccessTokenSignature`). The same token comes back on every request of its 15 minutes, and checking
    /// it (two JSON parses and an HMAC) cost as much as the rest of the authentication. Keyed by the whole token:
    /// any other string, a single changed byte of the signature included, is checked in full. Expiry and
    /// revocation are still checked on every request. 10,000 tokens is a few megabytes.
    let verifiedAccessTokens = Memo<String, String, AccessClaims>(capacity: 10_000)
    let now: @Sendable () -> Date

    init(
        accessTTL: TimeInterval, refreshTTL: TimeInterval, reuseGrace: TimeInterval, secret: String,
        now: @escaping @Sendable () -> Date
    ) {
        self.accessTTL = accessTTL
        self.refreshTTL = refreshTTL
        self.reuseGrace = reuseGrace
        // A key of its own, so a successor is never the HMAC the access tokens are signed with.
        successorKey = SymmetricKey(
            data: HMAC<SHA256>.authenticationCode(
                for: Data("strideiq refresh-token successor v1".utf8), using: SymmetricKey(data: Data(secret.utf8))))
        self.now = now
    }

    struct Issued: Sendable {
        let accessToken: String
        let refreshToken: String
        let expiresIn: Int
    }

    /// Starts a new session (a new refresh-token family) for a login or a registration.
    func startSession(for athlete: Athlete, keys: JWTKeyCollection, on db: any Database) async throws -> Issued {
        let refresh = Self.newOpaqueToken()
        let family = UUID()
        try await Self.store(
            Self.hash(refresh), athleteID: athlete.id!, familyID: family, expiresAt: now().addingTimeInterval(refreshTTL), on: db)
        return try await issue(for: athlete, familyID: family, refresh: refresh, keys: keys)
    }

    /// Exchanges a refresh token for a new pair; presenting an already-rotated token revokes the whole family,
    /// except inside the grace window.
    ///
    /// The grace window: two tabs (or a retry after a lost response) may present the same token at once. The
    /// first rotates it; the other, within `reuseGrace` of that rotation, gets the same successor (and an access
    /// token of its own), so both end up on one live session instead of the second killing it. The successor
    /// can be handed out again because it is not random: it is `successor(of:)` the presented token, an HMAC
    /// under a server-side key. Only hashes are stored, so nothing on disk can produce a successor, and knowing
    /// a token does not give its successor without the key. A stolen token presented inside the window gets
    /// nothing a thief racing the owner would not have got anyway; after the window it is a reuse, as before.
    ///
    /// The whole decision runs in one `write(athlete:)`: concurrent refreshes (and logouts) of one athlete take
    /// turns, so the second one reads the rotation and the successor the first one committed.
    func refresh(_ presented: String, keys: JWTKeyCollection, on db: any Database, logger: Logger) async throws
        -> (Athlete, Issued)
    {
        let hash = Self.hash(presented)
        guard let found = try await RefreshToken.query(on: db).filter(\.$tokenHash == hash).first() else {
            throw Self.invalidRefresh
        }
        let successor = successor(of: presented)
        let now = now()
        let grace = reuseGrace
        let outcome: RefreshOutcome = try await db.write(athlete: found.$athlete.id) { tx in
            guard let token = try await RefreshToken.find(found.id, on: tx) else { return .refused }
            if token.revokedAt == nil {
                guard token.expiresAt > now else { return .refused }
                token.revokedAt = now
                token.revokedReason = "rotated"
                try await token.update(on: tx)
                try await Self.store(
                    Self.hash(successor), athleteID: token.$athlete.id, familyID: token.familyID,
                    expiresAt: now.addingTimeInterval(refreshTTL), on: tx)
                return .rotated(token.familyID)
            }
            guard token.revokedReason == "rotated" else { return .refused }
            if let rotatedAt = token.revokedAt, now.timeIntervalSince(rotatedAt) <= grace,
                let next = try await RefreshToken.query(on: tx).filter(\.$tokenHash == Self.hash(successor)).first(),
                next.familyID == token.familyID, next.revokedAt == nil, next.expiresAt > now
            {
                return .rotated(token.familyID)
            }
            try await Self.revokeFamily(token.familyID, reason: "reuse_detected", at: now, on: tx)
            return .reuse
        }
        switch outcome {
        case .rotated(let family):
            guard let athlete = try await Athlete.find(found.$athlete.id, on: db) else { throw Self.invalidRefresh }
            return (athlete, try await issue(for: athlete, familyID: family, refresh: successor, keys: keys))
        case .reuse:
            logger.warning("refresh token reuse detected; revoking the session", metadata: ["athlete_id": "\(found.$athlete.id)"])
            throw Self.invalidRefresh
        case .refused:
            throw Self.invalidRefresh
        }
    }

    private enum RefreshOutcome: Sendable {
        case rotated(UUID)
        case reuse
        case refused
    }

    /// The refresh token that replaces `token` when it is rotated: HMAC-SHA256 under `successorKey`, URL-safe.
    func successor(of token: String) -> String {
        Self.base64URL(Data(HMAC<SHA256>.authenticationCode(for: Data(token.utf8), using: successorKey)))
    }

    /// Ends a session: its refresh-token family, and (when known) the access token used to ask.
    ///
    /// The access token's revocation is written to the database (`revoked_access_tokens`) before anything else:
    /// if it cannot be recorded the logout fails (503) rather than answer 204 with a token that still works.
    func logout(refreshToken: String?, accessClaims: AccessClaims?, on db: any Database, logger: Logger) async throws {
        var family: UUID?
        var athleteID: UUID?
        if let refreshToken {
            let token = try await unavailableOnFailure(logger) {
                try await RefreshToken.query(on: db).filter(\.$tokenHash == Self.hash(refreshToken)).first()
            }
            guard let token, token.revokedAt == nil || token.revokedReason == "logout" else { throw Self.invalidRefresh }
            family = token.familyID
            athleteID = token.$athlete.id
        }
        if let claims = accessClaims {
            if family == nil { family = UUID(uuidString: claims.sid) }
            if athleteID == nil { athleteID = UUID(uuidString: claims.sub.value) }
            try await unavailableOnFailure(logger) { try await revokeAccessToken(claims, on: db) }
        }
        guard let family, let athleteID else { throw APIError.unauthenticated }
        let now = now()
        try await unavailableOnFailure(logger) {
            try await db.write(athlete: athleteID) { tx in try await Self.revokeFamily(family, reason: "logout", at: now, on: tx) }
        }
    }

    /// Records a logged-out access token until it would have expired anyway, and drops the records of tokens
    /// that have expired since (an indexed range delete; logouts are rare, so this keeps the table small
    /// without a job of its own).
    func revokeAccessToken(_ claims: AccessClaims, on db: any Database) async throws {
        let now = now()
        guard claims.exp.value > now else { return }
        let sql = db as! any SQLDatabase
        try await sql.insert(into: Self.revokedTable)
            .columns("jti", "expires_at")
            .values(SQLBind(claims.jti.value), SQLBind(claims.exp.value))
            .ignoringConflicts(with: "jti")
            .run()
        try await sql.delete(from: Self.revokedTable).where("expires_at", .lessThan, SQLBind(now)).run()
    }

    /// Whether the access token `jti` was logged out: one primary-key lookup. The hot path does not call this;
    /// `AthleteAuthenticator` folds the same check into the athlete lookup it makes anyway (`activeAthlete`).
    /// Revocations live only in the database, not the shared cache, so a cache outage or a cache restarted empty
    /// cannot bring a token back.
    func isAccessTokenRevoked(jti: String, on db: any Database) async throws -> Bool {
        try await (db as! any SQLDatabase).select().column(SQLLiteral.numeric("1")).from(Self.revokedTable)
            .where("jti", .equal, SQLBind(jti)).first() != nil
    }

    static let revokedTable = "revoked_access_tokens"

    /// Runs a write the caller must not report as done unless it happened: any database failure becomes the 503
    /// `database_unavailable` (with `Retry-After`), not only the outages `APIErrorMiddleware` recognises, since a
    /// refused write (a full disk, a read-only failover) would otherwise be a 500 (an `APIError` passes through).
    private func unavailableOnFailure<T>(_ logger: Logger, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as APIError {
            throw error
        } catch {
            logger.error("logout not recorded: database unavailable", metadata: ["error": "\(String(reflecting: error))"])
            throw APIError(
                .serviceUnavailable, code: .databaseUnavailable, detail: "The logout could not be recorded; retry shortly",
                headers: ["Retry-After": "5"])
        }
    }

    private static func revokeFamily(_ family: UUID, reason: String, at now: Date, on db: any Database) async throws {
        try await RefreshToken.query(on: db)
            .filter(\.$familyID == family)
            .filter(\.$revokedAt == nil)
            .set(\.$revokedAt, to: now)
            .set(\.$revokedReason, to: reason)
            .update()
    }

    private static func store(_ hash: String, athleteID: UUID, familyID: UUID, expiresAt: Date, on db: any Database) async throws {
        try await RefreshToken(athleteID: athleteID, familyID: familyID, tokenHash: hash, expiresAt: expiresAt).create(on: db)
    }

    private func issue(for athlete: Athlete, familyID: UUID, refresh: String, keys: JWTKeyCollection) async throws -> Issued {
        let issuedAt = Date(timeIntervalSince1970: now().timeIntervalSince1970.rounded(.down))  // NumericDate: whole seconds
        let claims = AccessClaims(
            sub: .init(value: athlete.id!.uuidString),
            role: athlete.role.rawValue,
            iat: .init(value: issuedAt),
            exp: .init(value: issuedAt.addingTimeInterval(accessTTL)),
            jti: .init(value: UUID().uuidString),
            sid: familyID.uuidString)
        return Issued(accessToken: try await keys.sign(claims), refreshToken: refresh, expiresIn: Int(accessTTL))
    }

    static let invalidRefresh = APIError(
        .unauthorized, code: .invalidRefreshToken,
        detail: "The refresh token is invalid, expired or revoked")

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// 256 random bits, URL-safe.
    static func newOpaqueToken() -> String {
        base64URL(Data((0..<32).map { _ in UInt8.random(in: .min ... .max) }))
    }

    private static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
