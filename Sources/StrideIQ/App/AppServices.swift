import LLM
import StrideIQCore
import StrideIQSupport
import Vapor

/// The app-wide collaborators `configure` builds once. Handlers reach them through `Application`.
struct AppServices: Sendable {
    let config: AppConfig
    let cache: any SharedCache
    let tokenService: TokenService
    let loginGuard: LoginGuard
    /// The clock; tests inject a controllable one.
    let now: @Sendable () -> Date
    let metrics: Metrics
    /// The coach's provider (`COACH_LLM_*`), on the app's one LLM HTTP client.
    let coachProvider: any LLMProvider
    let jobQueue: JobQueue
    let briefings: BriefingService
    let briefingGenerator: BriefingGenerator
    /// Not started by `configure`: `serve` and `worker` run it (`StartStopService.worker`); tests drive `pollOnce()` themselves.
    let worker: JobWorker
    /// On Postgres, the LISTEN connection that wakes the worker (`JobListenerService`); nil on SQLite.
    let jobListener: PostgresJobListener?
    /// Not started by `configure`: `serve` and `scheduler` run it (`StartStopService.scheduler`).
    let scheduler: BriefingScheduler
    /// bcrypt hash of a random secret at the configured cost, verified against for unknown emails.
    let dummyPasswordHash: String
    /// bcrypt at a low CPU priority, at most `AppConfig.bcryptMaxConcurrency` checks at once (the rest queue in
    /// its gate).
    let passwords: PasswordHashing
    /// The authenticator's database handles, one per event loop.
    let loopDatabases = LoopDatabases()
}

extension Application {
    /// The services in a box, so that reading one of them (`app.tokenService`, `app.now()`, several times per
    /// request) copies that one field rather than the whole struct with a retain per field.
    private final class ServicesBox: Sendable {
        let services: AppServices
        init(_ services: AppServices) { self.services = services }
    }
    private struct ServicesKey: StorageKey { typealias Value = ServicesBox }

    private var servicesBox: ServicesBox {
        guard let box = storage[ServicesKey.self] else { fatalError("configure(_:) has not run") }
        return box
    }

    var strideIQ: AppServices {
        get { servicesBox.services }
        set { storage[ServicesKey.self] = ServicesBox(newValue) }
    }

    var config: AppConfig { servicesBox.services.config }
    var cache: any SharedCache { servicesBox.services.cache }
    var tokenService: TokenService { servicesBox.services.tokenService }
    var loginGuard: LoginGuard { servicesBox.services.loginGuard }
    var metrics: Metrics { servicesBox.services.metrics }
    var briefings: BriefingService { servicesBox.services.briefings }
    var loopDatabases: LoopDatabases { servicesBox.services.loopDatabases }
    func now() -> Date { servicesBox.services.now() }
}
