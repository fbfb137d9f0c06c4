import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the operating system says about this process right now, for the `process_*` metrics (the names
/// Prometheus' own clients use, so existing dashboards and alerts work unchanged).
///
/// CPU time and the descriptor limit come from `getrusage`/`getrlimit` everywhere; memory, open descriptors
/// and the start time come from `/proc`, so they are `nil` where there is none (macOS development builds).
struct ProcessStats: Sendable, Equatable {
    /// User + system CPU time since the process started.
    var cpuSeconds: Double
    var residentBytes: Double?
    var virtualBytes: Double?
    var openFDs: Double?
    /// The soft limit on open descriptors (what `open` runs into).
    var maxFDs: Double?
    /// Seconds since the Unix epoch.
    var startTime: Double?

    static func current() -> ProcessStats {
        var stats = ProcessStats(cpuSeconds: cpuSeconds(), maxFDs: maxFDs())
        #if os(Linux)
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8), let fields = statFields(stat) {
            stats.virtualBytes = fields.virtualBytes
            stats.residentBytes = fields.residentPages * Double(sysconf(Int32(_SC_PAGESIZE)))
        }
        stats.openFDs = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")).map { Double($0.count) }
        stats.startTime = startTime
        #endif
        return stats
    }

    private static func cpuSeconds() -> Double {
        var usage = rusage()
        #if os(Linux)
        let who = __rusage_who_t(RUSAGE_SELF.rawValue)
        #else
        let who = RUSAGE_SELF
        #endif
        guard getrusage(who, &usage) == 0 else { return 0 }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    private static func maxFDs() -> Double? {
        var limit = rlimit()
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        // "Unlimited" is the largest value (Linux) or Int64.max (Darwin): no number to report.
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur < rlim_t(Int64.max) else { return nil }
        return Double(limit.rlim_cur)
    }

    /// The fields of `/proc/self/stat` used here. The command name (field 2) is in parentheses and may itself
    /// contain spaces and parentheses, so the numbered fields are counted from the last `)`.
    static func statFields(_ text: String) -> (startTicks: Double, virtualBytes: Double, residentPages: Double)? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state): starttime is field 22, vsize 23, rss 24.
        guard fields.count > 21, let start = Double(fields[19]), let virtual = Double(fields[20]),
              let resident = Double(fields[21]) else { return nil }
        return (start, virtual, resident)
    }

    #if os(Linux)
    /// Boot time (`btime` of `/proc/stat`) plus the process's start in clock ticks after boot; fixed for the
    /// life of the process, so read once.
    private static let startTime: Double? = {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8), let fields = statFields(stat),
              let system = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = system.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
              let bootTime = Double(line.dropFirst("btime ".count).trimmingCharacters(in: .whitespaces)) else { return nil }
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard ticksPerSecond > 0 else { return nil }
        return bootTime + fields.startTicks / ticksPerSecond
    }()
    #endif
}
