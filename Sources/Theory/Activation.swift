import Foundation

/// A pointwise nonlinearity φ with its derivative φ'.
public enum Activation: String, CaseIterable, Codable, Sendable {
    /// φ(x) = max(x, 0), with φ'(0) taken as 0.
    case relu
    /// φ(x) = erf(x), φ'(x) = (2/√π) e^{−x²}.
    case erf

    @inline(__always)
    public func value(_ x: Double) -> Double {
        switch self {
        case .relu: return x > 0 ? x : 0
        case .erf: return Foundation.erf(x)
        }
    }

    @inline(__always)
    public func derivative(_ x: Double) -> Double {
        switch self {
        case .relu: return x > 0 ? 1 : 0
        case .erf: return 2 / Double.pi.squareRoot() * Foundation.exp(-x * x)
        }
    }
}
