import Foundation
import Model
import Theory

/// Checks the damped-deviations identity and the per-mode inequality on a
/// recorded gradient-descent trajectory.
///
/// With D_k = (T − T_n^k) r_k on the nodes, T the quadrature operator and
/// T_n^k r_k = (1/n) K_k(·, X) r̂_k from the network's own empirical NTK,
/// telescoping the steps gives exactly
///
///     r_K − e^{−KηT} r_0 − Σ_k η e^{−(K−1−k)ηT} D_k = Σ_k e^{−(K−1−k)ηT} (N_k + E_k)
///
/// where N_k = f(θ_{k+1}) − f(θ_k) − ∇f(θ_k)·Δθ_k is the network's Taylor
/// remainder and E_k = (I − ηT − e^{−ηT}) r_k, with ‖E_k‖ ≤ (ηλ_max)²/2 ‖r_k‖.
/// e^{−sT} is a contraction, so the residual R of the identity satisfies
/// ‖R‖ ≤ Σ_k (‖N_k‖ + ‖E_k‖). N_k is estimated from network outputs alone
/// by the symmetric second difference S_k = ½(f(θ+Δθ) + f(θ−Δθ) − 2f(θ)),
/// which equals N_k up to the cubic term; `nonlinearityFactor` (2) covers
/// that term and ReLU kinks crossed in one direction only. A wrong empirical
/// NTK or operator puts an O(η t) error into R and fails the check.
///
/// The per-mode inequality, in its discrete form, is
///
///     |⟨r_K, φ_i⟩ − e^{−λ_i Kη}⟨r_0, φ_i⟩| ≤ η (1 − e^{−λ_i Kη})/(1 − e^{−λ_i η}) max_k ‖D_k‖ + ‖R‖-bound
///
/// and the η-factor tends to (1 − e^{−λ_i t})/λ_i of gradient flow.
///
/// Negative control: the NNGP operator propagates (e^{−tT}, and φ_i, λ_i in
/// the per-mode check) while D_k keeps the NTK operator, so the identity no
/// longer telescopes.
enum DampedDeviationsPredicate {
    static let checkedModes = 20

    static func evaluate(_ experiment: Experiment, _ context: EvaluationContext) throws -> PredicateOutcome {
        let spec = experiment.spec
        let q = experiment.quadrature
        let eta = spec.learningRate!
        let ntk = try experiment.populationOperator(.ntk)
        let propagator = try experiment.populationOperator(context.comparisonKind)
        var outcome = PredicateOutcome()
        for width in context.grid.widths {
            for n in context.grid.sampleSizes {
                for s in 0..<context.grid.seedCount {
                    let seed = context.seed(spec, "run-\(width)-\(n)", s)
                    let sample = try experiment.trainingSample(size: n, seed: CaseSeed.substream(seed, "sample"))
                    let network = experiment.network(width: width, seed: CaseSeed.substream(seed, "init"), outputScale: .ntk)
                    let trainer = GradientDescentTrainer(learningRate: eta, recordsEveryStep: true)
                    let trajectory = try trainer.train(network, inputs: sample.inputs, targets: sample.targets,
                                                       times: spec.times, evaluationInputs: q.nodes,
                                                       evaluationTargets: experiment.targetOnNodes)
                    let trace = trajectory.stepTrace!
                    let label = "m=\(width) n=\(n)"
                    check(trace: trace, steps: trajectory.snapshots.map(\.step), eta: eta, ntk: ntk,
                          propagator: propagator, quadrature: q, label: label, seed: seed, spec: spec,
                          outcome: &outcome)
                    context.progress.advance("\(label) seed \(s + 1)/\(context.grid.seedCount)")
                }
            }
        }
        return outcome
    }

    static func check(trace: StepTrace, steps: [Int], eta: Double, ntk: PopulationOperator,
                      propagator: PopulationOperator, quadrature q: Quadrature, label: String, seed: UInt64,
                      spec: PropertySpec, outcome: inout PredicateOutcome) {
        let lambda = propagator.eigenvalues
        let lambdaMax = max(ntk.eigenvalues[0], lambda[0])
        let r0 = trace.evaluationResiduals[0]
        let r0Norm = q.norm(r0)
        let initial = propagator.coefficients(r0)
        var accumulated = [Double](repeating: 0, count: lambda.count)
        var nonlinearity = 0.0, exponentialRemainder = 0.0, maxDeviation = 0.0
        let factor = spec.tolerance("nonlinearityFactor")
        let finalStep = steps.max() ?? 0
        for k in 0...finalStep {
            if k > 0 && steps.contains(k) {
                let current = propagator.coefficients(trace.evaluationResiduals[k])
                let time = Double(k) * eta
                var residual = 0.0
                for i in lambda.indices {
                    let r = current[i] - exp(-lambda[i] * time) * initial[i] - accumulated[i]
                    residual += r * r
                }
                let allowance = factor * nonlinearity + exponentialRemainder + 1e-10 * r0Norm * Double(k)
                outcome.cases.append(CaseResult(
                    label: "\(label) t=\(short(time)) identity", seed: seed,
                    measured: residual.squareRoot() / r0Norm, bound: allowance / r0Norm,
                    statement: "‖r_t − e^{−tT} r_0 − Σ η e^{−(t−s)T} D_s‖ ≤ Σ (2‖S_k‖ + ‖E_k‖)"))
                var worst = 0.0
                for i in 0..<min(checkedModes, lambda.count) {
                    let lhs = abs(current[i] - exp(-lambda[i] * time) * initial[i])
                    let sum = lambda[i] * eta < 1e-300 ? time
                        : eta * -expm1(-lambda[i] * time) / -expm1(-lambda[i] * eta)
                    worst = max(worst, lhs / (sum * maxDeviation + allowance))
                }
                outcome.cases.append(CaseResult(
                    label: "\(label) t=\(short(time)) per-mode", seed: seed, measured: worst, bound: 1,
                    statement: "max_i |⟨r_t,φ_i⟩ − e^{−λ_i t}⟨r_0,φ_i⟩| / (η-sum · sup‖D_s‖ + allowance) ≤ 1"))
            }
            if k == finalStep { break }
            let rk = trace.evaluationResiduals[k]
            let applied = ntk.apply(rk)
            let deviation = (0..<rk.count).map { applied[$0] - trace.operatorTerms[k][$0] }
            maxDeviation = max(maxDeviation, q.norm(deviation))
            let coefficients = propagator.coefficients(deviation)
            for i in lambda.indices {
                accumulated[i] = exp(-lambda[i] * eta) * accumulated[i] + eta * coefficients[i]
            }
            nonlinearity += q.norm(trace.secondDifferences[k])
            exponentialRemainder += (eta * lambdaMax) * (eta * lambdaMax) / 2 * q.norm(rk)
        }
    }
}
