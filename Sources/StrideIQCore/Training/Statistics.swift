import Foundation

/// The small amount of statistics the efficiency trend and the what-works analysis need: least squares with its
/// slope test, Pearson and Spearman correlation, Student's t distribution and Benjamini–Hochberg adjustment.
/// Written from the textbook definitions; every value is unrounded (callers round at the edge).
public enum Statistics {
    /// An ordinary least-squares line `y = intercept + slope · x` with the test of `slope ≠ 0`.
    public struct LinearFit: Sendable, Equatable {
        public var n: Int
        public var slope: Double
        public var intercept: Double
        /// Coefficient of determination; 0 when `y` does not vary.
        public var rSquared: Double
        /// Two-sided p-value of the slope: t = slope ÷ its standard error, Student t with n − 2 degrees of freedom.
        public var pValue: Double
    }

    /// Least squares of `y` on `x`. `nil` with fewer than 3 points (no degree of freedom left for the error) or
    /// when `x` does not vary (no slope exists).
    public static func linearFit(x: [Double], y: [Double]) -> LinearFit? {
        precondition(x.count == y.count, "x and y must pair up")
        let n = x.count
        guard n >= 3 else { return nil }
        let (meanX, meanY, sxx, sxy, syy) = centredSums(x, y)
        guard sxx > 0 else { return nil }
        let slope = sxy / sxx
        let intercept = meanY - slope * meanX
        // Residual sum of squares, summed directly (not syy − slope·sxy) so a near-perfect fit does not go negative.
        var ssr = 0.0
        for i in 0..<n {
            let r = y[i] - (intercept + slope * x[i])
            ssr += r * r
        }
        let rSquared = syy > 0 ? max(0, min(1, 1 - ssr / syy)) : 0
        let df = Double(n - 2)
        let pValue: Double
        if syy == 0 || slope == 0 {
            pValue = 1
        } else if ssr <= 0 {
            pValue = 0
        } else {
            let standardError = (ssr / df / sxx).squareRoot()
            pValue = studentTTwoSidedP(t: slope / standardError, df: df)
        }
        return LinearFit(n: n, slope: slope, intercept: intercept, rSquared: rSquared, pValue: pValue)
    }

    /// Pearson's correlation coefficient; `nil` below 2 pairs or when either side does not vary.
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        precondition(x.count == y.count, "x and y must pair up")
        guard x.count >= 2 else { return nil }
        let (_, _, sxx, sxy, syy) = centredSums(x, y)
        guard sxx > 0, syy > 0 else { return nil }
        return max(-1, min(1, sxy / (sxx * syy).squareRoot()))
    }

    /// Means and centred sums of squares and products: Σ(x−x̄)², Σ(x−x̄)(y−ȳ), Σ(y−ȳ)².
    private static func centredSums(_ x: [Double], _ y: [Double]) -> (
        meanX: Double, meanY: Double, sxx: Double, sxy: Double, syy: Double
    ) {
        let n = Double(x.count)
        let meanX = x.reduce(0, +) / n
        let meanY = y.reduce(0, +) / n
        var sxx = 0.0
        var sxy = 0.0
        var syy = 0.0
        for i in x.indices {
            let dx = x[i] - meanX
            let dy = y[i] - meanY
            sxx += dx * dx
            sxy += dx * dy
            syy += dy * dy
        }
        return (meanX, meanY, sxx, sxy, syy)
    }

    /// Ranks 1…n in the order of `values`; tied values share the mean of the ranks they occupy.
    public static func averageRanks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, values[order[end + 1]] == values[order[start]] { end += 1 }
            // Positions start…end (0-based) hold ranks start+1 … end+1; their mean is the shared rank.
            let shared = Double(start + end + 2) / 2
            for k in start...end { ranks[order[k]] = shared }
            start = end + 1
        }
        return ranks
    }

    /// Spearman's rank correlation: Pearson's r of the average ranks (the tie-correct form). `nil` when either
    /// side is constant.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double? {
        pearson(averageRanks(x), averageRanks(y))
    }

    /// Two-sided p-value of a correlation coefficient `r` over `n` pairs by the t approximation
    /// t = r·√((n − 2) ÷ (1 − r²)), Student t with n − 2 degrees of freedom. 0 when |r| = 1; 1 below 3 pairs.
    public static func correlationPValue(r: Double, n: Int) -> Double {
        guard n >= 3 else { return 1 }
        let r2 = r * r
        guard r2 < 1 else { return 0 }
        let df = Double(n - 2)
        return studentTTwoSidedP(t: r * (df / (1 - r2)).squareRoot(), df: df)
    }

    /// P(|T| ≥ |t|) for Student's t with `df` degrees of freedom: I_{df/(df+t²)}(df/2, 1/2).
    public static func studentTTwoSidedP(t: Double, df: Double) -> Double {
        precondition(df > 0, "degrees of freedom must be positive")
        guard t.isFinite else { return t.isNaN ? 1 : 0 }
        return regularizedIncompleteBeta(x: df / (df + t * t), a: df / 2, b: 0.5)
    }

    /// The regularized incomplete beta function I_x(a, b), by its continued fraction (evaluated with the
    /// modified Lentz method) on the side of the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where it converges fast.
    public static func regularizedIncompleteBeta(x: Double, a: Double, b: Double) -> Double {
        precondition(a > 0 && b > 0, "shape parameters must be positive")
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * betaContinuedFraction(x: x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * betaContinuedFraction(x: 1 - x, a: b, b: a) / b
    }

    /// The continued fraction 1/(1+ d1/(1+ d2/(1+ …))) of I_x(a, b), where
    /// d(2m+1) = −(a+m)(a+b+m)x ÷ ((a+2m)(a+2m+1)) and d(2m) = m(b−m)x ÷ ((a+2m−1)(a+2m)).
    private static func betaContinuedFraction(x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        let epsilon = 1e-15
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var result = d
        for m in 1...10_000 {
            let mm = Double(m)
            // Even step d(2m).
            var term = mm * (b - mm) * x / ((a + 2 * mm - 1) * (a + 2 * mm))
            d = 1 + term * d
            if abs(d) < tiny { d = tiny }
            c = 1 + term / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            result *= d * c
            // Odd step d(2m+1).
            term = -(a + mm) * (a + b + mm) * x / ((a + 2 * mm) * (a + 2 * mm + 1))
            d = 1 + term * d
            if abs(d) < tiny { d = tiny }
            c = 1 + term / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            result *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return result
    }

    /// Benjamini–Hochberg adjusted p-values (q-values), in the order given: for the i-th smallest of m p-values,
    /// min over j ≥ i of p(j)·m/j, capped at 1. Rejecting every hypothesis with q ≤ α controls the false
    /// discovery rate at α.
    public static func benjaminiHochberg(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        guard m > 0 else { return [] }
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
        var adjusted = [Double](repeating: 1, count: m)
        var running = 1.0
        for rank in stride(from: m, through: 1, by: -1) {
            let index = order[rank - 1]
            running = min(running, pValues[index] * Double(m) / Double(rank))
            adjusted[index] = min(1, running)
        }
        return adjusted
    }
}
