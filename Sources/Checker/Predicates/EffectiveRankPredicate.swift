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
/// A further case checks the identity behind the effective rank: with J the
/// n × P Jacobian of the outputs, G_0 = J Jᵀ and the empirical Fisher
/// information F_n = Jᵀ J / n share their nonzero eigenvalues up to the
/// factor n, so Tr(G_0)/λ_max(G_0) = Tr(F_n)/‖F_n‖. On a network of width
/// `fisherWidth` and `fisherPoints` inputs, J is formed column by column
/// from Jacobian-vector products with unit directions, and the two ratios
/// must agree to `fisherTolerance`, which allows rounding in two
/// eigensolvers and the Gram sums. This checks `ntkGram`, which never
/// forms J, against the parameter-space definition.
///
/// Negative control: the NNGP's E K(x, x)/λ_1 as the reference, and the
/// NNGP feature Gram in place of G_0 in the Fisher identity.
enum EffectiveRankPredicate {
    static let fisherWidth = 12
    static let fisherPoints = 24
    /// Relative agreement of the two ratios. Both come from LAPACK's `dsyevd`
    /// on matrices of at most about a thousand rows (793 parameters on the
    /// digits), so 1e-10 leaves several orders of magnitude above rounding.
    static let fisherTolerance = 1e-10

    /// Returns Tr(A)/λ_max(A) of a symmetric positive semidefinite matrix.
    static func effectiveRank(_ matrix: Matrix) throws -> Double {
        matrix.trace / (try SymmetricEigendecomposition(matrix).values[0])
    }

    /// Appends the Fisher identity case and its two figures.
    static func fisherCase(_ experiment: Experiment, _ context: EvaluationContext,
                           outcome: inout PredicateOutcome) throws {
        let spec = experiment.spec
        let seed = context.seed(spec, "fisher", 0)
        let sample = try experiment.trainingSample(size: fisherPoints, seed: CaseSeed.substream(seed, "sample"))
        let network = experiment.network(width: fisherWidth, seed: CaseSeed.substream(seed, "init"), outputScale: .ntk)
        let template = network.parameters
        let count = template.count
        let n = sample.inputs.rows
        var jacobian = Matrix(rows: n, columns: count)
        var unit = [Double](repeating: 0, count: count)
        for p in 0..<count {
            unit[p] = 1
            let column = network.jacobianVectorProduct(
                sample.inputs, direction: NetworkParameters(shapedLike: template, flattened: unit))
            unit[p] = 0
            for i in 0..<n { jacobian[i, p] = column[i] }
        }
        let fisher = BLAS.product(jacobian, transposeA: true, jacobian, alpha: 1 / Double(n))
        let fisherRatio = try effectiveRank(fisher)
        let gram = context.control == .nngp ? network.nngpFeatureGram(sample.inputs) : network.ntkGram(sample.inputs)
        let gramRatio = try effectiveRank(gram)
        outcome.cases.append(CaseResult(
            label: "Fisher identity, m=\(fisherWidth), \(n) points, \(count) parameters", seed: seed,
            measured: abs(gramRatio - fisherRatio) / fisherRatio, bound: fisherTolerance,
            statement: "|Tr(G_0)/λ_max(G_0) − Tr(F_n)/‖F_n‖| / (Tr(F_n)/‖F_n‖) ≤ 1e-10"))
        outcome.figures["Fisher Tr(F_n)/||F_n|| m=\(fisherWidth)"] = fisherRatio
        outcome.figures["Gram Tr(G_0)/lambda_max m=\(fisherWidth)"] = gramRatio
    }

    static func evaluate(_ experiment: Experiment, _ context: EvaluationContext) throws -> PredicateOutcome {
        let spec = experiment.spec
        let referenceOperator = try experiment.populationOperator(context.comparisonKind)
        let diagonal = spec.kernel.gram(experiment.quadrature.nodes, kind: context.comparisonKind).diagonal
        let meanDiagonal = zip(experiment.quadrature.weights, diagonal).reduce(0) { $0 + $1.0 * $1.1 }
        let reference = meanDiagonal / referenceOperator.eigenvalues[0]
        let tolerance = spec.tolerance("relative")
        var outcome = PredicateOutcome()
        outcome.figures["reference E K(x,x)/lambda_1"] = reference
        try fisherCase(experiment, context, outcome: &outcome)
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
                    ratios.append(try effectiveRank(network.ntkGram(sample.inputs)))
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
