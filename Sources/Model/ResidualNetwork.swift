import Theory

/// A residual network with a scalar output in the NTK (or mean-field)
/// parameterization, evaluated in batches through BLAS.
///
/// The forward map is the one documented on `ResidualArchitecture`. The
/// parameters are stored as `NetworkParameters` with weights
/// `[W⁰, W¹, …, Wᴮ, w]` and biases `[b⁰, [], …, [], b]`, so weight matrix
/// `l` (1-based) has the scale `architecture.weightScale(layer: l)`.
/// Inputs are the rows of an `n × d` matrix, and every layer is one `gemm`
/// over a chunk of `rowsPerChunk` rows, so batched temporaries stay at
/// `O(rowsPerChunk · m · B)` doubles. The exceptions are the NTK kernels,
/// which also keep one block of rows within `featureBytesLimit`, and the
/// NNGP feature kernel, which keeps the `n × m` last features.
public final class ResidualNetwork {
    /// Default number of input rows per chunk in batched methods. Each
    /// block is an m × m product, so larger chunks keep OpenBLAS busy: at
    /// n = 500 and m = 512, chunks of 256 rows made a training step about
    /// 15% slower than one chunk of 500.
    public static let defaultRowsPerChunk = 512

    /// The shape and scales of the network.
    public let architecture: ResidualArchitecture
    /// The current weights and biases.
    public private(set) var parameters: NetworkParameters
    /// The gradient buffer of the last `step`, reused by the next one.
    private var gradientWorkspace = GradientWorkspace()
    /// Number of input rows that batched methods process at once.
    public var rowsPerChunk: Int {
        didSet {
            precondition(rowsPerChunk >= 1,
                         "The number of rows per chunk must be at least 1, got \(rowsPerChunk).")
        }
    }

    /// Creates a network whose parameters are i.i.d. N(0, 1) draws from
    /// `GaussianSource(seed: seed)`, taken in the order `W⁰` (row-major),
    /// `b⁰`, `W¹`, …, `Wᴮ`, `w`, `b`.
    ///
    /// Biases are drawn even when `biasStd` is 0, so the weights for a seed
    /// do not depend on the bias scale.
    public convenience init(architecture: ResidualArchitecture, seed: UInt64) {
        let source = GaussianSource(seed: seed)
        self.init(architecture: architecture,
                  parameters: NetworkParameters(drawnFrom: source, architecture: architecture))
    }

    /// Creates a network with the given parameters.
    /// - Precondition: the parameter shapes match `architecture`.
    public init(architecture: ResidualArchitecture, parameters: NetworkParameters) {
        Self.checkShapes(parameters, architecture)
        self.architecture = architecture
        self.parameters = parameters
        self.rowsPerChunk = Self.defaultRowsPerChunk
    }

    /// Returns an independent network with the same architecture, parameters
    /// and chunk size.
    public func copy() -> ResidualNetwork {
        let network = ResidualNetwork(architecture: architecture, parameters: parameters)
        network.rowsPerChunk = rowsPerChunk
        return network
    }

    /// Replaces the parameters.
    /// - Precondition: the parameter shapes match `architecture`.
    public func setParameters(_ newParameters: NetworkParameters) {
        Self.checkShapes(newParameters, architecture)
        parameters = newParameters
    }

    /// Adds `scale * direction` to the parameters.
    /// - Precondition: the shapes of `direction` match `architecture`.
    public func moveParameters(along direction: NetworkParameters, scaledBy scale: Double) {
        Self.checkShapes(direction, architecture)
        parameters.add(direction, scaledBy: scale)
    }

    /// Number of weights and biases.
    public var parameterCount: Int { architecture.parameterCount }

    /// Returns the Euclidean distance from the current parameters to
    /// `other`.
    /// - Precondition: the shapes of `other` match `architecture`.
    public func parameterDistance(to other: NetworkParameters) -> Double {
        Self.checkShapes(other, architecture)
        return parameters.distance(to: other)
    }

    /// Computes the outputs `f(x_i)` for the rows `x_i` of `inputs`.
    /// - Precondition: `inputs.columns == architecture.inputDimension`.
    /// - Complexity: O(n (d m + B m²)).
    public func outputs(_ inputs: Matrix) -> [Double] {
        checkInputs(inputs)
        var result: [Double] = []
        result.reserveCapacity(inputs.rows)
        for range in chunkRanges(inputs.rows) {
            let features = lastFeatures(inputs.rows(range))
            result.append(contentsOf: affine(features, layer: architecture.layerCount).storage)
        }
        return result
    }

    /// Takes one full-batch gradient-descent step `θ ← θ − η ∇Φ(θ)` on
    /// `Φ = (1/2n) Σ_i (f(x_i) − y_i)²` and returns `Φ` before the step.
    /// - Precondition: `learningRate` is finite and positive, and the inputs
    ///   and targets are as for `lossEvaluation(inputs:targets:)`.
    @discardableResult
    public func step(learningRate: Double, inputs: Matrix, targets: [Double]) -> Double {
        precondition(learningRate.isFinite && learningRate > 0,
                     "The learning rate must be finite and positive, got \(learningRate).")
        var gradient = gradientWorkspace.take { NetworkParameters(zerosFor: architecture) }
        let (loss, _) = accumulateLossGradient(inputs: inputs, targets: targets, into: &gradient)
        parameters.add(gradient, scaledBy: -learningRate)
        gradientWorkspace.keep(gradient)
        return loss
    }

    private static func checkShapes(_ parameters: NetworkParameters,
                                    _ architecture: ResidualArchitecture) {
        let m = architecture.width, d = architecture.inputDimension
        precondition(parameters.weights.count == architecture.layerCount,
                     "The parameters have \(parameters.weights.count) weight matrices, but a "
                         + "residual network with \(architecture.blocks) blocks has "
                         + "\(architecture.layerCount).")
        for layer in 1...architecture.layerCount {
            let expected = layer == 1 ? (m, d) : layer == architecture.layerCount ? (1, m) : (m, m)
            let w = parameters.weights[layer - 1]
            precondition(w.rows == expected.0 && w.columns == expected.1,
                         "Weight matrix \(layer) is \(w.rows)x\(w.columns), but the "
                             + "architecture needs \(expected.0)x\(expected.1).")
            let hasBias = layer == 1 || layer == architecture.layerCount
            let biasCount = parameters.biases[layer - 1].count
            precondition(biasCount == (hasBias ? expected.0 : 0),
                         "Bias vector \(layer) has \(biasCount) entries, but the architecture "
                             + "needs \(hasBias ? expected.0 : 0).")
        }
    }
}

extension ResidualNetwork {
    /// Checks that `inputs` has one column per input dimension.
    func checkInputs(_ inputs: Matrix) {
        precondition(inputs.columns == architecture.inputDimension,
                     "The inputs have \(inputs.columns) columns, but the network's input "
                         + "dimension is \(architecture.inputDimension).")
    }

    /// Splits `0..<count` into consecutive ranges of at most `rowsPerChunk`.
    func chunkRanges(_ count: Int) -> [Range<Int>] {
        stride(from: 0, to: count, by: rowsPerChunk).map {
            $0..<min($0 + rowsPerChunk, count)
        }
    }

    /// Computes `s_l A (W^l)ᵀ + σ_b 1 (b^l)ᵀ` for the input rows `A` of
    /// weight matrix `layer`, without the bias term where the layer has none.
    func affine(_ input: Matrix, layer: Int) -> Matrix {
        let weights = parameters.weights[layer - 1]
        let bias = parameters.biases[layer - 1]
        let biasStd = architecture.biasStd
        var result = Matrix(rows: input.rows, columns: weights.rows)
        if !bias.isEmpty {
            result.storage.withUnsafeMutableBufferPointer { out in
                for i in 0..<input.rows {
                    for j in 0..<bias.count { out[i * bias.count + j] = biasStd * bias[j] }
                }
            }
        }
        BLAS.gemm(input, weights, transposeB: true,
                  alpha: architecture.weightScale(layer: layer), beta: 1, into: &result)
        return result
    }

    /// Adds the branch `α (σ_w/√m) φ(hᵏ⁻¹) (Wᵏ)ᵀ` of block `block` (1-based)
    /// to the rows of `state`, given `branchInput = φ(hᵏ⁻¹)`.
    func addBranch(_ branchInput: Matrix, block: Int, to state: inout Matrix) {
        BLAS.gemm(branchInput, parameters.weights[block], transposeB: true,
                  alpha: architecture.weightScale(layer: block + 1), beta: 1, into: &state)
    }

    /// Computes `φ(hᴮ)`, the features that the readout multiplies, for the
    /// rows of one chunk.
    func lastFeatures(_ inputs: Matrix) -> Matrix {
        let activation = architecture.activation
        var state = affine(inputs, layer: 1)
        for block in 1...architecture.blocks {
            addBranch(applying(activation.value, to: state), block: block, to: &state)
        }
        return applying(activation.value, to: state)
    }
}
