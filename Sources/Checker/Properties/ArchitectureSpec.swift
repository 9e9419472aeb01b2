import Model
import Theory

/// The network family of a property and its infinite-width kernel.
///
/// The kernel stores every scale of the architecture, so the finite network
/// of any width is built from it.
public enum ArchitectureSpec: Sendable, Equatable {
    case fullyConnected(FullyConnectedKernel)
    case residual(ResidualKernel)
    case convolutional(ConvolutionalKernel)

    /// The family names accepted in property files and by `--arch`.
    public static let families = ["fc", "resnet", "conv"]

    /// The family name used in property files, `--arch` and reports.
    public var family: String { kernel.family }

    /// The infinite-width kernel.
    public var kernel: any NeuralKernel {
        switch self {
        case let .fullyConnected(kernel): return kernel
        case let .residual(kernel): return kernel
        case let .convolutional(kernel): return kernel
        }
    }

    /// The kernel as a zonal kernel on the sphere, or nil for a family whose
    /// kernel is not a function of ⟨x, x'⟩ alone.
    public var zonalKernel: (any ZonalKernel)? {
        switch self {
        case let .fullyConnected(kernel): return kernel
        case let .residual(kernel): return kernel
        case .convolutional: return nil
        }
    }

    /// Returns why the kernel's quadrature would be inaccurate for inputs
    /// of squared norm `squaredNorm` in dimension `dimension`, or nil. A
    /// zonal kernel's layer variances depend on the norm alone, so one
    /// input of that norm stands for all of them. For other kernels this
    /// returns nil, and `Experiment` checks the actual inputs.
    func quadratureAccuracyProblem(squaredNorm: Double, dimension: Int) -> String? {
        guard let zonal = zonalKernel else { return nil }
        let entry = (squaredNorm / Double(dimension)).squareRoot()
        let row = Matrix(rows: 1, columns: dimension, storage: Array(repeating: entry, count: dimension))
        return zonal.quadratureAccuracyProblem(inputs: row)
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
        case let .residual(k):
            let architecture = ResidualArchitecture(inputDimension: inputDimension, width: width, blocks: k.blocks,
                                                    activation: k.activation, weightStd: k.weightStd,
                                                    biasStd: k.biasStd, branchScale: k.branchScale,
                                                    outputScale: outputScale)
            return ResidualNetwork(architecture: architecture, seed: seed)
        case let .convolutional(k):
            precondition(inputDimension == k.positionCount,
                         "The inputs have \(inputDimension) entries, but the convolutional shape "
                             + "\(k.spatialShape) has \(k.positionCount) positions.")
            let architecture = ConvolutionalArchitecture(spatialShape: k.spatialShape, filterSize: k.filterSize,
                                                         width: width, depth: k.depth, activation: k.activation,
                                                         weightStd: k.weightStd, biasStd: k.biasStd,
                                                         outputScale: outputScale)
            return ConvolutionalNetwork(architecture: architecture, seed: seed)
        }
    }
}
