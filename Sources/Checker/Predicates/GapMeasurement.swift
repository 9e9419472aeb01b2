import Foundation
import Model
import Theory

/// The gap between a trained network and the kernel dynamics at one time,
/// split as in Bowman & Montúfar (2022): with r_t^∞ the residual of the
/// infinite-width network trained on the same n samples from the same r_0,
///
///     gap         = ‖r_t − e^{−tT} r_0‖
///     width part  = ‖r_t − r_t^∞‖        (no sampling floor)
///     sample part = ‖r_t^∞ − e^{−tT} r_0‖ (no finite network)
///
/// all in L²(ρ) on the quadrature nodes and divided by ‖r_0‖, which removes
/// most of the seed-to-seed spread of the initial function.
public struct GapMeasurement: Sendable, Codable {
    /// Time t = k η of the recorded state.
    public var time: Double
    public var gap: Double
    public var widthPart: Double
    public var samplePart: Double
    /// The gap measured only on nodes outside the training set, when the
    /// training set is drawn from the nodes.
    public var gapOutsideTraining: Double?
    public var widthPartOutsideTraining: Double?
    public var samplePartOutsideTraining: Double?
    /// ‖r_0 − e^{−tT} r_0‖ / ‖r_0‖, the gap of a network that never moves.
    /// A bound at or above it cannot tell kernel dynamics from no learning.
    public var frozenGap: Double
    /// ‖θ_t − θ_0‖.
    public var parameterDistance: Double
    /// ‖P_k r_t‖ / ‖P_k r_0‖ for the reported eigenspaces P_k, and e^{−λ_k t}.
    public var modeRatios: [Double]
    public var modePredictions: [Double]
    /// `modeRatios` with the projections estimated from the nodes outside
    /// the training set only, when the training set is drawn from the nodes.
    public var modeRatiosOutsideTraining: [Double]?
}

/// A group of eigenvalues equal up to quadrature error, treated as one
/// eigenspace: on the sphere these are the degree-k harmonics, whose basis
/// inside the space is arbitrary, so only the projection onto the whole
/// space has a well-defined decay e^{−λ_k t}.
struct Eigenspace: Sendable {
    /// Indices of the eigenvalues, in descending order.
    var indices: [Int]
    /// The mean eigenvalue.
    var eigenvalue: Double

    /// Clusters the top eigenvalues: consecutive values closer than
    /// `relativeGap` · λ_1 join one space.
    static func clusters(_ eigenvalues: [Double], count: Int, relativeGap: Double = 1e-4) -> [Eigenspace] {
        var out: [Eigenspace] = []
        var current: [Int] = []
        let scale = eigenvalues.first ?? 1
        for i in 0..<eigenvalues.count {
            if let last = current.last, eigenvalues[last] - eigenvalues[i] > relativeGap * scale {
                out.append(Eigenspace(indices: current, eigenvalue: current.map { eigenvalues[$0] }.reduce(0, +) / Double(current.count)))
                current = []
                if out.count == count { break }
            }
            current.append(i)
        }
        if out.count < count && !current.isEmpty {
            out.append(Eigenspace(indices: current, eigenvalue: current.map { eigenvalues[$0] }.reduce(0, +) / Double(current.count)))
        }
        return out
    }

    func norm(_ coefficients: [Double]) -> Double {
        indices.reduce(0) { $0 + coefficients[$1] * coefficients[$1] }.squareRoot()
    }
}

/// Projections onto eigenspaces estimated from a subset of the nodes, the
/// points outside a training set drawn from the nodes: each coefficient
/// ⟨g, φ_i⟩ becomes Σ_{j∈S} w_j g(z_j) φ_i(z_j) / Σ_{j∈S} w_j, a Monte Carlo
/// estimate of the same inner product that never reads a training point.
struct RestrictedProjection {
    let nodes: [Int]
    let weights: [Double]
    /// Eigenfunction values on `nodes`, keyed by eigenvalue index.
    let eigenfunctions: [Int: [Double]]

    init(op: PopulationOperator, nodes: [Int], modes: [Eigenspace]) {
        let total = nodes.reduce(0) { $0 + op.quadrature.weights[$1] }
        self.nodes = nodes
        self.weights = nodes.map { op.quadrature.weights[$0] / total }
        var values: [Int: [Double]] = [:]
        for index in modes.flatMap(\.indices) {
            let all = op.eigenfunction(index)
            values[index] = nodes.map { all[$0] }
        }
        self.eigenfunctions = values
    }

    /// Returns ‖P_k g‖ estimated on the subset, for a function given by its
    /// values on all nodes.
    func norm(of mode: Eigenspace, _ values: [Double]) -> Double {
        var sum = 0.0
        for index in mode.indices {
            let phi = eigenfunctions[index]!
            var coefficient = 0.0
            for (position, node) in nodes.enumerated() {
                coefficient += weights[position] * values[node] * phi[position]
            }
            sum += coefficient * coefficient
        }
        return sum.squareRoot()
    }
}

/// One trained network and everything measured on it.
struct TrainedCase {
    var width: Int
    var sampleSize: Int
    var seed: UInt64
    var initialNorm: Double
    /// η λ_max(Θ_n / n) of the analytic training Gram; gradient descent is
    /// stable on the kernel dynamics only below 2.
    var stepProduct: Double
    var measurements: [GapMeasurement]
    /// The eigenspaces in `modeRatios`.
    var modes: [Eigenspace]
    /// Measurements at extra times for plots only; checks use `measurements`.
    var plotMeasurements: [GapMeasurement]
}

/// A learning rate at or past the stability limit η λ_max(Θ_n/n) = 2 of
/// gradient descent on the kernel dynamics; the run is not started.
struct UnstableStep: Error, CustomStringConvertible {
    var stepProduct: Double

    var description: String {
        "the learning rate gives η λ_max(Θ_n/n) = \(short(stepProduct)), at or past the stability limit 2 "
            + "of gradient descent; lower learningRate"
    }
}

enum GapMeasurer {
    static let reportedModes = 6
    static let plotPoints = 10

    /// Trains one network and measures the gap at each requested time, and,
    /// when `forPlots` is set, at `plotPoints` evenly spaced times as well.
    /// Mode ratios are measured on `modes` when given, else on the top
    /// eigenspaces that carry at least 1% of ‖r_0‖.
    /// - Throws: `UnstableStep` before training when η λ_max(Θ_n/n) ≥ 2.
    static func run(_ experiment: Experiment, width: Int, sampleSize n: Int, seed: UInt64,
                    times: [Double], context: EvaluationContext, forPlots: Bool = false,
                    modes fixedModes: [Eigenspace]? = nil) throws -> TrainedCase {
        let spec = experiment.spec
        let kind = context.comparisonKind
        let sample = try experiment.trainingSample(size: n, seed: CaseSeed.substream(seed, "sample"))
        let network = experiment.network(width: width, seed: CaseSeed.substream(seed, "init"),
                                         outputScale: context.outputScale)
        let flow = try KernelRegressionFlow(trainingGram: spec.kernel.gram(sample.inputs, kind: kind))
        let stepProduct = spec.learningRate! * (flow.eigenvalues.first ?? 0)
        if stepProduct >= 2 {
            throw UnstableStep(stepProduct: stepProduct)
        }
        let trainer = GradientDescentTrainer(learningRate: spec.learningRate!)
        let last = times.max()!
        let plotTimes = forPlots ? (1...plotPoints).map { last * Double($0) / Double(plotPoints) } : []
        let allTimes = Array(Set(times + plotTimes)).sorted()
        let trajectory = try trainer.train(network, inputs: sample.inputs, targets: sample.targets,
                                           times: [0] + allTimes, evaluationInputs: experiment.quadrature.nodes,
                                           evaluationTargets: experiment.targetOnNodes)
        let op = try experiment.populationOperator(kind)
        let q = experiment.quadrature
        let initial = trajectory.snapshots[0]
        let r0 = initial.evaluationResidual!
        let r0Norm = q.norm(r0)
        let cross = spec.kernel.cross(q.nodes, sample.inputs, kind: kind)
        let initialCoefficients = op.coefficients(r0)
        // Eigenspaces with at least 1% of ‖r_0‖, among the top 3 · reportedModes.
        let modes = fixedModes ?? Array(Eigenspace.clusters(op.eigenvalues, count: reportedModes * 3)
            .filter { $0.norm(initialCoefficients) >= 0.01 * r0Norm }
            .prefix(reportedModes))
        let outside = sample.nodeIndices.map { used -> [Int] in
            let usedSet = Set(used)
            return (0..<q.count).filter { !usedSet.contains($0) }
        }
        let restricted = outside.map { RestrictedProjection(op: op, nodes: $0, modes: modes) }
        var measurements: [GapMeasurement] = []
        var plotMeasurements: [GapMeasurement] = []
        for snapshot in trajectory.snapshots.dropFirst() {
            let t = snapshot.time
            let rt = snapshot.evaluationResidual!
            let kernelFlow = op.evolve(r0, time: t)
            let infinite = flow.residual(at: cross, initialAtPoints: r0, trainingResidual: initial.trainingResidual, time: t)
            let coefficients = op.coefficients(rt)
            var m = GapMeasurement(
                time: t,
                gap: q.norm(zip(rt, kernelFlow).map { $0 - $1 }) / r0Norm,
                widthPart: q.norm(zip(rt, infinite).map { $0 - $1 }) / r0Norm,
                samplePart: q.norm(zip(infinite, kernelFlow).map { $0 - $1 }) / r0Norm,
                frozenGap: q.norm(zip(r0, kernelFlow).map { $0 - $1 }) / r0Norm,
                parameterDistance: snapshot.parameterDistance,
                modeRatios: modes.map { $0.norm(coefficients) / $0.norm(initialCoefficients) },
                modePredictions: modes.map { exp(-$0.eigenvalue * t) })
            if let restricted {
                m.modeRatiosOutsideTraining = modes.map {
                    restricted.norm(of: $0, rt) / restricted.norm(of: $0, r0)
                }
            }
            if let outside {
                m.gapOutsideTraining = restrictedNorm(outside, rt, kernelFlow, weights: q.weights)
                    / restrictedNorm(outside, r0, nil, weights: q.weights)
                m.widthPartOutsideTraining = restrictedNorm(outside, rt, infinite, weights: q.weights)
                    / restrictedNorm(outside, r0, nil, weights: q.weights)
                m.samplePartOutsideTraining = restrictedNorm(outside, infinite, kernelFlow, weights: q.weights)
                    / restrictedNorm(outside, r0, nil, weights: q.weights)
            }
            plotMeasurements.append(m)
            if times.contains(snapshot.requestedTime) { measurements.append(m) }
        }
        return TrainedCase(width: width, sampleSize: n, seed: seed, initialNorm: r0Norm,
                           stepProduct: stepProduct,
                           measurements: measurements, modes: modes, plotMeasurements: plotMeasurements)
    }

    /// Computes the L² norm of a − b over the nodes at `indices`, with the weights renormalized.
    static func restrictedNorm(_ indices: [Int], _ a: [Double], _ b: [Double]?, weights: [Double]) -> Double {
        var sum = 0.0, total = 0.0
        for j in indices {
            let d = a[j] - (b?[j] ?? 0)
            sum += weights[j] * d * d
            total += weights[j]
        }
        return (sum / total).squareRoot()
    }
}
