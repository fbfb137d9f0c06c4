#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's open-file limit (RLIMIT_NOFILE). Every connection is a file descriptor; many systems start a
/// process with a soft limit of 1024 although the hard limit is far higher, so a long-running role raises its
/// soft limit to the hard one at start, where an unprivileged process may set it.
enum OpenFileLimit {
    struct Values: Sendable, Equatable {
        var soft: UInt64
        var hard: UInt64
        /// Whether this call changed the soft limit.
        var raised: Bool
    }

    /// Raises the soft limit to the hard limit and reports both (unchanged when it cannot read or set them).
    @discardableResult
    static func raiseToHardLimit() -> Values {
        var limit = rlimit()
        guard getrlimit(resourceNoFile, &limit) == 0 else { return Values(soft: 0, hard: 0, raised: false) }
        let before = limit.rlim_cur
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resourceNoFile, &raised) == 0 { limit = raised }
        }
        return Values(soft: UInt64(limit.rlim_cur), hard: UInt64(limit.rlim_max), raised: limit.rlim_cur != before)
    }

    /// The current soft and hard limits.
    static func current() -> (soft: UInt64, hard: UInt64) {
        var limit = rlimit()
        guard getrlimit(resourceNoFile, &limit) == 0 else { return (0, 0) }
        return (UInt64(limit.rlim_cur), UInt64(limit.rlim_max))
    }

    #if canImport(Glibc)
        private static let resourceNoFile = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
        private static let resourceNoFile = RLIMIT_NOFILE
    #endif
}
