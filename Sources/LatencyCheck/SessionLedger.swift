import Synchronization

/// Thread-safe list, for sessions opened by concurrent login workers.
final class SessionLedger: Sendable {
    private let sessions = Mutex<[Session]>([])

    func record(_ session: Session) {
        sessions.withLock { $0.append(session) }
    }

    var all: [Session] { sessions.withLock { $0 } }
}

struct Session: Sendable, Equatable {
    var accessToken: String
    var refreshToken: String
}
