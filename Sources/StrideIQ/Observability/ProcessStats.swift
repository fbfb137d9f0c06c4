import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What Linux says about this process right now (`/proc`), for the `process_*` metrics: the names Prometheus'
/// own clients use, read the way they read them, so existing dashboards and alerts work unchanged.
/// `current()` is `nil` where there is no `/proc` (macOS development builds export no process metrics).
struct ProcessStats: Sendable, Equatable {
    /// User + system CPU time since the process started.
    var cpuSeconds: Double
    /// Resident and virtual memory, in bytes.
    var residentBytes: Double, virtualBytes: Double
    /// Open descriptors, and the soft limit on them (`nil`: unlimited).
    var openFDs: Double, maxFDs: Double?
    /// Seconds since the Unix epoch.
    var startTime: Double

    static func current() -> ProcessStats? {
        #if os(Linux)
            guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8), let fields = StatFields(stat),
                let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"),
                let bootTime
            else { return nil }
            let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
            return ProcessStats(
                cpuSeconds: (fields.userTicks + fields.systemTicks) / ticksPerSecond,
                residentBytes: fields.residentPages * Double(sysconf(Int32(_SC_PAGESIZE))),
                virtualBytes: fields.virtualBytes, openFDs: Double(descriptors.count), maxFDs: openFileLimit(),
                startTime: bootTime + fields.startTicks / ticksPerSecond)
        #else
            return nil
        #endif
    }

    /// The fields of `/proc/<pid>/stat` used here. The command name (field 2) is in parentheses and may itself
    /// contain spaces and parentheses, so the numbered fields are counted from the last `)`.
    struct StatFields: Equatable {
        var userTicks: Double, systemTicks: Double
        var startTicks: Double
        var virtualBytes: Double, residentPages: Double

        init?(_ text: String) {
            guard let close = text.lastIndex(of: ")") else { return nil }
            // After the `)`: field 3 (state) first, so field n is at n - 3.
            let numbers = text[text.index(after: close)...].split(separator: " ").map { Double($0) }
            func field(_ n: Int) -> Double? { n - 3 < numbers.count ? numbers[n - 3] : nil }
            guard let user = field(14), let system = field(15), let start = field(22), let virtual = field(23),
                let resident = field(24)
            else { return nil }
            (userTicks, systemTicks, startTicks, virtualBytes, residentPages) = (user, system, start, virtual, resident)
        }
    }

    /// The soft limit of "Max open files" in `/proc/self/limits`; `nil` when unlimited or unreadable.
    private static func openFileLimit() -> Double? {
        guard let limits = try? String(contentsOfFile: "/proc/self/limits", encoding: .utf8),
            let line = limits.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") })
        else { return nil }
        return line.dropFirst("Max open files".count).split(separator: " ").first.flatMap { Double($0) }
    }

    /// `btime` of `/proc/stat`: the boot time the start ticks count from (fixed, so read once).
    private static let bootTime: Double? = {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") })
        else { return nil }
        return Double(line.dropFirst("btime ".count).trimmingCharacters(in: .whitespaces))
    }()
}
