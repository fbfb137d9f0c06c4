#if canImport(Glibc)
    import Glibc
#endif

/// Names for the process's own threads, as `top -H`, `ps -L` and `perf` show them.
public enum ThreadName {
    /// Names the calling thread (the kernel keeps 15 bytes) through `/proc/thread-self/comm`. Foundation's
    /// `Thread.name` did not reach the kernel here (such threads showed the name of the thread that made them),
    /// and `pthread_setname_np` is declared for `_GNU_SOURCE` only, which Swift does not see.
    public static func setCurrent(_ name: String) {
        #if os(Linux)
            let descriptor = open("/proc/thread-self/comm", O_WRONLY)
            guard descriptor >= 0 else { return }
            defer { close(descriptor) }
            let bytes = Array(name.utf8.prefix(15))
            _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        #endif
    }
}
