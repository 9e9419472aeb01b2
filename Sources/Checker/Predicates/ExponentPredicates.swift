import Foundation
import Theory

/// Shared verdict of the scaling-exponent predicates.
///
/// A fitted slope of log(part) against log(size) passes under three
/// conditions. Its interval at `confidence` must reach −½ + `exponentAllowance`
/// or below, so the slope is about −½ or steeper, where the allowance covers
/// finite-size curvature of the log-log line. The interval must lie entirely
/// below 0, so the part shrinks. And its half-width must be at most
/// `maximumHalfWidth`, so the fit has the power to fail: a noisy fit over
/// too few seeds or too narrow a range of sizes would otherwise reach −½
/// with any shallow slope.
enum ExponentVerdict {
    /// The widest accepted half-width of the slope interval. At 0.2 an
    /// interval that reaches −0.4 ends below −0.1 on its shallow side.
    static let maximumHalfWidth = 0.2

    static func cases(fit: LineFit, variable: String, time: Double, spec: PropertySpec,
                      outcome: inout PredicateOutcome) {
        let confidence = spec.tolerance("confidence")
        let interval = fit.slopeInterval(confidence: confidence)
        let target = -0.5 + spec.tolerance("exponentAllowance")
        outcome.exponents.append(ExponentFit(variable: variable, time: time, slope: fit.slope,
                                             lower: interval.lowerBound, upper: interval.upperBound,
                                             confidence: confidence))
        // Both cases are stated on the negated slope, so measured values are
        // positive when the part shrinks and the ratio reads as elsewhere.
        outcome.cases.append(CaseResult(
            label: "\(variable)-slope precision at t=\(short(time))", seed: nil,
            measured: (interval.upperBound - interval.lowerBound) / 2, bound: maximumHalfWidth,
            statement: "half-width of the \(short(confidence * 100))% interval of the \(variable)-slope ≤ \(maximumHalfWidth)"))
        outcome.cases.append(CaseResult(
            label: "slope in \(variable) at t=\(short(time))", seed: nil, measured: -interval.lowerBound, bound: -target,
            statement: "−(lower end of the \(short(confidence * 100))% interval of the \(variable)-slope) ≥ ½ − allowance",
            direction: .atLeast, passes: { measured, bound in measured >= bound }))
        outcome.cases.append(CaseResult(
            label: "\(variable)-slope below 0 at t=\(short(time))", seed: nil, measured: -interval.upperBound, bound: 0,
            statement: "−(upper end of the \(short(confidence * 100))% interval of the \(variable)-slope) > 0",
            direction: .atLeast))
    }
}

/// Checks that the width part ‖r_t − r_t^∞‖/‖r_0‖ shrinks like m^{−1/2} at
/// fixed t and n (the largest sample size of the grid).
///
/// Negative controls: a mean-field readout (the width part then stays of
/// order 1) or the NNGP in r_t^∞.
enum WidthExponentPredicate {
    static func evaluate(_ experiment: Experiment, _ context: EvaluationContext) throws -> PredicateOutcome {
        let spec = experiment.spec
        let n = context.grid.sampleSizes.max()!
        var points: [[(Double, Double)]] = Array(repeating: [], count: spec.times.count)
        var index = 0
        for width in context.grid.widths {
            for s in 0..<context.grid.seedCount {
                let seed = context.seed(spec, "run", index)
                index += 1
                let trained = try GapMeasurer.run(experiment, width: width, sampleSize: n, seed: seed,
                                                  times: spec.times, context: context)
                for (i, m) in trained.measurements.enumerated() {
                    points[i].append((log(Double(width)), log(m.widthPart)))
                }
                context.progress.advance("m=\(width) seed \(s + 1)/\(context.grid.seedCount)")
            }
        }
        var outcome = PredicateOutcome()
        for (i, t) in spec.times.enumerated() {
            let fit = LineFit(x: points[i].map(\.0), y: points[i].map(\.1))
            ExponentVerdict.cases(fit: fit, variable: "m", time: t, spec: spec, outcome: &outcome)
            outcome.plots.append(Plot(
                fileName: "\(spec.id)-width-t\(short(t)).svg",
                title: "\(spec.id): width part against m at t=\(short(t)), n=\(n)",
                xLabel: "width m", yLabel: "||r_t - r_t^inf|| / ||r_0||", logX: true, logY: true,
                series: [
                    PlotSeries(name: "seeds", x: points[i].map { exp($0.0) }, y: points[i].map { exp($0.1) }, style: .points),
                    PlotSeries(name: "fit, slope \(short(fit.slope))", x: points[i].map { exp($0.0) },
                               y: points[i].map { exp(fit.intercept + fit.slope * $0.0) }, style: .line),
                ]))
        }
        return outcome
    }
}

/// Checks that the sample part ‖r_t^∞ − e^{−tT} r_0‖/‖r_0‖ shrinks like
/// n^{−1/2} at fixed t. It involves no trained network: r_0 comes from a
/// network at initialization of the grid's largest width.
///
/// Negative control: the NNGP in r_t^∞ while e^{−tT} keeps the NTK, so the
/// sample part tends to a nonzero limit.
enum SampleExponentPredicate {
    static func evaluate(_ experiment: Experiment, _ context: EvaluationContext) throws -> PredicateOutcome {
        let spec = experiment.spec
        let q = experiment.quadrature
        let width = context.grid.widths.max()!
        let op = try experiment.populationOperator(.ntk)
        let regressionKind = context.comparisonKind
        var points: [[(Double, Double)]] = Array(repeating: [], count: spec.times.count)
        var index = 0
        for n in context.grid.sampleSizes {
            for s in 0..<context.grid.seedCount {
                let seed = context.seed(spec, "run", index)
                index += 1
                let sample = try experiment.trainingSample(size: n, seed: CaseSeed.substream(seed, "sample"))
                let network = experiment.network(width: width, seed: CaseSeed.substream(seed, "init"), outputScale: .ntk)
                let r0 = zip(network.outputs(q.nodes), experiment.targetOnNodes).map { $0 - $1 }
                let r0Training = zip(network.outputs(sample.inputs), sample.targets).map { $0 - $1 }
                let flow = try KernelRegressionFlow(trainingGram: spec.kernel.gram(sample.inputs, kind: regressionKind))
                let cross = spec.kernel.cross(q.nodes, sample.inputs, kind: regressionKind)
                let r0Norm = q.norm(r0)
                for (i, t) in spec.times.enumerated() {
                    let infinite = flow.residual(at: cross, initialAtPoints: r0, trainingResidual: r0Training, time: t)
                    let kernelFlow = op.evolve(r0, time: t)
                    let part = q.norm(zip(infinite, kernelFlow).map { $0 - $1 }) / r0Norm
                    points[i].append((log(Double(n)), log(part)))
                }
                context.progress.advance("n=\(n) seed \(s + 1)/\(context.grid.seedCount)")
            }
        }
        var outcome = PredicateOutcome()
        for (i, t) in spec.times.enumerated() {
            let fit = LineFit(x: points[i].map(\.0), y: points[i].map(\.1))
            ExponentVerdict.cases(fit: fit, variable: "n", time: t, spec: spec, outcome: &outcome)
            outcome.plots.append(Plot(
                fileName: "\(spec.id)-sample-t\(short(t)).svg",
                title: "\(spec.id): sample part against n at t=\(short(t))",
                xLabel: "sample size n", yLabel: "||r_t^inf - e^{-tT} r_0|| / ||r_0||", logX: true, logY: true,
                series: [
                    PlotSeries(name: "seeds", x: points[i].map { exp($0.0) }, y: points[i].map { exp($0.1) }, style: .points),
                    PlotSeries(name: "fit, slope \(short(fit.slope))", x: points[i].map { exp($0.0) },
                               y: points[i].map { exp(fit.intercept + fit.slope * $0.0) }, style: .line),
                ]))
        }
        return outcome
    }
}
