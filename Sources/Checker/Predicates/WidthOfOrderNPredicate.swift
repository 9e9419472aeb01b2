import Foundation
import Theory

/// Checks the regime of width of order n: for each ratio c of the grid, the
/// networks of width m = round(c·n) are trained on n samples, and the gap
/// ‖r_t − e^{−tT} r_0‖ / ‖r_0‖ at each time must shrink as n grows. The
/// upper end of the confidence interval of the slope of log gap against
/// log n must lie below 0.
///
/// Negative controls: a mean-field readout, whose network barely moves so
/// that the gap stays near the frozen gap at every n, or the NNGP in
/// e^{−tT}, whose dynamics the network does not follow at any n.
enum WidthOfOrderNPredicate {
    static func evaluate(_ experiment: Experiment, _ context: EvaluationContext) throws -> PredicateOutcome {
        let spec = experiment.spec
        let confidence = spec.tolerance("confidence")
        var outcome = PredicateOutcome()
        for c in context.grid.widthRatios {
            var points: [[(Double, Double)]] = Array(repeating: [], count: spec.times.count)
            for n in context.grid.sampleSizes {
                let width = max(1, Int((c * Double(n)).rounded()))
                var gaps = Array(repeating: [Double](), count: spec.times.count)
                defer {
                    for (i, t) in spec.times.enumerated() {
                        outcome.figures["mean gap c=\(short(c)) n=\(n) t=\(short(t))"] = Statistics.mean(gaps[i])
                    }
                }
                for s in 0..<context.grid.seedCount {
                    let seed = context.seed(spec, "order-\(short(c))-\(n)", s)
                    let trained = try GapMeasurer.run(experiment, width: width, sampleSize: n, seed: seed,
                                                      times: spec.times, context: context)
                    for (i, m) in trained.measurements.enumerated() {
                        points[i].append((log(Double(n)), log(m.gap)))
                        gaps[i].append(m.gap)
                        outcome.figures["width part c=\(short(c)) n=\(n) t=\(short(m.time)) seed \(s + 1)"] = m.widthPart
                        outcome.figures["sample part c=\(short(c)) n=\(n) t=\(short(m.time)) seed \(s + 1)"] = m.samplePart
                    }
                    context.progress.advance("c=\(short(c)) n=\(n) seed \(s + 1)/\(context.grid.seedCount)")
                }
            }
            let firstSeed = context.seed(spec, "order-\(short(c))-\(context.grid.sampleSizes[0])", 0)
            for (i, t) in spec.times.enumerated() {
                let fit = LineFit(x: points[i].map(\.0), y: points[i].map(\.1))
                let interval = fit.slopeInterval(confidence: confidence)
                outcome.exponents.append(ExponentFit(variable: "n (m=\(short(c))n)", time: t, slope: fit.slope,
                                                     lower: interval.lowerBound, upper: interval.upperBound,
                                                     confidence: confidence))
                outcome.cases.append(CaseResult(
                    label: "c=\(short(c)) t=\(short(t)) gap shrinks in n", seed: firstSeed,
                    measured: -interval.upperBound, bound: 0,
                    statement: "−(upper end of the \(short(confidence * 100))% interval of the slope of log gap against log n, m = c·n) > 0",
                    direction: .atLeast))
                outcome.plots.append(Plot(
                    fileName: "\(spec.id)-c\(short(c))-t\(short(t)).svg",
                    title: "\(spec.id): gap against n with m = \(short(c))n at t=\(short(t))",
                    xLabel: "sample size n", yLabel: "||r_t - e^{-tT} r_0|| / ||r_0||", logX: true, logY: true,
                    series: [
                        PlotSeries(name: "seeds", x: points[i].map { exp($0.0) }, y: points[i].map { exp($0.1) },
                                   style: .points),
                        PlotSeries(name: "fit, slope \(short(fit.slope))", x: points[i].map { exp($0.0) },
                                   y: points[i].map { exp(fit.intercept + fit.slope * $0.0) }, style: .line),
                    ]))
            }
        }
        return outcome
    }
}
