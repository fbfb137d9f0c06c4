import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A `redis-server` child process on a free loopback port, for tests that break the cache on purpose: kill it
/// (a crash), start it again empty on the same port (no persistence), or pause it (SIGSTOP: hung, not down).
/// Call `stop()` in a `defer`: it resumes and kills the process, so a failed test never leaves one behind.
final class ChildRedisServer: Sendable {
    static let executable: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/redis-server" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    let port: Int
    private let directory: URL
    private let process = NIOLockedValueBox<Process?>(nil)
    var url: String { "redis://127.0.0.1:\(port)/0" }

    private init(port: Int, directory: URL) {
        self.port = port
        self.directory = directory
    }

    static func start() async throws -> ChildRedisServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("test-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for _ in 0..<5 {
            // The port may be taken again before redis binds it: then try another.
            let server = ChildRedisServer(port: try await freePort(), directory: directory)
            if (try? await server.restart()) != nil { return server }
            server.kill()
        }
        try? FileManager.default.removeItem(at: directory)
        throw Failure("redis-server did not start")
    }

    /// Starts it (again) on the same port, empty, and waits until it answers PING.
    func restart() async throws {
        kill()
        guard let executable = Self.executable else { throw Failure("redis-server is not installed") }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--dir", directory.path,
        ]
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        child.standardInput = FileHandle.nullDevice
        try child.run()
        process.withLockedValue { $0 = child }
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline, child.isRunning {
            if await Self.answersPing(port: port) { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw Failure("redis-server on port \(port) did not start")
    }

    /// SIGKILL, like a crash.
    func kill() {
        let taken = process.withLockedValue { current -> Process? in
            let child = current
            current = nil
            return child
        }
        guard let child = taken else { return }
        Foundation.kill(child.processIdentifier, SIGCONT)
        Foundation.kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
    }

    /// SIGSTOP: connects still succeed (the kernel's backlog), commands are never answered.
    func pause() { signal(SIGSTOP) }
    func resume() { signal(SIGCONT) }

    func stop() {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    private func signal(_ number: Int32) {
        if let pid = process.withLockedValue({ $0?.processIdentifier }) { Foundation.kill(pid, number) }
    }

    private static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close()
        return port
    }

    private static func answersPing(port: Int) async -> Bool {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(200))
                .connect(host: "127.0.0.1", port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            return try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(string: "PING\r\n"))
                for try await chunk in inbound { return String(buffer: chunk).hasPrefix("+PONG") }
                return false
            }
        } catch {
            return false
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
