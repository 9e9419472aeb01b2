import CGSL
import Foundation

/// A least-squares line y ≈ intercept + slope·x with the slope's standard error.
public struct LineFit: Sendable, Equatable, Codable {
    public let slope: Double
    public let intercept: Double
    /// Standard error of the slope from the residual variance (n − 2 degrees
    /// of freedom); 0 when the points lie on a line.
    public let slopeStandardError: Double
    public let pointCount: Int

    /// Fits by ordinary least squares.
    /// - Precondition: at least three points and at least two distinct x.
    public init(x: [Double], y: [Double]) {
        precondition(x.count == y.count && x.count >= 3, "A line fit needs at least three points.")
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n
        let my = y.reduce(0, +) / n
        var sxx = 0.0, sxy = 0.0
        for i in x.indices {
            sxx += (x[i] - mx) * (x[i] - mx)
            sxy += (x[i] - mx) * (y[i] - my)
        }
        precondition(sxx > 0, "A line fit needs at least two distinct x values.")
        slope = sxy / sxx
        intercept = my - slope * mx
        var rss = 0.0
        for i in x.indices {
            let r = y[i] - intercept - slope * x[i]
            rss += r * r
        }
        slopeStandardError = (rss / (n - 2) / sxx).squareRoot()
        pointCount = x.count
    }

    /// The two-sided interval slope ± q·se, with q the Student-t quantile of
    /// `confidence` on n − 2 degrees of freedom (GSL's `gsl_cdf_tdist_Pinv`).
    public func slopeInterval(confidence: Double) -> ClosedRange<Double> {
        let q = Statistics.studentQuantile(probability: 0.5 + confidence / 2, degreesOfFreedom: Double(pointCount - 2))
        return (slope - q * slopeStandardError)...(slope + q * slopeStandardError)
    }
}

/// Summary statistics used by the statistical predicates.
public enum Statistics {
    public static func mean(_ x: [Double]) -> Double {
        precondition(!x.isEmpty, "The mean of no values is undefined.")
        return x.reduce(0, +) / Double(x.count)
    }

    /// Sample standard deviation (n − 1 denominator); 0 for one value.
    public static func standardDeviation(_ x: [Double]) -> Double {
        guard x.count > 1 else { return 0 }
        let m = mean(x)
        return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)).squareRoot()
    }

    /// The quantile of Student's t distribution.
    public static func studentQuantile(probability p: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(p > 0 && p < 1 && nu > 0, "Quantile needs 0 < p < 1 and positive degrees of freedom.")
        return gsl_cdf_tdist_Pinv(p, nu)
    }

    /// The quantile of the standard normal distribution.
    public static func normalQuantile(probability p: Double) -> Double {
        precondition(p > 0 && p < 1, "Quantile needs 0 < p < 1.")
        return gsl_cdf_ugaussian_Pinv(p)
    }
}
