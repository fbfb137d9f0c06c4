import Fluent
import Logging
import Vapor

/// What the `strideiq` commands run. The command tree (`Sources/strideiq`) parses the arguments and prints
/// help without calling any of this; each function here reads the configuration (refusing to start on any
/// invalid setting, exit 78), builds the app through `configure` and does its one job.
public enum StrideIQProcess {
    /// `EX_CONFIG`: an invalid or missing setting.
    public static let configErrorExitCode: Int32 = 78

    /// A long-running role: boots the app, applies pending migrations when `AUTO_MIGRATE` is on, and runs the
    /// role's `ServiceGroup` until SIGTERM or SIGINT has shut it down gracefully (see `ProcessServices.swift`).
    public static func run(_ role: ProcessRole, hostname: String? = nil, port: Int? = nil) async -> Int32 {
        guard var config = loadConfig() else { return configErrorExitCode }
        if let hostname { config.host = hostname }
        if let port { config.port = port }
        do {
            try requireSharedCache(config, role: role)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            return 1
        }
        bootstrapLogging(config)
        return await withApp(config, role: role) { app in
            let files = OpenFileLimit.raiseToHardLimit()
            app.logger.info(
                "open file limit", metadata: ["soft": "\(files.soft)", "hard": "\(files.hard)", "raised": "\(files.raised)"])
            try await app.asyncBoot()
            if config.autoMigrate {
                try await app.autoMigrate()
                app.logger.info("database ready", metadata: ["database": "\(config.database.kind)"])
            }
            try await role.serviceGroup(app).run()
            app.logger.notice("stopped", metadata: ["role": "\(role.rawValue)"])
        }
    }

    /// `strideiq migrate [--revert]`: applies pending migrations (or reverts the last batch) without asking.
    public static func migrate(revert: Bool) async -> Int32 {
        guard let config = loadConfig() else { return configErrorExitCode }
        bootstrapLogging(config)
        return await withApp(config, role: .serve) { app in
            try await app.asyncBoot()
            if revert {
                try await app.autoRevert()
                print("Reverted the last migration batch.")
            } else {
                try await app.autoMigrate()
                print("Migrations are up to date (\(config.database.kind)).")
            }
        }
    }

    /// `strideiq seed-demo`: see `SeedDemo`.
    public static func seedDemo(_ options: SeedDemo.Options) async -> Int32 {
        guard let config = loadConfig() else { return configErrorExitCode }
        bootstrapLogging(config)
        return await withApp(config, role: .serve) { app in
            try await app.asyncBoot()
            print(try await SeedDemo.run(app, options))
        }
    }

    /// `strideiq routes`: the routes `role` serves, one `METHOD /path` per line. Reads no configuration and
    /// touches no file: the app is built with the defaults on an in-memory database it never opens.
    public static func routes(_ role: ProcessRole) async -> Int32 {
        var config = AppConfig()
        config.mode = .testing
        config.bcryptCost = 4
        config.database = .sqlite(path: ":memory:")
        return await withApp(config, role: role) { app in
            for route in app.routes.all {
                let path = "/" + route.path.map(\.description).joined(separator: "/")
                print("\(route.method.rawValue) \(path)")
            }
        }
    }

    static func loadConfig() -> AppConfig? {
        do {
            return try AppConfig.load(from: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            return nil
        }
    }

    static func bootstrapLogging(_ config: AppConfig) {
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler =
                config.logFormat == .json
                ? JSONLogHandler(label: label)
                : TextLogHandler(label: label)
            handler.logLevel = Logger.Level(rawValue: config.logLevel) ?? .info
            return handler
        }
    }

    /// Builds the app through `configure`, runs `body`, shuts the app down (database, cache and HTTP client
    /// close) and returns the exit code: 0, or 1 after logging what stopped it.
    static func withApp(_ config: AppConfig, role: ProcessRole, _ body: (Application) async throws -> Void) async -> Int32 {
        var environment: Environment =
            switch config.mode {
            case .production: .production
            case .testing: .testing
            case .development: .development
            }
        // Arguments were parsed by the command tree; Vapor must not parse them again.
        environment.arguments = ["strideiq"]
        let app: Application
        do {
            app = try await Application.make(environment)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            return 1
        }
        do {
            try await configure(app, config: config, role: role)
            try await body(app)
            try await app.asyncShutdown()
            return 0
        } catch {
            app.logger.critical("stopped: \(error)")
            try? await app.asyncShutdown()
            return 1
        }
    }
}
