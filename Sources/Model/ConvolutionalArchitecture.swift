import Theory

/// The shape and initialization scales of a convolutional network with
/// circular padding, stride 1, global average pooling and a scalar dense
/// readout.
///
/// An input is one channel (`C_0 = 1`) on a grid of `P` positions
/// (`spatialShape`, row-major), given as a row of `P` entries. Every layer
/// has `m = width` channels and a window of `Q = q^D` offsets `j`
/// (`CircularWindow`), and indices wrap around every axis:
///
///     h^1_a(p)     = (σ_w / √(C_0 Q)) Σ_c Σ_j W^1_{a,c,j} x_c(p+j) + σ_b b^1_a
///     h^{l+1}_a(p) = (σ_w / √(m Q)) Σ_c Σ_j W^{l+1}_{a,c,j} φ(h^l_c(p+j)) + σ_b b^{l+1}_a
///     f            = s_out Σ_a w_a (1/P) Σ_p φ(h^L_a(p)) + σ_b b
///
/// with all weights and biases i.i.d. N(0, 1). The readout scale `s_out`
/// is `σ_w / √m` in the NTK parameterization and `σ_w / m` in the
/// mean-field one.
///
/// A filter is stored as an `m × (C Q)` matrix whose column `j C + c`
/// multiplies input channel `c` at offset `j`: offset-major, then channel.
/// Row `(i, p)` of the patch matrix of a layer is then the concatenation of
/// the channel vectors at the positions `p + j` in offset order.
/// - SeeAlso: Arora et al. (2019), "On Exact Computation with an Infinitely
///   Wide Neural Net", NeurIPS 32, Sec. 4.
public struct ConvolutionalArchitecture: Sendable, Codable, Equatable {
    public typealias OutputScale = NetworkArchitecture.OutputScale

    /// The largest supported number of convolutional layers.
    public static let maximumDepth = ConvolutionalKernel.maximumDepth

    /// The grid extent per axis: `[P]` for signals, `[H, W]` for images.
    public let spatialShape: [Int]
    /// The number of filter taps q per axis, odd and at most every extent.
    public let filterSize: Int
    /// The number of channels m of every convolutional layer.
    public let width: Int
    /// The number of convolutional layers L, in `1...maximumDepth`.
    public let depth: Int
    /// Nonlinearity φ applied after every convolutional layer.
    public let activation: Activation
    /// Weight standard deviation σ_w (not its square).
    public let weightStd: Double
    /// Bias standard deviation σ_b (not its square). A value of 0 disables
    /// biases.
    public let biasStd: Double
    /// Scale of the readout layer.
    public let outputScale: OutputScale

    /// Creates an architecture.
    /// - Precondition: one or two spatial axes, an odd `filterSize` no
    ///   larger than any extent, `width >= 1`, `1 <= depth <= maximumDepth`,
    ///   `weightStd` finite and positive, `biasStd` finite and non-negative.
    public init(spatialShape: [Int], filterSize: Int, width: Int, depth: Int,
                activation: Activation, weightStd: Double, biasStd: Double,
                outputScale: OutputScale = .ntk) {
        if let problem = Self.validationProblem(spatialShape: spatialShape, filterSize: filterSize,
                                                width: width, depth: depth,
                                                weightStd: weightStd, biasStd: biasStd) {
            preconditionFailure(problem)
        }
        self.spatialShape = spatialShape
        self.filterSize = filterSize
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
        let spatialShape = try container.decode([Int].self, forKey: .spatialShape)
        let filterSize = try container.decode(Int.self, forKey: .filterSize)
        let width = try container.decode(Int.self, forKey: .width)
        let depth = try container.decode(Int.self, forKey: .depth)
        let weightStd = try container.decode(Double.self, forKey: .weightStd)
        let biasStd = try container.decode(Double.self, forKey: .biasStd)
        if let problem = Self.validationProblem(spatialShape: spatialShape, filterSize: filterSize,
                                                width: width, depth: depth,
                                                weightStd: weightStd, biasStd: biasStd) {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: problem))
        }
        self.init(spatialShape: spatialShape, filterSize: filterSize, width: width, depth: depth,
                  activation: try container.decode(Activation.self, forKey: .activation),
                  weightStd: weightStd, biasStd: biasStd,
                  outputScale: try container.decode(OutputScale.self, forKey: .outputScale))
    }

    /// Returns a sentence describing the first invalid value, or `nil` when
    /// all values are valid.
    private static func validationProblem(spatialShape: [Int], filterSize: Int, width: Int,
                                          depth: Int, weightStd: Double,
                                          biasStd: Double) -> String? {
        if let problem = CircularWindow.validationProblem(spatialShape: spatialShape,
                                                          filterSize: filterSize) {
            return problem
        }
        if width < 1 {
            return "The width must be at least 1 channel, got \(width)."
        }
        if !(1...maximumDepth).contains(depth) {
            return "The depth must be between 1 and \(maximumDepth) convolutional layers, got \(depth)."
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

extension ConvolutionalArchitecture {
    /// The number of grid positions P, which is also the input dimension.
    public var positionCount: Int { spatialShape.reduce(1, *) }

    /// The number of offsets in a window, `Q = q^D`.
    public var windowSize: Int { spatialShape.reduce(1) { product, _ in product * filterSize } }

    /// Weight variance σ_w².
    public var weightVariance: Double { weightStd * weightStd }

    /// Bias variance σ_b².
    public var biasVariance: Double { biasStd * biasStd }

    /// Number of affine layers, `L + 1`, counting the readout.
    public var layerCount: Int { depth + 1 }

    /// Returns the number of input channels of layer `l`: 1 for `l = 1`, m after.
    public func inputChannels(layer: Int) -> Int { layer == 1 ? 1 : width }

    /// The weight matrix shapes `(rows, columns)` in parameter order:
    /// `m × Q`, then `m × m Q` for each further layer, then `1 × m`.
    public var weightShapes: [(rows: Int, columns: Int)] {
        (1...depth).map { (width, inputChannels(layer: $0) * windowSize) } + [(1, width)]
    }

    /// Returns the factor `s_l` that multiplies `W^l`: `σ_w / √(C_{l-1} Q)`
    /// for convolutional layers and the readout scale of `outputScale` for
    /// `l = L + 1`.
    /// - Precondition: `1 <= layer <= depth + 1`.
    public func weightScale(layer: Int) -> Double {
        precondition((1...layerCount).contains(layer),
                     "The layer index must be between 1 and \(layerCount), got \(layer).")
        if layer <= depth {
            return weightStd / Double(inputChannels(layer: layer) * windowSize).squareRoot()
        }
        switch outputScale {
        case .ntk: return weightStd / Double(width).squareRoot()
        case .meanField: return weightStd / Double(width)
        }
    }

    /// Total number of weights and biases.
    public var parameterCount: Int {
        weightShapes.reduce(0) { $0 + $1.rows * ($1.columns + 1) }
    }

    /// The infinite-width kernel of this architecture.
    public var kernel: ConvolutionalKernel {
        ConvolutionalKernel(activation: activation, depth: depth, spatialShape: spatialShape,
                            filterSize: filterSize, weightStd: weightStd, biasStd: biasStd)
    }
}

extension NetworkParameters {
    /// Creates all-zero parameters shaped for `architecture`.
    public init(zerosFor architecture: ConvolutionalArchitecture) {
        let shapes = architecture.weightShapes
        self.init(weights: shapes.map { Matrix(rows: $0.rows, columns: $0.columns) },
                  biases: shapes.map { [Double](repeating: 0, count: $0.rows) })
    }

    /// Draws i.i.d. N(0, 1) parameters from `source` in the flat order
    /// `W^1` (row-major), `b^1`, …, `W^L`, `b^L`, `w`, `b`. Biases are drawn
    /// even when `biasStd` is 0, so the weights of a seed do not depend on
    /// the bias scale.
    public init(drawnFrom source: GaussianSource, architecture: ConvolutionalArchitecture) {
        var weights: [Matrix] = []
        var biases: [[Double]] = []
        for shape in architecture.weightShapes {
            weights.append(Matrix(rows: shape.rows, columns: shape.columns,
                                  storage: source.normals(shape.rows * shape.columns)))
            biases.append(source.normals(shape.rows))
        }
        self.init(weights: weights, biases: biases)
    }
}
