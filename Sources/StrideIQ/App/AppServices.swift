import LLM
import StrideIQCore
import StrideIQSupport
import Vapor

/// The app-wide collaborators `configure` builds once. Handlers reach them through `Application`.
///
/// A class, not a struct: handlers read these several times per request (`app.now()`, `app.tokenService`), and
/// reading a field of a struct kept in `Application.storage` copied the whole struct, a retain per field.
final class AppServices: Sendable {
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
    /// The task executors of the routes marked `onEventLoop` in `RouteTable`, one per event loop.
    let loopExecutors = EventLoopTaskExecutors()

    init(
        config: AppConfig,
        cache: any SharedCache,
        tokenService: TokenService,
        loginGuard: LoginGuard,
        now: @escaping @Sendable () -> Date,
        metrics: Metrics,
        coachProvider: any LLMProvider,
        jobQueue: JobQueue,
        briefings: BriefingService,
        briefingGenerator: BriefingGenerator,
        worker: JobWorker,
        jobListener: PostgresJobListener?,
        scheduler: BriefingScheduler,
        dummyPasswordHash: String,
        passwords: PasswordHashing
    ) {
        self.config = config
        self.cache = cache
        self.tokenService = tokenService
        self.loginGuard = loginGuard
        self.now = now
        self.metrics = metrics
        self.coachProvider = coachProvider
        self.jobQueue = jobQueue
        self.briefings = briefings
        self.briefingGenerator = briefingGenerator
        self.worker = worker
        self.jobListener = jobListener
        self.scheduler = scheduler
        self.dummyPasswordHash = dummyPasswordHash
        self.passwords = passwords
    }
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
    var metrics: Metrics { strideIQ.metrics }
    var briefings: BriefingService { strideIQ.briefings }
    var loopDatabases: LoopDatabases { strideIQ.loopDatabases }
    var loopExecutors: EventLoopTaskExecutors { strideIQ.loopExecutors }
    func now() -> Date { strideIQ.now() }
}
