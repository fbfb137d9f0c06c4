import Foundation
import Synchronization

/// A clock tests can move. Pass `clock.now` as `AppOverrides.now`.
final class TestClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date = Date()) { current = Mutex(start) }
    var now: @Sendable () -> Date { { [self] in current.withLock { $0 } } }
    func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
