import Foundation

/// A pointwise nonlinearity φ with its derivative φ'.
///
/// ReLU and erf have closed-form Gaussian expectations. tanh, softplus and
/// GELU are integrated by `GaussHermiteRule.kernelDefault`.
public enum Activation: String, CaseIterable, Codable, Sendable {
    /// φ(x) = max(x, 0), with φ'(0) taken as 0.
    case relu
    /// φ(x) = erf(x), φ'(x) = (2/√π) e^{−x²}.
    case erf
    /// φ(x) = tanh(x), φ'(x) = 1 − tanh²(x).
    case tanh
    /// φ(x) = log(1 + eˣ), φ'(x) = 1/(1 + e^{−x}).
    case softplus
    /// The exact GELU φ(x) = x Φ(x), with Φ the standard normal distribution
    /// function, and φ'(x) = Φ(x) + x e^{−x²/2}/√(2π). This is not the tanh
    /// approximation.
    case gelu

    /// Whether the kernel recursions use closed forms rather than
    /// Gauss–Hermite quadrature.
    public var hasClosedFormExpectations: Bool {
        switch self {
        case .relu, .erf: return true
        case .tanh, .softplus, .gelu: return false
        }
    }

    @inlinable @inline(__always)
    public func value(_ x: Double) -> Double {
        switch self {
        case .relu: return x > 0 ? x : 0
        case .erf: return Foundation.erf(x)
        case .tanh: return Foundation.tanh(x)
        // log(1 + eˣ) = max(x, 0) + log1p(e^{−|x|}) avoids overflow.
        case .softplus: return max(x, 0) + Foundation.log1p(Foundation.exp(-abs(x)))
        case .gelu: return x * Activation.normalCDF(x)
        }
    }

    @inlinable @inline(__always)
    public func derivative(_ x: Double) -> Double {
        switch self {
        case .relu: return x > 0 ? 1 : 0
        case .erf: return 2 / Double.pi.squareRoot() * Foundation.exp(-x * x)
        case .tanh:
            let t = Foundation.tanh(x)
            return 1 - t * t
        case .softplus:
            // The logistic function, evaluated without overflow on both sides.
            if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
            let e = Foundation.exp(x)
            return e / (1 + e)
        case .gelu:
            return Activation.normalCDF(x) + x * Foundation.exp(-x * x / 2) / (2 * Double.pi).squareRoot()
        }
    }

    /// Φ(x) = erfc(−x/√2)/2, accurate in both tails.
    @inlinable @inline(__always)
    static func normalCDF(_ x: Double) -> Double {
        0.5 * Foundation.erfc(-x / 2.0.squareRoot())
    }
}
