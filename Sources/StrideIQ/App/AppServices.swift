import Vapor
import StrideIQCore

/// The app-wide collaborators `configure` builds once. Handlers reach them through `Application`.
struct AppServices: Sendable {
    let config: AppConfig
    let cache: any SharedCache
    let tokenService: TokenService
    let loginGuard: LoginGuard
    /// The clock; tests inject a controllable one.
    let now: @Sendable () -> Date
    let athleteWriteLock: AthleteWriteLock
    /// bcrypt hash of a random secret at the configured cost, verified against for unknown emails.
    let dummyPasswordHash: String
}

extension Application {
    private struct ServicesKey: StorageKey { typealias Value = AppServices }

    var strideIQ: AppServices {
        get {
            guard let services = storage[ServicesKey.self] else { fatalError("configure(_:) has not run") }
            return services
        }
        set { storage[ServicesKey.self] = newValue }
    }

    var config: AppConfig { strideIQ.config }
    var cache: any SharedCache { strideIQ.cache }
    var tokenService: TokenService { strideIQ.tokenService }
    var loginGuard: LoginGuard { strideIQ.loginGuard }
    var athleteWriteLock: AthleteWriteLock { strideIQ.athleteWriteLock }
    func now() -> Date { strideIQ.now() }
}
