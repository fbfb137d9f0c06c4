import Foundation

/// The route for drawing: Douglas–Peucker over the positions, as few points as keep its shape, at most
/// `maxPoints`.
enum TrackSimplifier {
    /// The tolerance never goes below this: closer than 1 m to the simplified line is the same line on any map.
    static let minimumToleranceM = 1.0

    /// `points` are (longitude, latitude) in degrees; returns indices into `points`, ascending, always including
    /// the first and the last (when there are at least two points).
    ///
    /// Instead of re-running Douglas–Peucker with a growing tolerance until few enough points remain, one run
    /// records for every point the tolerance below which it would be kept: its distance from the chord when it was
    /// picked, capped by that of the point whose pick opened its chord (a point is only reached when every chord
    /// above it was split). Keeping the points whose value exceeds a tolerance ε is then exactly Douglas–Peucker
    /// at ε, so the smallest ε that leaves ≤ `maxPoints` is read off a sort. The run is iterative (an explicit
    /// stack), so a 3-hour 1 Hz track cannot overflow the call stack; it is O(n log n) on real routes.
    static func simplify(lonLat points: [(Double, Double)], maxPoints: Int = 500) -> [Int] {
        let n = points.count
        guard n > 2 else { return Array(0..<n) }
        guard maxPoints >= 2 else { return [0, n - 1] }

        // Metres on a local equirectangular projection: at the scale of one activity the error is negligible, and
        // it makes the tolerance a distance rather than degrees that shrink with latitude.
        let meanLat = points.reduce(0.0) { $0 + $1.1 } / Double(n)
        let metresPerDegree = 6_371_008.8 * Double.pi / 180
        let kx = metresPerDegree * cos(meanLat * Double.pi / 180)
        let xs = points.map { $0.0 * kx }
        let ys = points.map { $0.1 * metresPerDegree }

        var keepAbove = [Double](repeating: 0, count: n)
        keepAbove[0] = .infinity
        keepAbove[n - 1] = .infinity
        // (first, last, cap): the chord first–last, opened by a pick whose value was `cap`.
        var stack: [(Int, Int, Double)] = [(0, n - 1, .infinity)]
        while let (first, last, cap) = stack.popLast() {
            guard last - first > 1 else { continue }
            // Starting from a real index keeps a NaN distance (never greater) from leaving it unset.
            var farthest = first + 1
            var farthestDistance = -1.0
            for i in (first + 1)..<last {
                let d = segmentDistance(xs[i], ys[i], xs[first], ys[first], xs[last], ys[last])
                if d > farthestDistance {
                    farthestDistance = d
                    farthest = i
                }
            }
            let value = min(cap, farthestDistance)
            keepAbove[farthest] = value
            stack.append((first, farthest, value))
            stack.append((farthest, last, value))
        }

        var tolerance = minimumToleranceM
        let interior = keepAbove[1..<(n - 1)].filter { $0 > tolerance }
        if interior.count > maxPoints - 2 {
            // The (maxPoints−2)-th largest value: keeping only values strictly above it leaves at most maxPoints−2.
            let sorted = interior.sorted(by: >)
            tolerance = sorted[maxPoints - 2]
        }
        return (0..<n).filter { keepAbove[$0] > tolerance }
    }

    /// Distance from (px, py) to the segment a–b (not the infinite line: an out-and-back route has its start and
    /// end on top of each other, where the line is undefined).
    static func segmentDistance(_ px: Double, _ py: Double, _ ax: Double, _ ay: Double, _ bx: Double, _ by: Double) -> Double {
        let dx = bx - ax
        let dy = by - ay
        let lengthSquared = dx * dx + dy * dy
        var t = 0.0
        if lengthSquared > 0 { t = max(0, min(1, ((px - ax) * dx + (py - ay) * dy) / lengthSquared)) }
        let ex = px - (ax + t * dx)
        let ey = py - (ay + t * dy)
        return (ex * ex + ey * ey).squareRoot()
    }
}
