import Synchronization

/// Trips when the server refuses connections before it has ever answered: it is down, and the HTTP
/// client spends a whole connect timeout on every refused request, which would turn a quick "the server is
/// not there" into a quarter of an hour of failing samples.
final class ReachabilityLatch: Sendable {
    static let notSent = "not sent: server unreachable"

    private let state = Mutex((answered: false, unreachable: false))

    var isUnreachable: Bool { state.withLock { $0.unreachable } }

    /// Returns true when this exchange is the one that shows the server to be down.
    func record(_ exchange: TimedExchange) -> Bool {
        state.withLock { state in
            switch exchange.result {
            case .success:
                state.answered = true
                return false
            case .failure(let failure):
                guard failure == .connectionRefused, !state.answered, !state.unreachable else { return false }
                state.unreachable = true
                return true
            }
        }
    }
}
