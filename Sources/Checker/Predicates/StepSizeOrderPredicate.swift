import Foundation
import Model
import Theory

/// Checks that gradient descent approaches gradient flow at first order in
/// the step: halving η halves the distance between trajectories.
///
/// From one initialization and one training sample, three runs with steps
/// η, η/2 and η/4 reach each requested time t = K η after K, 2K and 4K
/// steps. Writing r^h for the residual on the quadrature nodes after step
/// h, first-order convergence r^h = r^flow + h c_t + O(h²) gives
///
///     ‖r^η − r^{η/2}‖ / ‖r^{η/2} − r^{η/4}‖ = 2 + O(η λ_max),
///
/// so the check is |ratio − 2| ≤ `ratioAllowance`. The O(η λ_max) term is
/// the curvature of the flow over one step, about 0.1 at the learning
/// rates of the default suite.
///
/// Negative control: the step is raised to η_c = 2.5/λ_max(G_0/n), past the
/// stability limit 2/λ_max of the initial empirical NTK Gram G_0. The top
/// mode then oscillates with growing amplitude, and the ratio leaves 2 (or a
/// run diverges, which is recorded as an infinite ratio).
enum StepSizeOrderPredicate {
    /// η λ_max of the unstable-step control, past the stability limit 2.
    static let unstableStepProduct = 2.5

    static func evaluate(_ experiment: Experiment, _ context: EvaluationContext) throws -> PredicateOutcome {
        let spec = experiment.spec
        var outcome = PredicateOutcome()
        for width in context.grid.widths {
            for n in context.grid.sampleSizes {
                for s in 0..<context.grid.seedCount {
                    let seed = context.seed(spec, "run-\(width)-\(n)", s)
                    let sample = try experiment.trainingSample(size: n, seed: CaseSeed.substream(seed, "sample"))
                    let network = experiment.network(width: width, seed: CaseSeed.substream(seed, "init"),
                                                     outputScale: .ntk)
                    var eta = spec.learningRate!
                    if context.control == .unstableStep {
                        let gram = network.ntkGram(sample.inputs)
                        let top = try SymmetricEigendecomposition(gram).values[0] / Double(n)
                        eta = unstableStepProduct / top
                        outcome.figures["unstable step m=\(width) n=\(n) #\(s + 1)"] = eta
                    }
                    try check(experiment, network: network, sample: sample, eta: eta,
                              label: "m=\(width) n=\(n) #\(s + 1)", seed: seed, outcome: &outcome)
                    context.progress.advance("m=\(width) n=\(n) seed \(s + 1)/\(context.grid.seedCount)")
                }
            }
        }
        return outcome
    }

    /// Trains copies of `network` with steps η, η/2 and η/4 and appends one
    /// case per requested time.
    static func check(_ experiment: Experiment, network: any TrainableNetwork, sample: TrainingSample,
                      eta: Double, label: String, seed: UInt64, outcome: inout PredicateOutcome) throws {
        let spec = experiment.spec
        let q = experiment.quadrature
        // Times on the coarsest grid, so every run reaches them exactly.
        let steps = spec.times.map { max(1, GradientDescentTrainer.step(nearestTo: $0, learningRate: eta)) }
        let times = steps.map { Double($0) * eta }
        var residuals: [[[Double]]] = []
        var divergence: String?
        for halving in 0..<3 {
            let step = eta / Double(1 << halving)
            let trainer = GradientDescentTrainer(learningRate: step)
            do {
                let trajectory = try trainer.train(network.copy(), inputs: sample.inputs, targets: sample.targets,
                                                   times: times, evaluationInputs: q.nodes,
                                                   evaluationTargets: experiment.targetOnNodes)
                residuals.append(trajectory.snapshots.map { $0.evaluationResidual! })
            } catch let error as TrainingError {
                divergence = "\(error)"
                break
            }
        }
        let statement = "|‖r^η − r^{η/2}‖ / ‖r^{η/2} − r^{η/4}‖ − 2| ≤ ratioAllowance at t = K η"
        let allowance = spec.tolerance("ratioAllowance")
        guard residuals.count == 3 else {
            outcome.cases.append(CaseResult(
                label: "\(label) η=\(short(eta)) diverged", seed: seed, measured: .infinity, bound: allowance,
                statement: statement))
            outcome.notes.append("\(label): \(divergence ?? "a run diverged")")
            return
        }
        for (index, time) in times.enumerated() {
            let coarse = difference(residuals[0][index], residuals[1][index])
            let fine = difference(residuals[1][index], residuals[2][index])
            let coarseGap = q.norm(coarse), fineGap = q.norm(fine)
            // A fine gap at rounding level leaves the ratio undefined, so the
            // case fails instead of dividing by noise.
            let scale = max(q.norm(residuals[2][index]), 1)
            let ratio = fineGap > 1e-12 * scale ? coarseGap / fineGap : .infinity
            outcome.cases.append(CaseResult(
                label: "\(label) η=\(short(eta)) t=\(short(time))", seed: seed, measured: abs(ratio - 2),
                bound: allowance, statement: statement))
            outcome.figures["ratio \(label) t=\(short(time))"] = ratio
        }
    }

    private static func difference(_ a: [Double], _ b: [Double]) -> [Double] {
        zip(a, b).map { $0 - $1 }
    }
}
