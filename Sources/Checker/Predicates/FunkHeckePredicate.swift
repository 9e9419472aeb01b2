import Foundation
import Theory

/// Checks that the quadrature operator's top eigenvalues equal the
/// Funk–Hecke eigenvalues μ_k repeated N(d, k) times.
///
/// The quadrature error is estimated from the data: the same operator on a
/// rule with half the nodes per axis. For a convergent rule the fine rule's
/// error is below the coarse-fine difference, so the bound is `errorFactor`
/// times that difference plus `absolute` for rounding.
///
/// Because that bound scales with the rule's own error, a second case
/// requires convergence to μ: the fine rule's error must be at most half the
/// coarse rule's, or below `absolute` when both are at rounding level.
///
/// Negative control: the NNGP's Funk–Hecke eigenvalues against the NTK's
/// quadrature spectrum.
enum FunkHeckePredicate {
    static func evaluate(_ experiment: Experiment, _ context: EvaluationContext) throws -> PredicateOutcome {
        let spec = experiment.spec
        let coarseQuadrature: Quadrature
        switch spec.distribution {
        case let .circle(nodes): coarseQuadrature = .circle(count: max(nodes / 2, 8))
        case let .sphere2(polar, azimuthal):
            coarseQuadrature = try .sphere2(polar: max(polar / 2, 2), azimuthal: max(azimuthal / 2, 2))
        default:
            throw ExperimentError.unsupported(property: spec.id,
                                              reason: "funk-hecke needs a circle or sphere product rule")
        }
        guard let zonal = spec.architecture.zonalKernel else {
            throw ExperimentError.unsupported(property: spec.id, reason:
                "funk-hecke needs a kernel that depends on ⟨x, x'⟩ alone, and the \(spec.architecture.family) kernel does not")
        }
        let d = spec.distribution.dimension
        let maxDegree = spec.maxDegree ?? 6
        var count = 0
        for k in 0...maxDegree { count += Int(try SphereSpectrum.multiplicity(dimension: d, degree: k)) }
        guard count <= coarseQuadrature.count / 2 else {
            throw ExperimentError.unsupported(property: spec.id, reason:
                "maxDegree \(maxDegree) needs \(count) eigenvalues but the coarse rule has only \(coarseQuadrature.count) nodes; add nodes or lower maxDegree")
        }
        // Degrees beyond maxDegree can outrank vanishing ones, so expand further.
        let spectrum = try SphereSpectrum.eigenvalues(of: zonal, kind: context.comparisonKind,
                                                      dimension: d, maxDegree: 3 * maxDegree + 2)
        var expected: [Double] = []
        for entry in spectrum {
            expected += Array(repeating: entry.eigenvalue, count: Int(entry.multiplicity))
        }
        expected = Array(expected.sorted(by: >).prefix(count))
        let fine = try experiment.populationOperator(.ntk).eigenvalues
        let coarse = try PopulationOperator(kernel: spec.kernel, kind: .ntk, quadrature: coarseQuadrature).eigenvalues
        var error = 0.0, estimate = 0.0, coarseError = 0.0
        for i in 0..<count {
            error = max(error, abs(fine[i] - expected[i]))
            estimate = max(estimate, abs(coarse[i] - fine[i]))
            coarseError = max(coarseError, abs(coarse[i] - expected[i]))
        }
        var outcome = PredicateOutcome()
        outcome.cases.append(CaseResult(
            label: "top \(count) eigenvalues, degrees 0-\(maxDegree)", seed: nil,
            measured: error, bound: spec.tolerance("errorFactor") * estimate, tolerance: spec.tolerance("absolute"),
            statement: "max_i |λ_i(quadrature) − μ_(i)| ≤ errorFactor · max_i |λ_i(coarse) − λ_i(fine)| + absolute"))
        outcome.cases.append(CaseResult(
            label: "convergence from \(coarseQuadrature.count) to \(experiment.quadrature.count) nodes", seed: nil,
            measured: error, bound: coarseError / 2, tolerance: spec.tolerance("absolute"),
            statement: "max_i |λ_i(fine) − μ_(i)| ≤ ½ max_i |λ_i(coarse) − μ_(i)| + absolute"))
        outcome.figures["quadrature error estimate"] = estimate
        for k in 0...min(maxDegree, 8) { outcome.figures["mu_\(k)"] = spectrum[k].eigenvalue }
        return outcome
    }
}
