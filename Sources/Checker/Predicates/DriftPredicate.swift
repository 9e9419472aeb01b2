import Foundation
import Model
import Theory

/// Checks the two lazy-training facts behind the stopping time, over the
/// grid's widths at its largest sample size n:
///
/// - parameter travel: C(m) = max_t ‖θ_t − θ_0‖ / (t ‖r̂_0‖), with ‖r̂_0‖
///   the root mean square of the initial training residual, is flat in m.
///   Both ends of the confidence interval of the slope of log C against
///   log m lie within ±travelSlopeAllowance. Dividing by ‖r̂_0‖ removes the
///   seed-to-seed spread of the initial function, which sets the size of
///   the gradient but does not shrink with m.
/// - NTK drift: ‖G_T − G_0‖_F / n at the last time T shrinks like m^{−1/2}
///   or faster, checked with the same three cases as the width exponent.
///   The bound is one-sided, so a network that barely moves also meets it;
///   the travel case is what tells lazy training from no training.
///
/// Negative control: a mean-field readout σ_w/m. With the same step, every
/// gradient shrinks with m, so the travel falls like m^{−1/2} and is not
/// flat.
enum DriftPredicate {
    static func evaluate(_ experiment: Experiment, _ context: EvaluationContext) throws -> PredicateOutcome {
        let spec = experiment.spec
        let n = context.grid.sampleSizes.max()!
        let last = spec.times.max()!
        var travel: [(Double, Double)] = []
        var drift: [(Double, Double)] = []
        var outcome = PredicateOutcome()
        var index = 0
        for width in context.grid.widths {
            var constants: [Double] = []
            for s in 0..<context.grid.seedCount {
                let seed = context.seed(spec, "run", index)
                index += 1
                let sample = try experiment.trainingSample(size: n, seed: CaseSeed.substream(seed, "sample"))
                let network = experiment.network(width: width, seed: CaseSeed.substream(seed, "init"),
                                                 outputScale: context.outputScale)
                let trainer = GradientDescentTrainer(learningRate: spec.learningRate!, recordsTrainingGram: true)
                let trajectory = try trainer.train(network, inputs: sample.inputs, targets: sample.targets,
                                                   times: [0] + spec.times)
                let snapshots = trajectory.snapshots.dropFirst()
                let initialResidual = trajectory.snapshots[0].trainingResidual
                let residualScale = (BLAS.dot(initialResidual, initialResidual) / Double(n)).squareRoot()
                let constant = snapshots.map { $0.parameterDistance / $0.time }.max()! / residualScale
                let initialGram = trajectory.snapshots[0].trainingGram!
                let finalGram = snapshots.last!.trainingGram!
                let change = frobeniusDistance(finalGram, initialGram) / Double(n)
                constants.append(constant)
                travel.append((log(Double(width)), log(constant)))
                drift.append((log(Double(width)), log(change)))
                outcome.figures["travel C m=\(width) seed \(s + 1)"] = constant
                outcome.figures["NTK drift m=\(width) seed \(s + 1)"] = change
                context.progress.advance("m=\(width) seed \(s + 1)/\(context.grid.seedCount)")
            }
            outcome.figures["mean travel C m=\(width)"] = Statistics.mean(constants)
        }

        let confidence = spec.tolerance("confidence")
        let travelFit = LineFit(x: travel.map(\.0), y: travel.map(\.1))
        let travelInterval = travelFit.slopeInterval(confidence: confidence)
        outcome.exponents.append(ExponentFit(variable: "m (travel)", time: last, slope: travelFit.slope,
                                             lower: travelInterval.lowerBound, upper: travelInterval.upperBound,
                                             confidence: confidence))
        outcome.cases.append(CaseResult(
            label: "travel flat in m", seed: context.seed(spec, "run", 0),
            measured: max(abs(travelInterval.lowerBound), abs(travelInterval.upperBound)),
            bound: spec.tolerance("travelSlopeAllowance"),
            statement: "both ends of the \(short(confidence * 100))% interval of the slope of log max_t ‖θ_t − θ_0‖/(t ‖r̂_0‖) against log m lie within ±travelSlopeAllowance"))
        let driftFit = LineFit(x: drift.map(\.0), y: drift.map(\.1))
        ExponentVerdict.cases(fit: driftFit, variable: "m", time: last, spec: spec, outcome: &outcome)
        outcome.plots.append(Plot(
            fileName: "\(spec.id)-drift.svg",
            title: "\(spec.id): travel and NTK drift against m, n=\(n)",
            xLabel: "width m", yLabel: "value", logX: true, logY: true,
            series: [
                PlotSeries(name: "max_t |theta_t - theta_0|/(t |r_0|)", x: travel.map { exp($0.0) }, y: travel.map { exp($0.1) },
                           style: .points),
                PlotSeries(name: "|G_T - G_0|_F / n", x: drift.map { exp($0.0) }, y: drift.map { exp($0.1) },
                           style: .points),
                PlotSeries(name: "drift fit, slope \(short(driftFit.slope))", x: drift.map { exp($0.0) },
                           y: drift.map { exp(driftFit.intercept + driftFit.slope * $0.0) }, style: .line),
            ]))
        return outcome
    }

    /// Returns ‖a − b‖_F.
    static func frobeniusDistance(_ a: Matrix, _ b: Matrix) -> Double {
        var sum = 0.0
        for i in 0..<a.storage.count {
            let d = a.storage[i] - b.storage[i]
            sum += d * d
        }
        return sum.squareRoot()
    }
}
