import Foundation
import Model
import Theory

/// Checks that the effective rank Tr(G_0)/λ_max(G_0) of the empirical NTK
/// Gram at initialization is flat in n and close to E K(x, x)/λ_1 of the
/// population operator.
///
/// G_0/n → T in operator norm at rate O(n^{−1/2}) and the empirical kernel
/// deviates from the analytic one by O(m^{−1/2}), so the seed mean of the
/// ratio at each (m, n) must lie within `relative` of the reference, and the
/// spread across n within `relative` of it too. The report also shows the
/// parameter count, which the effective rank is far below.
///
/// Negative control: the NNGP's E K(x, x)/λ_1 as the reference.
enum EffectiveRankPredicate {
    static func evaluate(_ experiment: Experiment, _ context: EvaluationContext) throws -> PredicateOutcome {
        let spec = experiment.spec
        let referenceOperator = try experiment.populationOperator(context.comparisonKind)
        let diagonal = spec.kernel.gram(experiment.quadrature.nodes, kind: context.comparisonKind).diagonal
        let meanDiagonal = zip(experiment.quadrature.weights, diagonal).reduce(0) { $0 + $1.0 * $1.1 }
        let reference = meanDiagonal / referenceOperator.eigenvalues[0]
        let tolerance = spec.tolerance("relative")
        var outcome = PredicateOutcome()
        outcome.figures["reference E K(x,x)/lambda_1"] = reference
        for width in context.grid.widths {
            var means: [Double] = []
            var parameterCount = 0
            for n in context.grid.sampleSizes {
                var ratios: [Double] = []
                for s in 0..<context.grid.seedCount {
                    let seed = context.seed(spec, "rank-\(width)-\(n)", s)
                    let sample = try experiment.trainingSample(size: n, seed: CaseSeed.substream(seed, "sample"))
                    let network = experiment.network(width: width, seed: CaseSeed.substream(seed, "init"), outputScale: .ntk)
                    parameterCount = network.parameterCount
                    let gram = network.ntkGram(sample.inputs)
                    let top = try SymmetricEigendecomposition(gram).values[0]
                    ratios.append(gram.trace / top)
                    context.progress.advance("m=\(width) n=\(n) seed \(s + 1)")
                }
                let mean = Statistics.mean(ratios)
                means.append(mean)
                outcome.cases.append(CaseResult(
                    label: "m=\(width) n=\(n)", seed: context.seed(spec, "rank-\(width)-\(n)", 0),
                    measured: abs(mean - reference) / reference, bound: tolerance,
                    statement: "|mean Tr(G_0)/λ_max(G_0) − E K(x,x)/λ_1| / reference ≤ relative"))
                outcome.figures["effective rank m=\(width) n=\(n)"] = mean
            }
            let spread = (means.max()! - means.min()!) / reference
            outcome.cases.append(CaseResult(
                label: "m=\(width) flat in n", seed: nil, measured: spread, bound: tolerance,
                statement: "(max_n − min_n) of the effective rank / reference ≤ relative"))
            outcome.figures["parameter count m=\(width)"] = Double(parameterCount)
        }
        return outcome
    }
}
