import Foundation
import Theory

/// Checks Σ_i λ_i = Σ_j w_j K(z_j, z_j) on the quadrature and, on a sphere,
/// Σ_{k ≤ K} N(d, k) μ_k = κ(1) up to the tail beyond degree K.
///
/// The quadrature identity is exact up to rounding in `dsyevd`, so its
/// tolerance is `relative` (about 1e-10). The Funk–Hecke partial sum misses
/// the tail Σ_{k > K} N(d, k) μ_k. For ReLU NTKs μ_k decays like k^{−d} and
/// N(d, k) grows like k^{d−2} (Bietti & Mairal 2019), so the tail is about
/// K · N(d, K) μ_K; the bound is `tailFactor` times that estimate, averaged
/// over degrees K − 1 and K because odd degrees can vanish. For smooth
/// activations the tail decays faster and the estimate is an overestimate.
///
/// Negative control: the diagonal and κ(1) of the NNGP in place of the NTK.
enum TraceIdentityPredicate {
    static func evaluate(_ experiment: Experiment, _ context: EvaluationContext) throws -> PredicateOutcome {
        let spec = experiment.spec
        var outcome = PredicateOutcome()
        let op = try experiment.populationOperator(.ntk)
        let diagonalKind = context.comparisonKind
        let diagonal = spec.kernel.gram(experiment.quadrature.nodes, kind: diagonalKind).diagonal
        let expected = zip(experiment.quadrature.weights, diagonal).reduce(0) { $0 + $1.0 * $1.1 }
        let relative = abs(op.trace - expected) / abs(expected)
        outcome.cases.append(CaseResult(
            label: "quadrature, \(experiment.quadrature.count) nodes", seed: nil,
            measured: relative, bound: spec.tolerance("relative"),
            statement: "|Σ λ_i − Σ w_j K(z_j,z_j)| / Σ w_j K(z_j,z_j) ≤ relative tolerance"))
        outcome.figures["sum of eigenvalues"] = op.trace
        outcome.figures["mean kernel diagonal"] = expected
        // Funk–Hecke needs a zonal kernel; a convolutional kernel on the
        // sphere is not one, so only the quadrature case applies to it.
        guard spec.distribution.isSphere, let zonal = spec.architecture.zonalKernel else { return outcome }

        let d = spec.distribution.dimension
        let maxDegree = spec.maxDegree ?? 100
        let spectrum = try SphereSpectrum.eigenvalues(of: zonal, kind: .ntk, dimension: d, maxDegree: maxDegree)
        let partial = spectrum.reduce(0) { $0 + $1.multiplicity * $1.eigenvalue }
        let kappaOne = zonal.onSphere(cosine: 1, kind: diagonalKind)
        let last = spectrum[maxDegree], previous = spectrum[maxDegree - 1]
        let tail = Double(maxDegree) * (last.multiplicity * max(last.eigenvalue, 0)
            + previous.multiplicity * max(previous.eigenvalue, 0)) / 2
        let residual = (kappaOne - partial) / kappaOne
        let tolerance = spec.tolerance("relative")
        outcome.cases.append(CaseResult(
            label: "Funk-Hecke through degree \(maxDegree)", seed: nil,
            measured: residual, bound: spec.tolerance("tailFactor") * tail / kappaOne, tolerance: tolerance,
            statement: "0 ≤ (κ(1) − Σ_{k≤K} N(d,k) μ_k)/κ(1) ≤ tailFactor · K N(d,K) μ_K / κ(1)",
            passes: { measured, allowance in measured >= -tolerance && measured <= allowance }))
        outcome.figures["kappa(1)"] = kappaOne
        outcome.figures["Funk-Hecke partial sum"] = partial
        return outcome
    }
}
