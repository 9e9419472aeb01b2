import CGSL
import Theory

/// A convolutional network with circular padding, global average pooling
/// and a scalar readout, in the NTK (or mean-field) parameterization,
/// evaluated in batches through BLAS.
///
/// The forward map is the one documented on `ConvolutionalArchitecture`.
/// The activations of a batch of `n` inputs are stored as `(n P) × C`
/// matrices, row `i P + p` holding the `C` channels of input `i` at
/// position `p`. A layer gathers the circular patches into an
/// `(n P) × (C Q)` matrix (im2col) and applies its filter with one `gemm`.
/// Batched methods process the rows in chunks of `rowsPerChunk` inputs, so
/// their temporaries stay at `O(rowsPerChunk · P · m Q)` doubles. The NTK
/// kernels also keep one block of features within their feature-bytes
/// limit.
///
/// Parameters are `weights = [W^1 (m × Q), W^2 … W^L (m × m Q), w (1 × m)]`
/// and `biases = [b^1 … b^L (m entries each), b (1 entry)]`, with filter
/// columns in the order of `ConvolutionalArchitecture`.
public final class ConvolutionalNetwork: TrainableNetwork {
    /// Default memory limit, in bytes, for the features that `ntkGram` and
    /// `ntkCross` keep for one block of rows.
    public static let defaultFeatureBytesLimit = 512 << 20

    /// The shape and scales of the network.
    public let architecture: ConvolutionalArchitecture
    /// The current weights and biases.
    public private(set) var parameters: NetworkParameters
    /// The circular index table of the filter window.
    let window: CircularWindow
    /// The gradient buffer of the last `step`, reused by the next one.
    private var gradientWorkspace = GradientWorkspace()
    /// Number of input rows that batched methods process at once. The
    /// default keeps one chunk's patch matrix near 32 MiB, with at most 256
    /// rows.
    public var rowsPerChunk: Int {
        didSet {
            precondition(rowsPerChunk >= 1,
                         "The number of rows per chunk must be at least 1, got \(rowsPerChunk).")
        }
    }

    /// Creates a network whose parameters are i.i.d. N(0, 1) draws from
    /// `GaussianSource(seed: seed)`, taken in the order `W^1` (row-major),
    /// `b^1`, …, `W^L`, `b^L`, `w`, `b`.
    public convenience init(architecture: ConvolutionalArchitecture, seed: UInt64) {
        let source = GaussianSource(seed: seed)
        self.init(architecture: architecture,
                  parameters: NetworkParameters(drawnFrom: source, architecture: architecture))
    }

    /// Creates a network with the given parameters.
    /// - Precondition: the parameter shapes match `architecture`.
    public init(architecture: ConvolutionalArchitecture, parameters: NetworkParameters) {
        Self.checkShapes(parameters, architecture)
        self.architecture = architecture
        self.parameters = parameters
        self.window = CircularWindow(spatialShape: architecture.spatialShape,
                                     filterSize: architecture.filterSize)
        let patchBytesPerRow = architecture.positionCount * architecture.width
            * architecture.windowSize * MemoryLayout<Double>.stride
        self.rowsPerChunk = max(1, min(256, (32 << 20) / patchBytesPerRow))
    }

    public var inputDimension: Int { architecture.positionCount }

    public var parameterCount: Int { architecture.parameterCount }

    /// Returns an independent network with the same architecture, parameters
    /// and chunk size.
    public func copy() -> ConvolutionalNetwork {
        let network = ConvolutionalNetwork(architecture: architecture, parameters: parameters)
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
        parameters.add(direction, scaledBy: scale)
    }

    /// Returns the Euclidean distance from the current parameters to
    /// `other`.
    /// - Precondition: the shapes of `other` match `architecture`.
    public func parameterDistance(to other: NetworkParameters) -> Double {
        Self.checkShapes(other, architecture)
        return parameters.distance(to: other)
    }

    /// Computes the outputs `f(x_i)` for the rows `x_i` of `inputs`.
    /// - Precondition: `inputs.columns == architecture.positionCount`.
    /// - Complexity: O(n P Q (m + (L − 1) m²)).
    public func outputs(_ inputs: Matrix) -> [Double] {
        checkInputs(inputs)
        var result: [Double] = []
        result.reserveCapacity(inputs.rows)
        for range in chunkRanges(inputs.rows) {
            result.append(contentsOf: forward(inputs.rows(range)).outputs)
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
                                    _ architecture: ConvolutionalArchitecture) {
        let shapes = architecture.weightShapes
        precondition(parameters.weights.count == shapes.count,
                     "The parameters have \(parameters.weights.count) layers, but the "
                         + "architecture has \(shapes.count).")
        for (layer, shape) in shapes.enumerated() {
            let w = parameters.weights[layer]
            precondition(w.rows == shape.rows && w.columns == shape.columns,
                         "Weight matrix \(layer + 1) is \(w.rows)x\(w.columns), but the "
                             + "architecture needs \(shape.rows)x\(shape.columns).")
            precondition(parameters.biases[layer].count == shape.rows,
                         "Bias \(layer + 1) has \(parameters.biases[layer].count) entries, but the "
                             + "architecture needs \(shape.rows).")
        }
    }
}

extension ConvolutionalNetwork {
    /// Checks that `inputs` has one column per grid position.
    func checkInputs(_ inputs: Matrix) {
        precondition(inputs.columns == architecture.positionCount,
                     "The inputs have \(inputs.columns) columns, but the network's grid "
                         + "\(architecture.spatialShape) has \(architecture.positionCount) positions.")
    }

    /// Splits `0..<count` into consecutive ranges of at most `rowsPerChunk`.
    func chunkRanges(_ count: Int) -> [Range<Int>] {
        stride(from: 0, to: count, by: rowsPerChunk).map {
            $0..<min($0 + rowsPerChunk, count)
        }
    }

    /// Gathers the circular patches of the `(n P) × C` activations: row
    /// `i P + p`, columns `j C ..< (j + 1) C` are the channels of input `i`
    /// at position `p + offset j`.
    func patches(_ activations: Matrix) -> Matrix {
        let positions = window.positionCount, offsets = window.windowSize
        let channels = activations.columns
        let inputs = activations.rows / positions
        var result = Matrix(rows: activations.rows, columns: channels * offsets)
        window.neighbors.withUnsafeBufferPointer { neighbors in
            activations.storage.withUnsafeBufferPointer { source in
                result.storage.withUnsafeMutableBufferPointer { target in
                    for i in 0..<inputs {
                        let inputBase = source.baseAddress! + i * positions * channels
                        for p in 0..<positions {
                            let row = target.baseAddress! + (i * positions + p) * channels * offsets
                            for k in 0..<offsets {
                                (row + k * channels).update(
                                    from: inputBase + neighbors[p * offsets + k] * channels,
                                    count: channels)
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// Adds the patch gradients back onto the positions they were gathered
    /// from (col2im), the adjoint of `patches`: returns the `(n P) × C`
    /// matrix with `result[(i, p + j), c] = Σ patchGradients[(i, p), j C + c]`.
    func scatterPatches(_ patchGradients: Matrix, channels: Int) -> Matrix {
        let positions = window.positionCount, offsets = window.windowSize
        let inputs = patchGradients.rows / positions
        var result = Matrix(rows: patchGradients.rows, columns: channels)
        window.neighbors.withUnsafeBufferPointer { neighbors in
            patchGradients.storage.withUnsafeBufferPointer { source in
                result.storage.withUnsafeMutableBufferPointer { target in
                    for i in 0..<inputs {
                        let inputBase = target.baseAddress! + i * positions * channels
                        for p in 0..<positions {
                            let row = source.baseAddress! + (i * positions + p) * channels * offsets
                            for k in 0..<offsets {
                                let destination = inputBase + neighbors[p * offsets + k] * channels
                                let values = row + k * channels
                                for c in 0..<channels { destination[c] += values[c] }
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// Computes `H = s_l patches(A) (W^l)ᵀ + σ_b 1 (b^l)ᵀ` for the
    /// `(n P) × C` activations `A` of layer `l − 1`, `1 <= l <= depth`,
    /// with the weights and biases of `parameters`.
    func convolve(_ activations: Matrix, layer: Int, parameters: NetworkParameters) -> Matrix {
        affine(patches(activations), layer: layer, parameters: parameters)
    }

    /// Computes `s_l X (W^l)ᵀ + σ_b 1 (b^l)ᵀ` for rows `X` that layer `l`'s
    /// weights multiply (patches, or pooled features for the readout).
    func affine(_ rows: Matrix, layer: Int, parameters: NetworkParameters) -> Matrix {
        let weights = parameters.weights[layer - 1]
        let bias = parameters.biases[layer - 1]
        let biasStd = architecture.biasStd
        var result = Matrix(rows: rows.rows, columns: weights.rows)
        result.storage.withUnsafeMutableBufferPointer { out in
            for i in 0..<rows.rows {
                for j in 0..<bias.count { out[i * bias.count + j] = biasStd * bias[j] }
            }
        }
        BLAS.gemm(rows, weights, transposeB: true,
                  alpha: architecture.weightScale(layer: layer), beta: 1, into: &result)
        return result
    }

    /// Averages the `(n P) × m` activations over positions into `n × m`.
    func pool(_ activations: Matrix) -> Matrix {
        let positions = window.positionCount, channels = activations.columns
        let inputs = activations.rows / positions
        var result = Matrix(rows: inputs, columns: channels)
        let scale = 1 / Double(positions)
        for i in 0..<inputs {
            for p in 0..<positions {
                for c in 0..<channels {
                    result.storage[i * channels + c] +=
                        activations.storage[(i * positions + p) * channels + c]
                }
            }
            for c in 0..<channels { result.storage[i * channels + c] *= scale }
        }
        return result
    }
}
