import Foundation
import Theory

/// Checks spectral bias outside the training set. For the well-separated
/// top eigenspaces P_k of T that carry the target, the ratio
/// ‖P_k r_t‖ / ‖P_k r_0‖, averaged over seeds, must follow e^{−λ_k t}:
///
///     |mean ratio_k − e^{−λ_k t}| / e^{−λ_k t} ≤ relative
///
/// wherever e^{−λ_k t} ≥ predictionFloor, so that the ratio is not lost in
/// the finite-width floor. The learned fraction 1 − ratio_k must also be
/// ordered by eigenvalue: a mode with a larger λ_k is learned at least as
/// far. On the sphere the training points are fresh samples, so every node
/// lies outside the training set. On the digits the projections are
/// estimated from the nodes that were not drawn for training.
///
/// Negative control: the NNGP's eigenspaces and eigenvalues in place of the
/// NTK's, which predict a decay the trained network does not follow.
enum SpectralBiasPredicate {
    /// Each selected eigenvalue is at most this fraction of the previous
    /// one, so neighbouring modes decay at clearly different rates.
    static let separation = 0.8
    /// An eigenspace is selected when the target's projection onto it has
    /// at least this fraction of ‖f*‖.
    static let targetShare = 0.1

    /// Returns the well-separated eigenspaces that carry the target, in descending
    /// eigenvalue order.
    static func modes(_ experiment: Experiment, kind: KernelKind) throws -> [Eigenspace] {
        let op = try experiment.populationOperator(kind)
        let coefficients = op.coefficients(experiment.targetOnNodes)
        let targetNorm = experiment.quadrature.norm(experiment.targetOnNodes)
        var selected: [Eigenspace] = []
        for space in Eigenspace.clusters(op.eigenvalues, count: 3 * GapMeasurer.reportedModes)
        where space.norm(coefficients) >= targetShare * targetNorm {
            if let last = selected.last, space.eigenvalue > separation * last.eigenvalue { continue }
            selected.append(space)
        }
        return selected
    }

    static func evaluate(_ experiment: Experiment, _ context: EvaluationContext) throws -> PredicateOutcome {
        let spec = experiment.spec
        let relative = spec.tolerance("relative")
        let floor = spec.tolerance("predictionFloor")
        let modes = try modes(experiment, kind: context.comparisonKind)
        guard modes.count >= 2 else {
            throw ExperimentError.unsupported(property: spec.id, reason:
                "spectral-bias needs a target with at least two well-separated eigenspaces, found \(modes.count); add target terms of other degrees")
        }
        var outcome = PredicateOutcome()
        for (k, mode) in modes.enumerated() {
            outcome.figures["lambda mode \(k + 1)"] = mode.eigenvalue
        }
        let largestWidth = context.grid.widths.max()!, largestSample = context.grid.sampleSizes.max()!
        for width in context.grid.widths {
            for n in context.grid.sampleSizes {
                // ratios[time][mode] collects one value per seed.
                var ratios = Array(repeating: Array(repeating: [Double](), count: modes.count), count: spec.times.count)
                for s in 0..<context.grid.seedCount {
                    let seed = context.seed(spec, "bias-\(width)-\(n)", s)
                    let forPlots = s == 0 && width == largestWidth && n == largestSample
                    let trained = try GapMeasurer.run(experiment, width: width, sampleSize: n, seed: seed,
                                                      times: spec.times, context: context, forPlots: forPlots,
                                                      modes: modes)
                    for (i, m) in trained.measurements.enumerated() {
                        let values = m.modeRatiosOutsideTraining ?? m.modeRatios
                        for k in modes.indices { ratios[i][k].append(values[k]) }
                    }
                    if forPlots { outcome.plots.append(plot(spec, trained, modes: modes)) }
                    context.progress.advance("m=\(width) n=\(n) seed \(s + 1)/\(context.grid.seedCount)")
                }
                let firstSeed = context.seed(spec, "bias-\(width)-\(n)", 0)
                for (i, t) in spec.times.enumerated() {
                    appendCases(ratios[i], modes: modes, time: t, label: "m=\(width) n=\(n) t=\(short(t))",
                                seed: firstSeed, relative: relative, floor: floor, outcome: &outcome)
                }
            }
        }
        guard !outcome.cases.isEmpty else {
            throw ExperimentError.unsupported(property: spec.id, reason:
                "every mode has e^{-λt} below predictionFloor \(floor) at every time; use earlier times")
        }
        return outcome
    }

    /// Appends the decay case of each mode above the floor and the ordering
    /// case of one time.
    private static func appendCases(_ ratios: [[Double]], modes: [Eigenspace], time t: Double, label: String,
                                     seed: UInt64, relative: Double, floor: Double,
                                     outcome: inout PredicateOutcome) {
        let means = ratios.map(Statistics.mean)
        let predictions = modes.map { exp(-$0.eigenvalue * t) }
        for k in modes.indices where predictions[k] >= floor {
            outcome.cases.append(CaseResult(
                label: "\(label) mode \(k + 1) (λ=\(short(modes[k].eigenvalue)))", seed: seed,
                measured: abs(means[k] - predictions[k]) / predictions[k], bound: relative,
                statement: "|mean ‖P_k r_t‖/‖P_k r_0‖ − e^{−λ_k t}| / e^{−λ_k t} ≤ relative"))
            outcome.figures["\(label) mode \(k + 1) log ratio"] = log(means[k])
            outcome.figures["\(label) mode \(k + 1) -lambda t"] = -modes[k].eigenvalue * t
        }
        // A pair whose slower mode is already below the floor is learned
        // to within the finite-width floor on both sides, so its order is
        // noise and is not checked.
        let pairs = modes.indices.dropLast().filter { predictions[$0 + 1] >= floor }
        guard !pairs.isEmpty else { return }
        let inversion = pairs.map { (1 - means[$0 + 1]) - (1 - means[$0]) }.max()!
        outcome.cases.append(CaseResult(
            label: "\(label) learned fraction ordered", seed: seed, measured: inversion, bound: 0,
            statement: "max_k (learned fraction of mode k+1 − learned fraction of mode k) ≤ 0"))
    }

    private static func plot(_ spec: PropertySpec, _ trained: TrainedCase, modes: [Eigenspace]) -> Plot {
        let times = trained.plotMeasurements.map(\.time)
        var series: [PlotSeries] = []
        for k in modes.indices {
            let measured = trained.plotMeasurements.map { ($0.modeRatiosOutsideTraining ?? $0.modeRatios)[k] }
            series.append(PlotSeries(name: "mode \(k + 1) measured", x: times, y: measured, style: .points))
            series.append(PlotSeries(name: "mode \(k + 1) e^{-λt}", x: times,
                                     y: times.map { exp(-modes[k].eigenvalue * $0) }, style: .line))
        }
        return Plot(fileName: "\(spec.id)-modes.svg",
                     title: "\(spec.id): ||P_k r_t|| / ||P_k r_0|| outside the training set, m=\(trained.width) n=\(trained.sampleSize)",
                     xLabel: "time t", yLabel: "ratio", logX: false, logY: true, series: series)
    }
}
