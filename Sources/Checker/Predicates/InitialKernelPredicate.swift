import Foundation
import Model
import Theory

/// Checks that the empirical NTK of networks at initialization equals the
/// analytic NTK, statistically over seeds.
///
/// On P nodes, S seeds give empirical Grams G_s. For one hidden layer
/// E[G_s] = Θ exactly, and deeper networks add a bias of order 1/m, below
/// the fluctuation of order m^{−1/2}. With v_ij the sample variance of
/// entry (i, j) over seeds, the standard error of the seed mean in the
/// Frobenius norm is se = √(Σ_ij v_ij / S), and E‖mean_s G_s − Θ‖²_F = se²
/// for an unbiased estimate. The check is ‖mean_s G_s − Θ‖_F ≤ z · se, both
/// divided by ‖Θ‖_F.
///
/// With three or more distinct widths, the per-seed error
/// e_s = ‖G_s − Θ‖_F / ‖Θ‖_F must also shrink like m^{−1/2}: the fitted
/// slope of log e_s against log m must be at most −½ + `slopeAllowance`,
/// where the allowance covers the curvature that the O(1/m) bias of deep
/// networks adds. A wrong analytic kernel leaves e_s at a floor, which
/// flattens the slope, so this case fails even where the seed spread is
/// too wide for the first one.
///
/// Negative control: the analytic NNGP in place of Θ.
enum InitialKernelPredicate {
    static let pointCount = 48
    /// Allowed excess of the per-seed error's width slope over −½.
    static let slopeAllowance = 0.1

    static func evaluate(_ experiment: Experiment, _ context: EvaluationContext) throws -> PredicateOutcome {
        let spec = experiment.spec
        let q = experiment.quadrature
        let stride = max(q.count / pointCount, 1)
        let indices = Array(Swift.stride(from: 0, to: q.count, by: stride).prefix(pointCount))
        let points = q.nodes.selectingRows(indices)
        let analytic = spec.kernel.gram(points, kind: context.comparisonKind)
        let analyticNorm = analytic.frobeniusNorm
        var outcome = PredicateOutcome()
        var logWidths: [Double] = [], logErrors: [Double] = []
        let seeds = context.grid.seedCount
        for width in context.grid.widths {
            var mean = Matrix(rows: points.rows, columns: points.rows)
            var meanSquare = Matrix(rows: points.rows, columns: points.rows)
            var squaredErrors: [Double] = []
            for s in 0..<seeds {
                let seed = context.seed(spec, "init-\(width)", s)
                let network = experiment.network(width: width, seed: seed, outputScale: .ntk)
                let gram = network.ntkGram(points)
                var difference = gram
                for i in difference.storage.indices {
                    difference.storage[i] -= analytic.storage[i]
                    mean.storage[i] += gram.storage[i] / Double(seeds)
                    meanSquare.storage[i] += gram.storage[i] * gram.storage[i] / Double(seeds)
                }
                let e = difference.frobeniusNorm / analyticNorm
                squaredErrors.append(e * e)
                logWidths.append(log(Double(width)))
                logErrors.append(log(e))
                context.progress.advance("m=\(width) seed \(s + 1)/\(seeds)")
            }
            var varianceSum = 0.0
            for i in mean.storage.indices {
                let variance = max(meanSquare.storage[i] - mean.storage[i] * mean.storage[i], 0)
                varianceSum += variance * Double(seeds) / Double(max(seeds - 1, 1))
                mean.storage[i] -= analytic.storage[i]
            }
            let standardError = (varianceSum / Double(seeds)).squareRoot() / analyticNorm
            let rms = Statistics.mean(squaredErrors).squareRoot()
            let meanError = mean.frobeniusNorm / analyticNorm
            outcome.cases.append(CaseResult(
                label: "m=\(width), \(seeds) seeds, \(points.rows) points",
                seed: context.seed(spec, "init-\(width)", 0),
                measured: meanError,
                bound: spec.tolerance("standardErrors") * standardError,
                statement: "‖mean_s G_s − Θ‖_F/‖Θ‖_F ≤ z · (Frobenius standard error of the seed mean)/‖Θ‖_F"))
            outcome.figures["rms relative error m=\(width)"] = rms
        }
        if Set(context.grid.widths).count >= 2 && logWidths.count >= 3 {
            let fit = LineFit(x: logWidths, y: logErrors)
            let interval = fit.slopeInterval(confidence: 0.95)
            outcome.exponents.append(ExponentFit(variable: "m", time: 0, slope: fit.slope,
                                                 lower: interval.lowerBound, upper: interval.upperBound,
                                                 confidence: 0.95))
            if Set(context.grid.widths).count >= 3 {
                outcome.cases.append(CaseResult(
                    label: "per-seed error slope in m", seed: nil, measured: -fit.slope,
                    bound: 0.5 - slopeAllowance,
                    statement: "−(fitted slope of log ‖G_s − Θ‖_F/‖Θ‖_F against log m) ≥ ½ − \(slopeAllowance)",
                    direction: .atLeast, passes: { measured, bound in measured >= bound }))
            }
            outcome.plots.append(Plot(
                fileName: "\(spec.id)-init-error.svg", title: "\(spec.id): empirical vs analytic NTK at init",
                xLabel: "width m", yLabel: "relative Frobenius error", logX: true, logY: true,
                series: [PlotSeries(name: "seeds", x: logWidths.map(exp), y: logErrors.map(exp), style: .points),
                         PlotSeries(name: "fit slope \(short(fit.slope))", x: logWidths.map(exp),
                                    y: logWidths.map { exp(fit.intercept + fit.slope * $0) }, style: .line)]))
        }
        return outcome
    }
}
