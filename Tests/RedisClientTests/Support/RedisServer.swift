import Foundation
import NIOCore
import NIOPosix
import RedisClient

/// A real `redis-server` child process on a free loopback port, for integration tests.
///
/// Each test starts its own (they start in ~10 ms), so tests can run in parallel and may kill, restart or
/// reconfigure their server freely. Nothing is persisted (`--save '' --appendonly no`, a temporary `--dir`).
/// The process is killed by `stop()`, and by `deinit` as a backstop if a test fails before reaching it.
final class RedisServer {
    /// The `redis-server` binary on PATH, nil when not installed.
    static let executable: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/redis-server" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static var isInstalled: Bool { executable != nil }

    /// Major version from `redis-server --version` ("Redis server v=7.0.15 …"), nil if unknown.
    static let majorVersion: Int? = {
        guard let executable else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--version"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard let range = output.range(of: "v=") else { return nil }
        return Int(output[range.upperBound...].prefix { $0.isNumber })
    }()

    /// Redis ≥ 7: `EXPIRE … NX` and `--enable-debug-command`.
    static var isAtLeast7: Bool { (majorVersion ?? 0) >= 7 }

    let port: Int
    let extraArguments: [String]
    private let directory: URL
    private var process: Process?

    /// Generous timeouts, so that only the tests about timeouts (which set their own) see one on a loaded machine.
    var configuration: RedisConfiguration {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: port)
        configuration.connectTimeout = .seconds(2)
        configuration.commandTimeout = .seconds(2)
        return configuration
    }

    /// Starts a server; `arguments` are appended to the command line (e.g. `["--requirepass", "secret"]`).
    init(arguments: [String] = []) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        extraArguments = arguments
        // A port from the kernel can be taken again by the time redis binds it; retry on another.
        var lastError: (any Error)?
        for _ in 0..<5 {
            let candidate = try await Self.freePort()
            do {
                process = try await Self.launch(port: candidate, arguments: arguments, directory: directory)
                port = candidate
                return
            } catch {
                lastError = error
            }
        }
        throw lastError!
    }

    deinit {
        if let process, process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: directory)
    }

    /// SIGKILL, like a crashed server: clients see their connections reset.
    func kill() async {
        guard let process else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        await Self.waitForExit(process)
        self.process = nil
    }

    /// Starts the server again on the same port with the same arguments.
    func restart() async throws {
        await kill()
        process = try await Self.launch(port: port, arguments: extraArguments, directory: directory)
    }

    /// Stops the server for good. SIGKILL too: nothing is persisted, and Redis 7 can linger for seconds after
    /// a SIGTERM once a client has connected.
    func stop() async {
        await kill()
    }

    private static func launch(port: Int, arguments: [String], directory: URL) async throws -> Process {
        guard let executable else { throw TestFailure("redis-server is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments =
            [
                "--port", String(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no",
                "--dir", directory.path,
            ] + arguments
        let log = directory.appendingPathComponent("redis-\(port).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        process.standardOutput = logHandle
        process.standardError = logHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? logHandle.close()

        // Ready once it accepts a TCP connection and answers (PONG, or NOAUTH with --requirepass).
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            guard process.isRunning else { break }
            if await answers(port: port) { return process }
            try await Task.sleep(for: .milliseconds(10))
        }
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        await waitForExit(process)
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw TestFailure("redis-server on port \(port) did not start: \(output.suffix(500))")
    }

    private static func answers(port: Int) async -> Bool {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: port)
        configuration.connectTimeout = .milliseconds(200)
        configuration.commandTimeout = .milliseconds(500)
        guard let connection = try? await RedisConnection.connect(configuration: configuration) else { return false }
        let answered: Bool
        do {
            try await connection.ping()
            answered = true
        } catch RedisError.serverError {
            answered = true
        } catch {
            answered = false
        }
        await connection.close()
        return answered
    }

    private static func waitForExit(_ process: Process) async {
        while process.isRunning { try? await Task.sleep(for: .milliseconds(5)) }
    }

    /// A port the kernel just handed out for 127.0.0.1 and that is free again now.
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close()
        return port
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
