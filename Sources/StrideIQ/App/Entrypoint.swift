import Fluent
import Logging
import Vapor

/// What `strideiq` does: read the config (refusing to start on any invalid setting), set up logging,
/// build the app through `configure`, run the requested command.
public enum StrideIQMain {
    public static func run() async -> Int32 {
        let config: AppConfig
        do {
            config = try AppConfig.load(from: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            return 78 // EX_CONFIG
        }
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = config.logFormat == .json
                ? JSONLogHandler(label: label)
                : StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: config.logLevel) ?? .info
            return handler
        }
        let vaporEnvironment: Environment = switch config.mode {
        case .production: .production
        case .testing: .testing
        case .development: .development
        }
        var environment = vaporEnvironment
        environment.arguments = CommandLine.arguments
        let role = ProcessRole.fromCommandLine(CommandLine.arguments)
        do {
            let app = try await Application.make(environment)
            do {
                try await configure(app, config: config, role: role ?? .serve)
                if let role, role.isSplit { try requireSharedCache(app, role: role.rawValue) }
                registerCommands(app, config: config, role: role)
                try await app.execute()
                try await app.asyncShutdown()
            } catch {
                app.logger.critical("stopped: \(String(reflecting: error))")
                try? await app.asyncShutdown()
                return 1
            }
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            return 1
        }
        return 0
    }

    static func registerCommands(_ app: Application, config: AppConfig, role: ProcessRole?) {
        app.asyncCommands.use(MigrateCommand(), as: "migrate")
        app.asyncCommands.use(SeedDemoCommand(), as: "seed-demo")
        app.asyncCommands.use(WorkerCommand(), as: "worker")
        app.asyncCommands.use(SchedulerCommand(), as: "scheduler")
        // The HTTP roles are Vapor's serve command under the role's name (same flags: --hostname, --port).
        app.asyncCommands.use(app.servers.command, as: "api")
        app.asyncCommands.use(app.servers.command, as: "coach")
        if config.autoMigrate && role != nil {
            app.lifecycle.use(AutoMigrate())
        }
        if role == .serve {
            app.lifecycle.use(InProcessBackground())
        }
        // Long-running roles only: `migrate` or `seed-demo` must not take the port of a running process.
        if role != nil, let port = config.metricsPort {
            app.lifecycle.use(MetricsServer(host: config.metricsHost ?? config.host, port: port))
        } else if role == .worker || role == .scheduler {
            app.logger.notice("no /metrics for this role: set METRICS_PORT to serve it", metadata: ["role": "\(role?.rawValue ?? "")"])
        }
    }
}

/// Applies pending migrations as the app boots (embedded default; production runs `strideiq migrate`).
struct AutoMigrate: LifecycleHandler {
    func willBootAsync(_ app: Application) async throws {
        try await app.autoMigrate()
        app.logger.info("database ready", metadata: ["database": "\(app.config.database.kind)"])
    }
}

/// `strideiq migrate`: applies pending migrations without asking (for deploy scripts), `--revert` undoes
/// the last batch.
struct MigrateCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "revert", help: "Revert the last batch of migrations")
        var revert: Bool
    }
    var help: String { "Apply pending database migrations" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        if signature.revert {
            try await app.autoRevert()
            context.console.print("Reverted the last migration batch.")
        } else {
            try await app.autoMigrate()
            context.console.print("Migrations are up to date (\(app.config.database.kind)).")
        }
    }
}
