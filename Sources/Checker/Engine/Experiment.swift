import Foundation
import Model
import Theory

/// The fixed pieces of one property's experiments: the quadrature of ρ, the
/// population operators, and the target on the nodes.
///
/// Building it costs one kernel Gram matrix and one eigendecomposition on
/// the nodes per kernel kind; cases then reuse it.
public final class Experiment {
    public let spec: PropertySpec
    public let quadrature: Quadrature
    /// f* on the quadrature nodes.
    public let targetOnNodes: [Double]
    /// Digit labels of the nodes, for the digits distribution.
    let labels: [Int]?
    private var operators: [KernelKind: PopulationOperator] = [:]
    private let lock = NSLock()

    public init(spec: PropertySpec, dataPath: String? = nil) throws {
        self.spec = spec
        switch spec.distribution {
        case let .circle(nodes):
            quadrature = .circle(count: nodes)
            labels = nil
        case let .sphere2(polar, azimuthal):
            quadrature = try .sphere2(polar: polar, azimuthal: azimuthal)
            labels = nil
        case let .sphereSample(dimension, nodes):
            let seed = CaseSeed.derive(base: 0, property: spec.id, purpose: "nodes", index: 0)
            quadrature = .sphereSample(dimension: dimension, count: nodes, seed: seed)
            labels = nil
        case let .digits(norm):
            let digits = try DigitsDataset.load(path: dataPath)
            let images = try DigitsDataset.scaled(digits.images, toNorm: norm)
            quadrature = .dataset(images, label: "8x8 digits, \(images.rows) images scaled to norm \(norm)")
            labels = digits.labels
        }
        // The loader checks zonal kernels from the input norm; a kernel whose
        // layer variances depend on each input is checked on the nodes.
        if let problem = spec.kernel.quadratureAccuracyProblem(inputs: quadrature.nodes) {
            throw ExperimentError.unsupported(property: spec.id, reason: problem)
        }
        targetOnNodes = try Self.target(spec.target, points: quadrature.nodes, labels: labels)
    }

    /// The population operator of the NTK or NNGP on the nodes.
    public func populationOperator(_ kind: KernelKind) throws -> PopulationOperator {
        lock.lock()
        defer { lock.unlock() }
        if let cached = operators[kind] { return cached }
        let op = try PopulationOperator(kernel: spec.kernel, kind: kind, quadrature: quadrature)
        operators[kind] = op
        return op
    }

    /// f* at `points`; `labels` gives the digit class of each point for a
    /// labels target.
    static func target(_ target: TargetSpec?, points: Matrix, labels: [Int]?) throws -> [Double] {
        guard let target else { return Array(repeating: 0, count: points.rows) }
        switch target {
        case let .zonal(terms):
            let d = points.columns
            return try (0..<points.rows).map { i in
                let row = points.row(i)
                let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
                let u = norm > 0 ? row[d - 1] / norm : 0
                var value = 0.0
                for term in terms {
                    let scale = try SphereSpectrum.multiplicity(dimension: d, degree: term.degree).squareRoot()
                    value += term.coefficient * scale
                        * (try SphereSpectrum.normalizedGegenbauer(dimension: d, degree: term.degree, at: u))
                }
                return value
            }
        case let .labels(positive):
            guard let labels else { preconditionFailure("A labels target needs labelled points.") }
            return labels.map { positive.contains($0) ? 1 : -1 }
        }
    }

    /// A training sample of size n: fresh i.i.d. points on the sphere, or a
    /// random subset of the digit images without replacement.
    public func trainingSample(size n: Int, seed: UInt64) throws -> TrainingSample {
        switch spec.distribution {
        case .digits:
            guard n < quadrature.count else {
                throw ExperimentError.sampleTooLarge(property: spec.id, requested: n, available: quadrature.count - 1)
            }
            let indices = GaussianSource(seed: seed).sample(n, from: quadrature.count)
            return TrainingSample(inputs: quadrature.nodes.selectingRows(indices),
                                  targets: indices.map { targetOnNodes[$0] }, nodeIndices: indices)
        default:
            let points = Quadrature.sphereSamplePoints(dimension: quadrature.dimension, count: n, seed: seed)
            return TrainingSample(inputs: points, targets: try Self.target(spec.target, points: points, labels: nil),
                                  nodeIndices: nil)
        }
    }

    /// A network of width `width` initialized from `seed`.
    public func network(width: Int, seed: UInt64, outputScale: NetworkArchitecture.OutputScale) -> any TrainableNetwork {
        spec.architecture.network(inputDimension: quadrature.dimension, width: width, seed: seed,
                                  outputScale: outputScale)
    }
}

/// Training inputs and targets; `nodeIndices` lists which quadrature nodes
/// they are when the sample is drawn from the nodes.
public struct TrainingSample: Sendable {
    public let inputs: Matrix
    public let targets: [Double]
    public let nodeIndices: [Int]?

    public var count: Int { targets.count }
}

/// A case that cannot be set up from its property.
public enum ExperimentError: Error, CustomStringConvertible, Equatable {
    case sampleTooLarge(property: String, requested: Int, available: Int)
    case missingConstants(property: String, file: String)
    case unsupported(property: String, reason: String)

    public var description: String {
        switch self {
        case let .sampleTooLarge(property, requested, available):
            return "property \(property): sample size \(requested) exceeds the \(available) points available; lower sampleSizes"
        case let .missingConstants(property, file):
            return "property \(property) has no calibrated constants; run `spectral-check calibrate \(file)` first"
        case let .unsupported(property, reason):
            return "property \(property): \(reason)"
        }
    }
}
