import Theory

/// The shape and initialization scales of a fully connected network with a
/// scalar output.
///
/// Layer `l` (1-based) maps width `m_{l-1}` to `m_l`, where `m_0 = d`,
/// `m_1 = … = m_L = m` and `m_{L+1} = 1`:
///
///     h^1     = (σ_w / √d) W^1 x + σ_b b^1
///     h^{l+1} = (σ_w / √m) W^{l+1} φ(h^l) + σ_b b^{l+1},   l = 1 … L − 1
///     f       = s_{L+1} W^{L+1} φ(h^L) + σ_b b^{L+1}
///
/// with all entries of `W^l` and `b^l` i.i.d. N(0, 1). The readout scale
/// `s_{L+1}` is `σ_w / √m` in the NTK parameterization and `σ_w / m` in the
/// mean-field one.
/// - SeeAlso: Jacot, Gabriel & Hongler (2018), "Neural Tangent Kernel:
///   Convergence and Generalization in Neural Networks", NeurIPS 31, Eq. (1).
public struct NetworkArchitecture: Sendable, Codable, Equatable {
    /// The factor that multiplies the readout layer's weights.
    public enum OutputScale: String, Sendable, Codable, CaseIterable {
        /// Readout scale `σ_w / √m`, the NTK parameterization. The empirical
        /// NTK converges to a deterministic kernel as `m → ∞`.
        case ntk
        /// Readout scale `σ_w / m`. Training leaves the kernel regime, which
        /// makes this a negative control for kernel predictions.
        case meanField
    }

    /// The largest supported number of hidden layers.
    public static let maximumDepth = 6

    /// Input dimension `d`.
    public let inputDimension: Int
    /// Width `m` of every hidden layer.
    public let width: Int
    /// Number of hidden layers `L`, in `1...maximumDepth`.
    public let depth: Int
    /// Nonlinearity `φ` applied after every hidden layer.
    public let activation: Activation
    /// Weight standard deviation `σ_w` (not its square).
    public let weightStd: Double
    /// Bias standard deviation `σ_b` (not its square). A value of 0 disables
    /// biases.
    public let biasStd: Double
    /// Scale of the readout layer.
    public let outputScale: OutputScale

    /// Creates an architecture.
    /// - Precondition: `inputDimension >= 1`, `width >= 1`,
    ///   `1 <= depth <= maximumDepth`, `weightStd` finite and positive,
    ///   `biasStd` finite and non-negative.
    public init(inputDimension: Int, width: Int, depth: Int, activation: Activation,
                weightStd: Double, biasStd: Double, outputScale: OutputScale = .ntk) {
        let problem = Self.validationProblem(inputDimension: inputDimension, width: width,
                                             depth: depth, weightStd: weightStd,
                                             biasStd: biasStd)
        precondition(problem == nil, problem ?? "")
        self.inputDimension = inputDimension
        self.width = width
        self.depth = depth
        self.activation = activation
        self.weightStd = weightStd
        self.biasStd = biasStd
        self.outputScale = outputScale
    }

    /// Decodes an architecture and validates it like `init`.
    /// - Throws: `DecodingError.dataCorrupted` when a value is out of range.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let inputDimension = try container.decode(Int.self, forKey: .inputDimension)
        let width = try container.decode(Int.self, forKey: .width)
        let depth = try container.decode(Int.self, forKey: .depth)
        let weightStd = try container.decode(Double.self, forKey: .weightStd)
        let biasStd = try container.decode(Double.self, forKey: .biasStd)
        if let problem = Self.validationProblem(inputDimension: inputDimension, width: width,
                                                depth: depth, weightStd: weightStd,
                                                biasStd: biasStd) {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: problem))
        }
        self.inputDimension = inputDimension
        self.width = width
        self.depth = depth
        self.activation = try container.decode(Activation.self, forKey: .activation)
        self.weightStd = weightStd
        self.biasStd = biasStd
        self.outputScale = try container.decode(OutputScale.self, forKey: .outputScale)
    }

    /// Returns a sentence describing the first invalid value, or `nil` when
    /// all values are valid.
    private static func validationProblem(inputDimension: Int, width: Int, depth: Int,
                                          weightStd: Double, biasStd: Double) -> String? {
        if inputDimension < 1 {
            return "The input dimension must be at least 1, got \(inputDimension)."
        }
        if width < 1 {
            return "The width must be at least 1, got \(width)."
        }
        if !(1...maximumDepth).contains(depth) {
            return "The depth must be between 1 and \(maximumDepth) hidden layers, got \(depth)."
        }
        if !(weightStd.isFinite && weightStd > 0) {
            return "The weight standard deviation must be finite and positive, got \(weightStd)."
        }
        if !(biasStd.isFinite && biasStd >= 0) {
            return "The bias standard deviation must be finite and non-negative, got \(biasStd)."
        }
        return nil
    }
}

extension NetworkArchitecture {
    /// Weight variance `σ_w²`.
    public var weightVariance: Double { weightStd * weightStd }

    /// Bias variance `σ_b²`.
    public var biasVariance: Double { biasStd * biasStd }

    /// Number of affine layers, `L + 1`, counting the readout.
    public var layerCount: Int { depth + 1 }

    /// Widths `[d, m, …, m, 1]`: entry `l` is `m_l`, so layer `l` maps
    /// `layerWidths[l - 1]` inputs to `layerWidths[l]` outputs.
    public var layerWidths: [Int] {
        [inputDimension] + Array(repeating: width, count: depth) + [1]
    }

    /// Returns the factor `s_l` that multiplies `W^l` in layer `l`:
    /// `σ_w / √d` for `l = 1`, `σ_w / √m` for hidden layers, and the readout
    /// scale of `outputScale` for `l = L + 1`.
    /// - Precondition: `1 <= layer <= depth + 1`.
    public func weightScale(layer: Int) -> Double {
        precondition((1...layerCount).contains(layer),
                     "The layer index must be between 1 and \(layerCount), got \(layer).")
        if layer == 1 {
            return weightStd / Double(inputDimension).squareRoot()
        }
        if layer <= depth {
            return weightStd / Double(width).squareRoot()
        }
        switch outputScale {
        case .ntk: return weightStd / Double(width).squareRoot()
        case .meanField: return weightStd / Double(width)
        }
    }

    /// Total number of weights and biases, `Σ_l m_l (m_{l-1} + 1)`.
    public var parameterCount: Int {
        let widths = layerWidths
        return (1...layerCount).reduce(0) { $0 + widths[$1] * (widths[$1 - 1] + 1) }
    }
}
