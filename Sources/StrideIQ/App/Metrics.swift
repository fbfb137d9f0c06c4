import Foundation
import Synchronization

/// Process-local counters and gauges (briefing states served, enqueue results, job outcomes and durations,
/// queue depth). The operations issue exports them at `/metrics`; tests read them directly.
final class Metrics: Sendable {
    private let values = Mutex<[String: Double]>([:])

    func increment(_ name: String, _ labels: [String: String] = [:], by amount: Double = 1) {
        let key = Self.key(name, labels)
        values.withLock { $0[key, default: 0] += amount }
    }

    func set(_ name: String, _ labels: [String: String] = [:], to value: Double) {
        let key = Self.key(name, labels)
        values.withLock { $0[key] = value }
    }

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
        let key = Self.key(name, labels)
        return values.withLock { $0[key] ?? 0 }
    }

    /// Sum over every label combination of `name` that includes `labels`.
    func total(_ name: String, matching labels: [String: String] = [:]) -> Double {
        let wanted = labels.map { "\($0.key)=\"\($0.value)\"" }
        return values.withLock { all in
            all.filter { $0.key.hasPrefix(name + "{") || $0.key == name }
                .filter { entry in wanted.allSatisfy { entry.key.contains($0) } }
                .values.reduce(0, +)
        }
    }

    var snapshot: [String: Double] { values.withLock { $0 } }

    static func key(_ name: String, _ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return name }
        return name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"
    }
}
