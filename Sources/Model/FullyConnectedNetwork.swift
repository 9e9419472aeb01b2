import Theory

/// A fully connected network with a scalar output in the NTK (or
/// mean-field) parameterization, evaluated in batches through BLAS.
///
/// The forward map is the one documented on `NetworkArchitecture`. Inputs
/// are the rows of an `n × d` matrix, so layer `l` computes
/// `H^l = s_l A^{l-1} (W^l)ᵀ + σ_b 1 (b^l)ᵀ` and `A^l = φ(H^l)` with one
/// `gemm`. Batched methods process the rows in chunks of `rowsPerChunk`, so
/// their temporaries stay at `O(rowsPerChunk · m · L)` doubles. The
/// exceptions are `forwardBackward`, which does not chunk, the NTK kernels,
/// which also keep one block of rows within `featureBytesLimit`, and the
/// NNGP feature kernels, which keep the `n × m` last hidden activations.
public final class FullyConnectedNetwork {
    /// Default number of input rows per chunk in batched methods.
    public static let defaultRowsPerChunk = 256

    /// The shape and scales of the network.
    public let architecture: NetworkArchitecture
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
    /// `GaussianSource(seed: seed)`, taken in the order `W^1` (row-major),
    /// `b^1`, `W^2`, `b^2`, …, `W^{L+1}`, `b^{L+1}`.
    ///
    /// Biases are drawn even when `biasStd` is 0, so the weights for a seed
    /// do not depend on the bias scale.
    public convenience init(architecture: NetworkArchitecture, seed: UInt64) {
        let source = GaussianSource(seed: seed)
        self.init(architecture: architecture,
                  parameters: NetworkParameters(drawnFrom: source, architecture: architecture))
    }

    /// Creates a network with the given parameters.
    /// - Precondition: the parameter shapes match `architecture`.
    public init(architecture: NetworkArchitecture, parameters: NetworkParameters) {
        Self.checkShapes(parameters, architecture)
        self.architecture = architecture
        self.parameters = parameters
        self.rowsPerChunk = Self.defaultRowsPerChunk
    }

    /// Returns an independent network with the same architecture, parameters
    /// and chunk size.
    public func copy() -> FullyConnectedNetwork {
        let network = FullyConnectedNetwork(architecture: architecture, parameters: parameters)
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

    /// Number of weights and biases.
    public var parameterCount: Int { architecture.parameterCount }

    /// Returns the Euclidean distance `‖θ − θ'‖` over all weights and biases.
    /// - Precondition: both networks have the same architecture.
    public func parameterDistance(to other: FullyConnectedNetwork) -> Double {
        precondition(architecture == other.architecture,
                     "Parameter distance needs networks of the same architecture.")
        return parameters.distance(to: other.parameters)
    }

    /// Returns the Euclidean distance from the current parameters to
    /// `other`.
    /// - Precondition: the shapes of `other` match `architecture`.
    public func parameterDistance(to other: NetworkParameters) -> Double {
        Self.checkShapes(other, architecture)
        return parameters.distance(to: other)
    }

    /// Computes the outputs `f(x_i)` for the rows `x_i` of `inputs`.
    /// - Precondition: `inputs.columns == architecture.inputDimension`.
    /// - Complexity: O(n (d m + (L − 1) m²)).
    public func outputs(_ inputs: Matrix) -> [Double] {
        checkInputs(inputs)
        var result: [Double] = []
        result.reserveCapacity(inputs.rows)
        for range in chunkRanges(inputs.rows) {
            var activation = inputs.rows(range)
            for layer in 1...architecture.layerCount {
                let preActivation = affine(activation, layer: layer)
                if layer == architecture.layerCount {
                    result.append(contentsOf: preActivation.storage)
                } else {
                    activation = applying(architecture.activation.value, to: preActivation)
                }
            }
        }
        return result
    }

    /// Takes one full-batch gradient-descent step `θ ← θ − η ∇Φ(θ)` on
    /// `Φ = (1/2n) Σ_i (f(x_i) − y_i)²` and returns `Φ` before the step.
    /// - Precondition: `learningRate` is finite and positive, and the inputs
    ///   and targets are as for `lossGradient(inputs:targets:)`.
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
                                    _ architecture: NetworkArchitecture) {
        let widths = architecture.layerWidths
        precondition(parameters.weights.count == architecture.layerCount,
                     "The parameters have \(parameters.weights.count) layers, but the "
                         + "architecture has \(architecture.layerCount).")
        for layer in 1...architecture.layerCount {
            let w = parameters.weights[layer - 1]
            precondition(w.rows == widths[layer] && w.columns == widths[layer - 1],
                         "Weight matrix \(layer) is \(w.rows)x\(w.columns), but the "
                             + "architecture needs \(widths[layer])x\(widths[layer - 1]).")
        }
    }
}

extension FullyConnectedNetwork {
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

    /// Computes `H^l = s_l A (W^l)ᵀ + σ_b 1 (b^l)ᵀ` for the activation rows
    /// `A` of layer `l − 1`.
    func affine(_ activation: Matrix, layer: Int) -> Matrix {
        let weights = parameters.weights[layer - 1]
        let bias = parameters.biases[layer - 1]
        let biasStd = architecture.biasStd
        var result = Matrix(rows: activation.rows, columns: weights.rows)
        result.storage.withUnsafeMutableBufferPointer { out in
            for i in 0..<activation.rows {
                for j in 0..<bias.count { out[i * bias.count + j] = biasStd * bias[j] }
            }
        }
        BLAS.gemm(activation, weights, transposeB: true,
                  alpha: architecture.weightScale(layer: layer), beta: 1, into: &result)
        return result
    }
}

/// Returns `function` applied to every entry of `matrix`.
func applying(_ function: (Double) -> Double, to matrix: Matrix) -> Matrix {
    var result = matrix
    result.storage.withUnsafeMutableBufferPointer { values in
        for i in 0..<values.count { values[i] = function(values[i]) }
    }
    return result
}

/// Multiplies `matrix` entrywise by `factor` (the Hadamard product).
func multiplyEntrywise(_ matrix: inout Matrix, by factor: Matrix) {
    precondition(matrix.rows == factor.rows && matrix.columns == factor.columns,
                 "Entrywise product of \(matrix.rows)x\(matrix.columns) and "
                     + "\(factor.rows)x\(factor.columns) matrices.")
    factor.storage.withUnsafeBufferPointer { f in
        matrix.storage.withUnsafeMutableBufferPointer { values in
            for i in 0..<values.count { values[i] *= f[i] }
        }
    }
}
