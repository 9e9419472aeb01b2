import CGSL
import Foundation

/// One degree of the Funk–Hecke spectrum of a dot-product kernel on the
/// unit sphere S^{d−1} with the uniform probability measure.
public struct SphericalEigenvalue: Equatable, Sendable, Codable {
    /// Spherical-harmonic degree k.
    public let degree: Int
    /// Multiplicity N(d, k), the dimension of the degree-k harmonics.
    public let multiplicity: Double
    /// Eigenvalue μ_k of the integral operator (T g)(x) = ∫ κ(⟨x, s⟩) g(s) dσ(s).
    public let eigenvalue: Double
    /// GSL's absolute error estimate for `eigenvalue`.
    public let errorEstimate: Double
}

/// The Funk–Hecke eigenvalues of a kernel κ(⟨x, x'⟩) on S^{d−1}:
///
///     μ_k = Γ(d/2) / (√π Γ((d−1)/2)) ∫_{−1}^{1} κ(u) P_k(u) (1 − u²)^{(d−3)/2} du
///
/// where P_k is the Gegenbauer polynomial C_k^{(d−2)/2} normalized to
/// P_k(1) = 1 (the Legendre polynomial for d = 3, the Chebyshev T_k for
/// d = 2). Eigenvalues are per unit of the uniform probability measure, so
/// Σ_k N(d, k) μ_k = κ(1).
///
/// The integral is computed in the angle, u = cos θ, as
/// ∫_0^π κ(cos θ) P_k(cos θ) sin^{d−2} θ dθ with GSL's adaptive 61-point
/// Gauss–Kronrod rule. The angle form is smooth at both ends for arc-cosine
/// kernels, where the u form has square-root singularities.
/// - SeeAlso: Atkinson & Han (2012), "Spherical Harmonics and
///   Approximations on the Unit Sphere", Springer LNM 2044, Theorem 2.22;
///   Bietti & Mairal (2019), "On the Inductive Bias of Neural Tangent
///   Kernels", NeurIPS 32, Section 3.
public enum SphereSpectrum {
    /// Multiplicity N(d, k) = (2k + d − 2)/k · binom(k + d − 3, d − 2), with
    /// N(d, 0) = 1, as a Double (it can exceed Int for large d and k).
    public static func multiplicity(dimension d: Int, degree k: Int) throws -> Double {
        precondition(d >= 2, "The sphere S^{d-1} needs d >= 2, got \(d).")
        precondition(k >= 0, "Degree must be non-negative, got \(k).")
        if k == 0 { return 1 }
        if d == 2 { return 2 }
        var result = gsl_sf_result(val: 0, err: 0)
        try gslCheck(gsl_sf_choose_e(UInt32(k + d - 3), UInt32(d - 2), &result), "gsl_sf_choose_e")
        return Double(2 * k + d - 2) / Double(k) * result.val
    }

    /// The normalized Gegenbauer polynomial P_k(u) on S^{d−1}, with P_k(1) = 1.
    public static func normalizedGegenbauer(dimension d: Int, degree k: Int, at u: Double) throws -> Double {
        if k == 0 { return 1 }
        switch d {
        case 2:
            return cos(Double(k) * acos(min(max(u, -1), 1)))
        case 3:
            var r = gsl_sf_result(val: 0, err: 0)
            try gslCheck(gsl_sf_legendre_Pl_e(Int32(k), u, &r), "gsl_sf_legendre_Pl_e")
            return r.val
        default:
            let lambda = Double(d - 2) / 2
            var r = gsl_sf_result(val: 0, err: 0)
            var atOne = gsl_sf_result(val: 0, err: 0)
            try gslCheck(gsl_sf_gegenpoly_n_e(Int32(k), lambda, u, &r), "gsl_sf_gegenpoly_n_e")
            try gslCheck(gsl_sf_gegenpoly_n_e(Int32(k), lambda, 1, &atOne), "gsl_sf_gegenpoly_n_e")
            return r.val / atOne.val
        }
    }

    /// The normalizing constant Γ(d/2) / (√π Γ((d−1)/2)).
    static func measureConstant(dimension d: Int) throws -> Double {
        var a = gsl_sf_result(val: 0, err: 0)
        var b = gsl_sf_result(val: 0, err: 0)
        try gslCheck(gsl_sf_lngamma_e(Double(d) / 2, &a), "gsl_sf_lngamma_e")
        try gslCheck(gsl_sf_lngamma_e(Double(d - 1) / 2, &b), "gsl_sf_lngamma_e")
        return exp(a.val - b.val) / Double.pi.squareRoot()
    }

    /// Computes μ_0 … μ_maxDegree of `kernel` on S^{d−1}.
    ///
    /// - Parameters:
    ///   - kernel: κ(u) for u ∈ [−1, 1].
    ///   - absoluteTolerance: requested absolute accuracy of each μ_k; the
    ///     default 1e-13 resolves μ_k down to about 1e-11 relative to κ(1) ≈ 1.
    /// - Throws: `NumericalError` when GSL's quadrature fails.
    public static func eigenvalues(dimension d: Int, maxDegree: Int,
                                   absoluteTolerance: Double = 1e-13,
                                   relativeTolerance: Double = 1e-11,
                                   kernel: (Double) -> Double) throws -> [SphericalEigenvalue] {
        precondition(d >= 2, "The sphere S^{d-1} needs d >= 2, got \(d).")
        precondition(maxDegree >= 0, "maxDegree must be non-negative, got \(maxDegree).")
        let integrator = try GSLIntegrator()
        let constant = try measureConstant(dimension: d)
        var out: [SphericalEigenvalue] = []
        for k in 0...maxDegree {
            var polynomialError: Error?
            let (value, error) = try integrator.integrate(
                from: 0, to: Double.pi,
                absoluteTolerance: absoluteTolerance / constant,
                relativeTolerance: relativeTolerance
            ) { theta in
                let u = cos(theta)
                do {
                    let p = try normalizedGegenbauer(dimension: d, degree: k, at: u)
                    return kernel(u) * p * pow(sin(theta), Double(d - 2))
                } catch {
                    polynomialError = error
                    return 0
                }
            }
            if let polynomialError { throw polynomialError }
            out.append(SphericalEigenvalue(degree: k,
                                           multiplicity: try multiplicity(dimension: d, degree: k),
                                           eigenvalue: constant * value,
                                           errorEstimate: constant * error))
        }
        return out
    }

    /// Computes the Funk–Hecke spectrum of a zonal network kernel's NTK or
    /// NNGP on S^{d−1}, for inputs scaled to norm √d.
    public static func eigenvalues(of kernel: any ZonalKernel, kind: KernelKind = .ntk,
                                   dimension d: Int, maxDegree: Int) throws -> [SphericalEigenvalue] {
        try eigenvalues(dimension: d, maxDegree: maxDegree) { kernel.onSphere(cosine: $0, kind: kind) }
    }
}
