import Vapor

/// The long-running process roles. `serve` runs everything in one process; the others run one part each and
/// need a shared cache (Redis) so that what one process writes, the others read.
public enum ProcessRole: String, CaseIterable, Sendable {
    case serve, api, coach, worker, scheduler

    /// Roles that run apart from the others and therefore need the shared cache.
    var isSplit: Bool { self != .serve }
    var servesHTTP: Bool { self == .serve || self == .api || self == .coach }
    var servesCoach: Bool { self == .serve || self == .coach }
    var runsWorker: Bool { self == .serve || self == .worker }
    var runsScheduler: Bool { self == .serve || self == .scheduler }
}

/// The route table: which feature's routes each HTTP role serves. `serve` has every route of the API, and
/// `OpenAPIDocument` describes exactly these (a test compares the two). `api` is everything but the coach;
/// `coach` is only the coach (plus health), so long-lived streams live in their own process and cannot slow
/// the core API. `worker` and `scheduler` serve no HTTP (with `METRICS_PORT`, only `/metrics`).
enum RouteTable {
    struct Entry: Sendable {
        let feature: String
        let roles: Set<ProcessRole>
        /// Behind `AthleteAuthenticator` (the bearer access token); routes still choose to require it.
        let authenticated: Bool
        /// The handlers run on their request's event loop (`EventLoopTaskExecutor`): for routes on the hot path
        /// whose handlers only await I/O and never compute for long. Only with `authenticated`.
        var onEventLoop = false
        let collection: @Sendable (Application) -> any RouteCollection
    }

    private static let everyHTTPRole: Set<ProcessRole> = [.serve, .api, .coach]
    private static let core: Set<ProcessRole> = [.serve, .api]

    static let entries: [Entry] = [
        Entry(feature: "health", roles: everyHTTPRole, authenticated: false) { _ in HealthRoutes() },
        Entry(feature: "openapi", roles: core, authenticated: false) { _ in OpenAPIController() },
        Entry(feature: "auth", roles: core, authenticated: false) { app in AuthRoutes(config: app.config) },
        Entry(feature: "athlete", roles: core, authenticated: true) { _ in AthleteRoutes() },
        Entry(feature: "activities", roles: core, authenticated: true) { _ in ActivityRoutes() },
        Entry(feature: "imports", roles: core, authenticated: true) { _ in ImportRoutes() },
        Entry(feature: "export", roles: core, authenticated: true) { _ in DataExportRoutes() },
        Entry(feature: "checkins", roles: core, authenticated: true) { _ in CheckinRoutes() },
        Entry(feature: "plans", roles: core, authenticated: true) { _ in PlanRoutes() },
        Entry(feature: "plan-generation", roles: core, authenticated: true) { _ in PlanGenerationRoutes() },
        Entry(feature: "plan-adaptation", roles: core, authenticated: true) { _ in PlanAdaptationRoutes() },
        Entry(feature: "home", roles: core, authenticated: true, onEventLoop: true) { _ in HomeRoutes() },
        Entry(feature: "analytics", roles: core, authenticated: true) { _ in AnalyticsRoutes() },
        Entry(feature: "coach", roles: [.serve, .coach], authenticated: true) { _ in CoachRoutes() },
    ]

    /// Registers the routes `role` serves.
    static func register(on app: Application, role: ProcessRole) throws {
        guard role.servesHTTP else { return }
        // With METRICS_PORT, /metrics lives only on that port (`StartStopService.metrics`).
        if app.config.metricsPort == nil { MetricsEndpoint.register(on: app) }
        for entry in entries where entry.roles.contains(role) {
            let routes = entry.authenticated ? app.authenticated(onEventLoop: entry.onEventLoop) : app
            try routes.register(collection: entry.collection(app))
        }
        if webRoles.contains(role) { try registerWebApp(on: app) }
    }

    /// The roles that serve the web app at `/` (the API's own process: the app calls it on the same origin).
    static let webRoles: Set<ProcessRole> = [.serve, .api]

    /// The web app's pages and assets (not API operations: the OpenAPI document leaves them out). A `WEB_DIR`
    /// without an `index.html` stops the boot; a binary that lost its bundled copy serves the API alone.
    private static func registerWebApp(on app: Application) throws {
        guard let directory = WebAssets.locate(configured: app.config.webDirectory) else {
            app.logger.error("web app files not found next to the binary: / will answer 404 (set WEB_DIR)")
            return
        }
        let assets = try WebAssets.load(from: directory)
        app.logger.debug(
            "web app loaded",
            metadata: ["directory": "\(assets.directory)", "version": "\(assets.version)", "files": "\(assets.files.count)"])
        try app.register(collection: WebRoutes(assets: assets))
    }
}

/// A split role with a process-local cache would write briefings and counters nobody else can read, so it
/// refuses to start before anything is built.
func requireSharedCache(_ config: AppConfig, role: ProcessRole) throws {
    guard role.isSplit, config.redisURL == nil else { return }
    throw RoleError(
        message: """
            strideiq \(role.rawValue) runs as a separate process and needs a shared cache: set REDIS_URL (the \
            in-memory cache is per process). To run everything in one process use `strideiq serve`.
            """)
}

struct RoleError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
