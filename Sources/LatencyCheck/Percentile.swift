/// Nearest-rank percentile of an ascending list: the value at rank ⌈p/100 × n⌉ (1-based), nil for an empty list.
///
/// Nearest rank always returns a value that was actually measured, so "p95 = 14.2 ms" names a real request,
/// and a baseline's percentiles can be recomputed exactly from its `durations_ms`.
public func percentile(_ sorted: [Double], _ p: Double) -> Double? {
    guard !sorted.isEmpty else { return nil }
    let n = Double(sorted.count)
    // p × n first: for whole-number p and n the product is exact, so ranks such as 95 × 100 / 100 do not
    // pick up rounding error from 0.95 not being representable.
    let rank = Int((p * n / 100).rounded(.up))
    return sorted[min(max(rank, 1), sorted.count) - 1]
}
