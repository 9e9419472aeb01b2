import Theory

/// The shape and initialization scales of a residual network with a scalar
/// output:
///
///     h⁰ = (σ_w/√d) W⁰ x + σ_b b⁰
///     hᵏ = hᵏ⁻¹ + α (σ_w/√m) Wᵏ φ(hᵏ⁻¹),   k = 1 … B
///     f  = s_out w · φ(hᴮ) + σ_b b
///
/// with `W⁰` of size m × d, a fresh m × m `Wᵏ` without bias in every block,
/// and all entries of the weights and biases i.i.d. N(0, 1). The readout
/// scale `s_out` is `σ_w/√m` in the NTK parameterization and `σ_w/m` in the
/// mean-field one. The NTK parameterization has the infinite-width kernel
/// `ResidualKernel`.
public struct ResidualArchitecture: Sendable, Codable, Equatable {
    /// Input dimension `d`.
    public let inputDimension: Int
    /// Width `m` of the input layer and of every block.
    public let width: Int
    /// Number of residual blocks `B`, in `1...ResidualKernel.maximumBlocks`.
    public let blocks: Int
    /// Nonlinearity `φ` at the start of every branch and before the readout.
    public let activation: Activation
    /// Weight standard deviation `σ_w` (not its square).
    public let weightStd: Double
    /// Bias standard deviation `σ_b` (not its square) of the input layer and
    /// the readout. A value of 0 disables biases.
    public let biasStd: Double
    /// The factor `α` that multiplies every residual branch.
    public let branchScale: Double
    /// Scale of the readout layer.
    public let outputScale: NetworkArchitecture.OutputScale

    /// Creates an architecture. A `branchScale` of nil means `α = 1/√blocks`.
    /// - Precondition: `inputDimension >= 1`, `width >= 1`,
    ///   `1 <= blocks <= ResidualKernel.maximumBlocks`, `weightStd` and
    ///   `branchScale` finite and positive, `biasStd` finite and non-negative.
    public init(inputDimension: Int, width: Int, blocks: Int, activation: Activation,
                weightStd: Double, biasStd: Double, branchScale: Double? = nil,
                outputScale: NetworkArchitecture.OutputScale = .ntk) {
        let alpha = branchScale ?? 1 / Double(max(blocks, 1)).squareRoot()
        let problem = Self.validationProblem(inputDimension: inputDimension, width: width,
                                             blocks: blocks, weightStd: weightStd,
                                             biasStd: biasStd, branchScale: alpha)
        precondition(problem == nil, problem ?? "")
        self.inputDimension = inputDimension
        self.width = width
        self.blocks = blocks
        self.activation = activation
        self.weightStd = weightStd
        self.biasStd = biasStd
        self.branchScale = alpha
        self.outputScale = outputScale
    }

    /// Decodes an architecture and validates it like `init`.
    /// - Throws: `DecodingError.dataCorrupted` when a value is out of range.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let inputDimension = try container.decode(Int.self, forKey: .inputDimension)
        let width = try container.decode(Int.self, forKey: .width)
        let blocks = try container.decode(Int.self, forKey: .blocks)
        let weightStd = try container.decode(Double.self, forKey: .weightStd)
        let biasStd = try container.decode(Double.self, forKey: .biasStd)
        let branchScale = try container.decode(Double.self, forKey: .branchScale)
        if let problem = Self.validationProblem(inputDimension: inputDimension, width: width,
                                                blocks: blocks, weightStd: weightStd,
                                                biasStd: biasStd, branchScale: branchScale) {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: problem))
        }
        self.inputDimension = inputDimension
        self.width = width
        self.blocks = blocks
        self.activation = try container.decode(Activation.self, forKey: .activation)
        self.weightStd = weightStd
        self.biasStd = biasStd
        self.branchScale = branchScale
        self.outputScale = try container.decode(NetworkArchitecture.OutputScale.self,
                                                forKey: .outputScale)
    }

    /// Returns a sentence describing the first invalid value, or `nil` when
    /// all values are valid.
    private static func validationProblem(inputDimension: Int, width: Int, blocks: Int,
                                          weightStd: Double, biasStd: Double,
                                          branchScale: Double) -> String? {
        if inputDimension < 1 {
            return "The input dimension must be at least 1, got \(inputDimension)."
        }
        if width < 1 {
            return "The width must be at least 1, got \(width)."
        }
        let maximumBlocks = ResidualKernel.maximumBlocks
        if !(1...maximumBlocks).contains(blocks) {
            return "The number of residual blocks must be between 1 and \(maximumBlocks), "
                + "got \(blocks)."
        }
        if !(weightStd.isFinite && weightStd > 0) {
            return "The weight standard deviation must be finite and positive, got \(weightStd)."
        }
        if !(biasStd.isFinite && biasStd >= 0) {
            return "The bias standard deviation must be finite and non-negative, got \(biasStd)."
        }
        if !(branchScale.isFinite && branchScale > 0) {
            return "The branch scale must be finite and positive, got \(branchScale)."
        }
        return nil
    }
}

extension ResidualArchitecture {
    /// Weight variance `σ_w²`.
    public var weightVariance: Double { weightStd * weightStd }

    /// Bias variance `σ_b²`.
    public var biasVariance: Double { biasStd * biasStd }

    /// Number of weight matrices, `B + 2`: the input layer, one per block
    /// and the readout.
    public var layerCount: Int { blocks + 2 }

    /// Returns the factor that multiplies weight matrix `layer` (1-based, in
    /// the order of `NetworkParameters.weights`): `σ_w/√d` for `W⁰`,
    /// `α σ_w/√m` for the blocks, and the readout scale of `outputScale`
    /// for `w`.
    /// - Precondition: `1 <= layer <= blocks + 2`.
    public func weightScale(layer: Int) -> Double {
        precondition((1...layerCount).contains(layer),
                     "The layer index must be between 1 and \(layerCount), got \(layer).")
        if layer == 1 {
            return weightStd / Double(inputDimension).squareRoot()
        }
        if layer <= blocks + 1 {
            return branchScale * weightStd / Double(width).squareRoot()
        }
        switch outputScale {
        case .ntk: return weightStd / Double(width).squareRoot()
        case .meanField: return weightStd / Double(width)
        }
    }

    /// Total number of weights and biases, `m d + m + B m² + m + 1`.
    public var parameterCount: Int {
        width * inputDimension + width + blocks * width * width + width + 1
    }

    /// The infinite-width kernel of the NTK parameterization with the same
    /// scales. The mean-field parameterization has no such limit kernel.
    public var kernel: ResidualKernel {
        ResidualKernel(activation: activation, blocks: blocks, weightStd: weightStd,
                       biasStd: biasStd, branchScale: branchScale)
    }
}

extension NetworkParameters {
    /// Creates all-zero parameters shaped for `architecture`: weights
    /// `[W⁰, W¹, …, Wᴮ, w]` and biases `[b⁰, [], …, [], b]`.
    public init(zerosFor architecture: ResidualArchitecture) {
        self.init(residualLayout: architecture) { Array(repeating: 0, count: $0) }
    }

    /// Draws i.i.d. N(0, 1) parameters from `source` in the flat order
    /// `W⁰` (row-major), `b⁰`, `W¹`, …, `Wᴮ`, `w`, `b`.
    ///
    /// Biases are drawn even when `biasStd` is 0, so that the weights for a
    /// given seed do not depend on the bias scale.
    public init(drawnFrom source: GaussianSource, architecture: ResidualArchitecture) {
        self.init(residualLayout: architecture) { source.normals($0) }
    }

    /// Creates parameters from a flat vector in the order of `flattened`:
    /// `W⁰` (row-major), `b⁰`, `W¹`, …, `Wᴮ`, `w`, `b`.
    /// - Precondition: `flattened.count == architecture.parameterCount`.
    public init(architecture: ResidualArchitecture, flattened: [Double]) {
        precondition(flattened.count == architecture.parameterCount,
                     "The flat parameter vector has \(flattened.count) entries, but the "
                         + "architecture has \(architecture.parameterCount) parameters.")
        var offset = 0
        self.init(residualLayout: architecture) { count in
            defer { offset += count }
            return Array(flattened[offset..<(offset + count)])
        }
    }

    /// Creates the residual layout, taking the entries of each weight
    /// matrix and bias vector in flat order from `entries(count)`.
    private init(residualLayout architecture: ResidualArchitecture,
                 entries: (Int) -> [Double]) {
        let m = architecture.width, d = architecture.inputDimension
        var weights = [Matrix(rows: m, columns: d, storage: entries(m * d))]
        var biases = [entries(m)]
        for _ in 0..<architecture.blocks {
            weights.append(Matrix(rows: m, columns: m, storage: entries(m * m)))
            biases.append([])
        }
        weights.append(Matrix(rows: 1, columns: m, storage: entries(m)))
        biases.append(entries(1))
        self.init(weights: weights, biases: biases)
    }
}
