import Model
import Theory

/// The network family of a property and its infinite-width kernel.
///
/// The kernel stores every scale of the architecture, so the finite network
/// of any width is built from it.
public enum ArchitectureSpec: Sendable, Equatable {
    case fullyConnected(FullyConnectedKernel)

    /// The family name used in property files, `--arch` and reports.
    public var family: String { kernel.family }

    /// The infinite-width kernel.
    public var kernel: any NeuralKernel {
        switch self {
        case let .fullyConnected(kernel): return kernel
        }
    }

    /// The kernel as a zonal kernel on the sphere, or nil for a family whose
    /// kernel is not a function of ⟨x, x'⟩ alone.
    public var zonalKernel: (any ZonalKernel)? {
        switch self {
        case let .fullyConnected(kernel): return kernel
        }
    }

    /// Returns why the kernel's quadrature would be inaccurate for inputs
    /// of `distribution`, from their squared norm, or nil.
    func quadratureAccuracyProblem(_ distribution: DistributionSpec) -> String? {
        switch self {
        case let .fullyConnected(kernel):
            return kernel.quadratureAccuracyProblem(squaredNorm: distribution.inputSquaredNorm,
                                                    dimension: distribution.dimension)
        }
    }

    /// Builds a finite network of width `width` for inputs of dimension
    /// `inputDimension`, initialized from `seed`.
    public func network(inputDimension: Int, width: Int, seed: UInt64,
                        outputScale: NetworkArchitecture.OutputScale) -> any TrainableNetwork {
        switch self {
        case let .fullyConnected(k):
            let architecture = NetworkArchitecture(inputDimension: inputDimension, width: width, depth: k.depth,
                                                   activation: k.activation, weightStd: k.weightStd,
                                                   biasStd: k.biasStd, outputScale: outputScale)
            return FullyConnectedNetwork(architecture: architecture, seed: seed)
        }
    }
}
