import Foundation
import Glibc
import NIOCore
import NIOPosix
import Testing

/// The built `strideiq` executable, run as a child process (the command tree and the process lifecycle are
/// only observable from outside: exit codes, signals, files left behind).
struct ChildProcess {
    let process: Process
    let output: URL

    /// The `strideiq` binary next to the test bundle (`swift build --build-tests` builds both).
    static var strideiq: URL {
        get throws {
            let candidates = [
                URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                Bundle.main.bundleURL,
                Bundle.main.bundleURL.deletingLastPathComponent(),
            ].map { $0.appendingPathComponent("strideiq") }
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
                throw ChildProcessError(
                    message: "no strideiq binary next to the tests (looked in \(candidates.map(\.path))); run `swift build --build-tests`")
            }
            return found
        }
    }

    /// `strideiq arguments…` with exactly `environment`, in `directory`, not started yet.
    private static func process(_ arguments: [String], environment: [String: String], directory: URL) throws -> Process {
        let process = Process()
        process.executableURL = try strideiq
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = directory
        return process
    }

    /// Starts it; stdout and stderr go to a log file (`log`).
    static func start(_ arguments: [String], environment: [String: String], directory: URL) throws -> ChildProcess {
        let process = try process(arguments, environment: environment, directory: directory)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("strideiq-child-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return ChildProcess(process: process, output: output)
    }

    /// Runs to completion (bounded) and returns the exit status with what it printed on each stream.
    static func run(
        _ arguments: [String], environment: [String: String] = [:], directory: URL,
        timeout: Duration = .seconds(30)
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        let process = try process(arguments, environment: environment, directory: directory)
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        guard try await waitForExit(process, timeout: timeout) else {
            process.terminate()
            throw ChildProcessError(message: "strideiq \(arguments.joined(separator: " ")) did not exit within \(timeout)")
        }
        let out = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let err = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, out, err)
    }

    /// Polls until the process has exited; false if it is still running after `timeout`.
    func waitForExit(timeout: Duration) async throws -> Bool {
        try await Self.waitForExit(process, timeout: timeout)
    }

    private static func waitForExit(_ process: Process, timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline { return false }
            try await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    func signal(_ number: Int32) { Glibc.kill(process.processIdentifier, number) }

    var log: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    /// Stops it for good (tests call this on every path).
    func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: output)
    }
}

struct ChildProcessError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// A free loopback port (bound once and released; the child binds it a moment later).
func freeLoopbackPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress?.port
    try await channel.close()
    guard let port else { throw ChildProcessError(message: "no port bound") }
    return port
}

/// A new empty directory under the temporary directory.
func makeEmptyDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("strideiq-empty-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
