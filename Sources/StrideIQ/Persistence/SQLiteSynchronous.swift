import Synchronization
import VaporCSQLite

/// How SQLite makes a commit durable (`PRAGMA synchronous`), set on every connection this process opens.
///
/// SQLite's default in write-ahead-log mode is `FULL`: every commit waits for an `fsync` of the log while it
/// holds the database's one write lock. On a shared disk an `fsync` now and then takes tens of milliseconds
/// (94 ms was measured under the coach benchmark), and every other writer waits for it: the coach's admissions,
/// which each save a question, queued behind one another. `NORMAL` is what SQLite recommends with WAL: a commit
/// writes the log without waiting for the disk, and the log is synced at each checkpoint (a lock no writer
/// waits for). A commit survives the process crashing or being killed; after a power loss or a kernel crash the
/// last commits before it may be rolled back (the file stays consistent). `FULL` (`SQLITE_SYNCHRONOUS=full`)
/// keeps every commit across a power loss, at the cost above.
///
/// The setting is per connection, and the SQLite driver opens its pooled connections itself with no hook, so it
/// is applied by an SQLite auto-extension: a function SQLite calls on every connection it opens in this process.
public enum SQLiteSynchronous: String, Sendable, CaseIterable {
    case normal, full

    var pragmaValue: Int32 { self == .normal ? 1 : 2 }

    /// Makes every SQLite connection opened from now on in this process use `self`. The level is per process
    /// (one server runs one configuration); the last call wins. False when SQLite refused the extension (the
    /// connections then keep SQLite's default, `FULL`).
    func applyToNewConnections() -> Bool {
        Self.level.store(pragmaValue, ordering: .relaxed)
        return Self.registered.withLock { registered in
            guard !registered else { return true }
            // The entry point's real type is `int (*)(sqlite3 *, char **, const sqlite3_api_routines *)`; SQLite
            // declares the parameter as `void (*)(void)` and calls it with those three arguments.
            let entry: @convention(c) (OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, OpaquePointer?) -> Int32 = {
                database, _, _ in
                let normal = SQLiteSynchronous.level.load(ordering: .relaxed) == 1
                let sql = normal ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL"
                return sqlite_nio_sqlite3_exec(database, sql, nil, nil, nil)
            }
            let result = sqlite_nio_sqlite3_auto_extension(unsafeBitCast(entry, to: (@convention(c) () -> Void).self))
            registered = result == SQLITE_OK
            return registered
        }
    }

    private static let level = Atomic<Int32>(2)
    private static let registered = Mutex(false)
}
