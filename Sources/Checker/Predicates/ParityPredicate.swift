import Foundation
import Theory

/// Checks the parity structure of the NTK spectrum on the sphere.
///
/// For one hidden ReLU layer without bias, κ(u) = σ_w⁴ (κ₁(u) + u κ₀(u))
/// with the arc-cosine kernels κ₀(u) = (π/2 + arcsin u)/(2π) and
/// κ₁(u) = (√(1 − u²) + (π/2 + arcsin u) u)/(2π). The odd part of both
/// κ₁(u) and u κ₀(u) is u/4, which is linear, so μ_k = 0 for every odd
/// k ≥ 3: kernel dynamics, and wide networks with them, never learn those
/// harmonics. A bias or a second hidden layer breaks that structure, and the
/// odd eigenvalues become positive, so those harmonics decay.
///
/// Cases, with μ_k from `SphereSpectrum` (GSL adaptive quadrature, 1e-13
/// absolute):
/// - the declared kernel, which must be one bias-free hidden ReLU layer:
///   max_{odd k ≥ 3} |μ_k| / μ_0 ≤ `vanishing`;
/// - the kernel with σ_b = 0.5 added, and with one more hidden layer:
///   min_{odd k ≥ 3} μ_k / μ_0 > `vanishing`, so the first case can fail.
///
/// Negative control: the declared kernel gets σ_b = 0.5, so its odd
/// eigenvalues no longer vanish.
enum ParityPredicate {
    /// σ_b of the biased contrast and of the added-bias control.
    static let addedBiasStd = 0.5

    static func evaluate(_ experiment: Experiment, _ context: EvaluationContext) throws -> PredicateOutcome {
        let spec = experiment.spec
        guard spec.distribution.isSphere else {
            throw ExperimentError.unsupported(property: spec.id, reason: "parity needs a sphere distribution")
        }
        guard case var .fullyConnected(kernel) = spec.architecture,
              kernel.activation == .relu && kernel.depth == 1 && kernel.biasStd == 0 else {
            throw ExperimentError.unsupported(property: spec.id, reason:
                "parity needs a fully connected network with one hidden ReLU layer and no bias (depth 1, biasStd 0)")
        }
        if context.control == .addedBias { kernel.biasStd = addedBiasStd }
        let d = spec.distribution.dimension
        let maxDegree = spec.maxDegree ?? 9
        let tolerance = spec.tolerance("vanishing")
        var outcome = PredicateOutcome()

        let declared = try oddRatios(kernel, dimension: d, maxDegree: maxDegree)
        outcome.cases.append(CaseResult(
            label: "σ_b=\(short(kernel.biasStd)), depth 1: odd degrees 3-\(maxDegree)", seed: nil,
            measured: declared.map(abs).max() ?? 0, bound: tolerance,
            statement: "max_{odd k≥3} |μ_k|/μ_0 ≤ vanishing"))

        var biased = kernel
        biased.biasStd = addedBiasStd
        var deeper = kernel
        deeper.biasStd = 0
        deeper.depth = 2
        for (label, contrast) in [("σ_b=\(short(addedBiasStd)), depth 1", biased), ("σ_b=0, depth 2", deeper)] {
            let ratios = try oddRatios(contrast, dimension: d, maxDegree: maxDegree)
            outcome.cases.append(CaseResult(
                label: "\(label): odd degrees 3-\(maxDegree)", seed: nil,
                measured: ratios.min() ?? 0, bound: tolerance,
                statement: "min_{odd k≥3} μ_k/μ_0 > vanishing", direction: .atLeast))
        }
        for (index, ratio) in declared.enumerated() {
            outcome.figures["mu_\(3 + 2 * index)/mu_0"] = ratio
        }
        return outcome
    }

    /// μ_k / μ_0 for the odd degrees 3, 5, … up to `maxDegree`.
    private static func oddRatios(_ kernel: FullyConnectedKernel, dimension: Int,
                                  maxDegree: Int) throws -> [Double] {
        let spectrum = try SphereSpectrum.eigenvalues(of: kernel, kind: .ntk, dimension: dimension,
                                                      maxDegree: maxDegree)
        let mu0 = spectrum[0].eigenvalue
        return stride(from: 3, through: maxDegree, by: 2).map { spectrum[$0].eigenvalue / mu0 }
    }
}
