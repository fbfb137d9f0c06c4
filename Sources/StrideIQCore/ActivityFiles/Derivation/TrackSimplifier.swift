import Foundation

/// The route for drawing: Douglas–Peucker over the positions, as few points as keep its shape, at most
/// `maxPoints`.
enum TrackSimplifier {
    /// The tolerance never goes below this: closer than 1 m to the simplified line is the same line on any map.
    static let minimumToleranceM = 1.0

    /// `points` are (longitude, latitude) in degrees; returns indices into `points`, ascending, always including
    /// the first and the last (when there are at least two points).
    ///
    /// Rather than re-running Douglas–Peucker with a growing tolerance until few enough points remain, the
    /// chords are split in order of their farthest point's distance, largest first (a heap), each value capped
    /// by that of the split that opened the chord (a point is only reached once every chord above it was split).
    /// Popped values therefore never increase, and stopping at the first value within the tolerance is exactly
    /// Douglas–Peucker at that tolerance; stopping when `maxPoints` are kept gives the smallest tolerance that
    /// fits (ties at the cut are taken in heap order). Only chords that are split are ever scanned, so the work
    /// is at most `maxPoints` scans of the track, O(n log maxPoints) on real routes, and there is no recursion
    /// for a 3-hour 1 Hz track to overflow the call stack with.
    static func simplify(lonLat points: [(Double, Double)], maxPoints: Int = 500) -> [Int] {
        let n = points.count
        guard n > 2 else { return Array(0..<n) }
        guard maxPoints > 2 else { return [0, n - 1] }

        // Metres on a local equirectangular projection: at the scale of one activity the error is negligible, and
        // it makes the tolerance a distance rather than degrees that shrink with latitude.
        let meanLat = points.reduce(0.0) { $0 + $1.1 } / Double(n)
        let metresPerDegree = 6_371_008.8 * Double.pi / 180
        let kx = metresPerDegree * cos(meanLat * Double.pi / 180)
        let xs = points.map { $0.0 * kx }
        let ys = points.map { $0.1 * metresPerDegree }

        func chord(_ first: Int, _ last: Int, cap: Double) -> Chord {
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
            return Chord(value: min(cap, farthestDistance), first: first, last: last, farthest: farthest)
        }

        var keep = [Bool](repeating: false, count: n)
        keep[0] = true
        keep[n - 1] = true
        var heap = ChordHeap()
        heap.push(chord(0, n - 1, cap: .infinity))
        var kept = 2
        while kept < maxPoints, let top = heap.pop(), top.value > minimumToleranceM {
            keep[top.farthest] = true
            kept += 1
            if top.farthest - top.first > 1 { heap.push(chord(top.first, top.farthest, cap: top.value)) }
            if top.last - top.farthest > 1 { heap.push(chord(top.farthest, top.last, cap: top.value)) }
        }
        return (0..<n).filter { keep[$0] }
    }

    private struct Chord {
        var value: Double
        var first: Int
        var last: Int
        var farthest: Int
    }

    /// A binary max-heap on `value`.
    private struct ChordHeap {
        private var items: [Chord] = []

        mutating func push(_ chord: Chord) {
            items.append(chord)
            var child = items.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard items[child].value > items[parent].value else { break }
                items.swapAt(child, parent)
                child = parent
            }
        }

        mutating func pop() -> Chord? {
            guard let top = items.first else { return nil }
            let last = items.removeLast()
            guard !items.isEmpty else { return top }
            items[0] = last
            var parent = 0
            while true {
                var largest = parent
                for child in [2 * parent + 1, 2 * parent + 2] where child < items.count && items[child].value > items[largest].value {
                    largest = child
                }
                guard largest != parent else { return top }
                items.swapAt(parent, largest)
                parent = largest
            }
        }
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
