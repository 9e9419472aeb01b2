import Dispatch
import Foundation

/// The infinite-width NNGP and NTK of a residual network in the NTK
/// parameterization with `blocks` residual blocks.
///
/// The network is
///
///     h⁰ = (σ_w/√d) W⁰ x + σ_b b⁰
///     hᵏ = hᵏ⁻¹ + α (σ_w/√m) Wᵏ φ(hᵏ⁻¹),   k = 1 … B
///     f  = (σ_w/√m) w · φ(hᴮ) + σ_b b
///
/// with all entries of the weights and biases i.i.d. N(0, 1). With
/// β = α² σ_w² and (u, v) centred Gaussian of covariance
/// [[Σᵏ(x,x), Σᵏ(x,x')], [Σᵏ(x,x'), Σᵏ(x',x')]]:
///
///     Σ⁰ = σ_w² ⟨x, x'⟩ / d + σ_b²,                   Θ⁰ = Σ⁰
///     Σᵏ = Σᵏ⁻¹ + β E[φ(u) φ(v)]
///     Θᵏ = Θᵏ⁻¹ (1 + β E[φ'(u) φ'(v)]) + β E[φ(u) φ(v)]
///     NNGP = σ_w² E[φ(u) φ(v)] + σ_b²                   (u, v at layer B)
///     NTK  = NNGP + σ_w² E[φ'(u) φ'(v)] Θᴮ
///
/// Derivation: Wᵏ is independent of hᵏ⁻¹ and has mean zero, so the skip
/// path and the branch are uncorrelated and their covariances add. In the
/// tangent kernel, the gradient of hᵏ with respect to earlier parameters is
/// the skip term plus α (σ_w/√m) Wᵏ diag(φ'(hᵏ⁻¹)) times that of hᵏ⁻¹. The
/// cross term between the two is an average of m zero-mean entries of Wᵏ
/// and vanishes as m → ∞, and the branch term contributes β E[φ'φ'] Θᵏ⁻¹.
/// The new weights Wᵏ add β E[φφ]. `weightStd` is σ_w and `biasStd` is σ_b
/// (not their squares), and `branchScale` is α.
/// - SeeAlso: neural-tangents 0.6.5, whose `stax.FanOut`, `stax.parallel`
///   and `stax.FanInSum` build the same network. Its kernels agree with
///   these to 1e-15 relative for ReLU and erf (see the tests).
public struct ResidualKernel: Equatable, Codable, Sendable {
    /// The largest supported number of residual blocks.
    public static let maximumBlocks = 6

    public let activation: Activation
    /// Number of residual blocks B, in `1...maximumBlocks`.
    public let blocks: Int
    public let weightStd: Double
    public let biasStd: Double
    /// The factor α that multiplies every residual branch.
    public let branchScale: Double

    /// Creates the kernel. A `branchScale` of nil means α = 1/√blocks.
    public init(activation: Activation, blocks: Int, weightStd: Double, biasStd: Double,
                branchScale: Double? = nil) {
        let alpha = branchScale ?? 1 / Double(max(blocks, 1)).squareRoot()
        let problem = Self.validationProblem(blocks: blocks, weightStd: weightStd,
                                             biasStd: biasStd, branchScale: alpha)
        precondition(problem == nil, problem ?? "")
        self.activation = activation
        self.blocks = blocks
        self.weightStd = weightStd
        self.biasStd = biasStd
        self.branchScale = alpha
    }

    /// Decodes a kernel and validates it like `init`.
    /// - Throws: `DecodingError.dataCorrupted` when a value is out of range.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let blocks = try container.decode(Int.self, forKey: .blocks)
        let weightStd = try container.decode(Double.self, forKey: .weightStd)
        let biasStd = try container.decode(Double.self, forKey: .biasStd)
        let branchScale = try container.decode(Double.self, forKey: .branchScale)
        if let problem = Self.validationProblem(blocks: blocks, weightStd: weightStd,
                                                biasStd: biasStd, branchScale: branchScale) {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: problem))
        }
        self.activation = try container.decode(Activation.self, forKey: .activation)
        self.blocks = blocks
        self.weightStd = weightStd
        self.biasStd = biasStd
        self.branchScale = branchScale
    }

    /// Returns a sentence describing the first invalid value, or nil when
    /// all values are valid.
    static func validationProblem(blocks: Int, weightStd: Double, biasStd: Double,
                                  branchScale: Double) -> String? {
        if !(1...maximumBlocks).contains(blocks) {
            return "A residual kernel needs between 1 and \(maximumBlocks) blocks, got \(blocks)."
        }
        if !(weightStd.isFinite && weightStd > 0) {
            return "weightStd must be positive and finite, got \(weightStd)."
        }
        if !(biasStd.isFinite && biasStd >= 0) {
            return "biasStd must be non-negative and finite, got \(biasStd)."
        }
        if !(branchScale.isFinite && branchScale > 0) {
            return "branchScale must be positive and finite, got \(branchScale)."
        }
        return nil
    }

    var weightVariance: Double { weightStd * weightStd }
    var biasVariance: Double { biasStd * biasStd }
    /// β = α² σ_w², the variance that each branch adds per unit of E[φφ].
    var branchVariance: Double { branchScale * branchScale * weightVariance }

    /// Evaluates (Σ, Θ) of the output from the input-layer covariances
    /// `q11` = Σ⁰(x,x), `q22` = Σ⁰(x',x'), `q12` = Σ⁰(x,x').
    ///
    /// Pass `isDiagonal: true` when x and x' are the same input, so the
    /// exact diagonal expectations are used.
    public func evaluate(q11: Double, q22: Double, q12: Double,
                         isDiagonal: Bool = false) -> (nngp: Double, ntk: Double) {
        var a = q11, b = q22, c = q12
        var theta = c
        for _ in 0..<blocks {
            let cross = expectations(a, b, c, isDiagonal: isDiagonal)
            theta = theta * (1 + branchVariance * cross.derivative) + branchVariance * cross.value
            c = c + branchVariance * cross.value
            a = nextVariance(a)
            b = nextVariance(b)
        }
        let last = expectations(a, b, c, isDiagonal: isDiagonal)
        let nngp = weightVariance * last.value + biasVariance
        return (nngp, nngp + weightVariance * last.derivative * theta)
    }

    @inline(__always)
    private func expectations(_ a: Double, _ b: Double, _ c: Double,
                              isDiagonal: Bool) -> GaussianExpectations.Pair {
        isDiagonal
            ? GaussianExpectations.diagonal(activation, variance: a)
            : GaussianExpectations.pair(activation, q11: a, q22: b, q12: c)
    }

    /// Returns Σᵏ(x,x) from Σᵏ⁻¹(x,x) = `q`.
    @inline(__always)
    func nextVariance(_ q: Double) -> Double {
        q + branchVariance * GaussianExpectations.diagonal(activation, variance: q).value
    }

    /// Input-layer covariance Σ⁰ for inputs of dimension `dimension` with
    /// inner product `dot`.
    @inline(__always)
    func inputCovariance(dot: Double, dimension: Int) -> Double {
        weightVariance * dot / Double(dimension) + biasVariance
    }

    /// Computes the layer variances Σᵏ(x, x), k = 0 … blocks, of one input
    /// with squared norm `squaredNorm`.
    func layerVariances(squaredNorm: Double, dimension: Int) -> [Double] {
        var q = inputCovariance(dot: squaredNorm, dimension: dimension)
        var out = [q]
        for _ in 0..<blocks {
            q = nextVariance(q)
            out.append(q)
        }
        return out
    }

    /// Evaluates the kernel for one pair of inputs.
    public func callAsFunction(_ x: [Double], _ y: [Double], kind: KernelKind = .ntk) -> Double {
        precondition(x.count == y.count && !x.isEmpty,
                     "Kernel inputs must have the same non-zero dimension, got \(x.count) and \(y.count).")
        let d = x.count
        let q11 = inputCovariance(dot: BLAS.dot(x, x), dimension: d)
        let q22 = inputCovariance(dot: BLAS.dot(y, y), dimension: d)
        let q12 = inputCovariance(dot: BLAS.dot(x, y), dimension: d)
        let value = evaluate(q11: q11, q22: q22, q12: q12, isDiagonal: x == y)
        return kind == .ntk ? value.ntk : value.nngp
    }

    /// Evaluates κ(u) for inputs on the sphere of radius √d at cosine `u`,
    /// where Σ⁰ = σ_w² u + σ_b² and both variances are σ_w² + σ_b².
    public func onSphere(cosine u: Double, kind: KernelKind = .ntk) -> Double {
        let q = weightVariance + biasVariance
        let value = evaluate(q11: q, q22: q, q12: weightVariance * u + biasVariance,
                             isDiagonal: u == 1)
        return kind == .ntk ? value.ntk : value.nngp
    }

    /// Computes the Gram matrix K(x_i, x_j) of the rows of `inputs`, exactly
    /// symmetric, with diagonal entries from the diagonal expectations.
    /// - Complexity: O(n² d) for the inner products plus O(n² blocks).
    public func gram(_ inputs: Matrix, kind: KernelKind = .ntk) -> Matrix {
        let dots = BLAS.gram(inputs)
        let diagonal = (0..<inputs.rows).map { dots[$0, $0] }
        return fill(dots: dots, rowNorms: diagonal, columnNorms: diagonal,
                    dimension: inputs.columns, symmetric: true, kind: kind)
    }

    /// Computes the cross-kernel matrix K(x_i, y_j) between the rows of `x`
    /// and `y`.
    public func cross(_ x: Matrix, _ y: Matrix, kind: KernelKind = .ntk) -> Matrix {
        precondition(x.columns == y.columns,
                     "Cross-kernel inputs differ in dimension: \(x.columns) and \(y.columns).")
        let dots = BLAS.product(x, y, transposeB: true)
        let rowNorms = (0..<x.rows).map { BLAS.dot(x.row($0), x.row($0)) }
        let columnNorms = (0..<y.rows).map { BLAS.dot(y.row($0), y.row($0)) }
        return fill(dots: dots, rowNorms: rowNorms, columnNorms: columnNorms,
                    dimension: x.columns, symmetric: false, kind: kind)
    }

    /// Returns the largest layer variance Σᵏ(x, x), k = 0 … blocks, of an
    /// input with squared norm `squaredNorm` in dimension `dimension`.
    public func largestLayerVariance(squaredNorm: Double, dimension: Int) -> Double {
        layerVariances(squaredNorm: squaredNorm, dimension: dimension).max() ?? 0
    }

    /// Fills the kernel matrix from the input inner products.
    ///
    /// The `blocks + 1` layer variances of every input are computed once
    /// and stored contiguously, so each entry costs one pair expectation
    /// per layer. Rows are spread over threads, and ReLU rows go four
    /// entries at a time through `fillReLURow`, which performs the
    /// operations of the scalar loop below in the same order.
    private func fill(dots: Matrix, rowNorms: [Double], columnNorms: [Double], dimension: Int,
                      symmetric: Bool, kind: KernelKind) -> Matrix {
        let rows = dots.rows, columns = dots.columns
        let layers = blocks + 1
        let rowVariances = rowNorms.flatMap { layerVariances(squaredNorm: $0, dimension: dimension) }
        let columnVariances = symmetric ? rowVariances
            : columnNorms.flatMap { layerVariances(squaredNorm: $0, dimension: dimension) }
        var out = Matrix(rows: rows, columns: columns)
        let threadCount = max(1, min(rows, 64))
        let wantNTK = kind == .ntk
        let isReLU = activation == .relu
        // Layer-major copy of the column variances for the vectorized ReLU rows.
        var columnsByLayer = [Double](repeating: 0, count: isReLU ? layers * columns : 0)
        if isReLU {
            for j in 0..<columns {
                for l in 0..<layers { columnsByLayer[l * columns + j] = columnVariances[j * layers + l] }
            }
        }
        let inputDimension = Double(dimension)
        columnsByLayer.withUnsafeBufferPointer { layerBuffer in
        rowVariances.withUnsafeBufferPointer { rowBuffer in
        columnVariances.withUnsafeBufferPointer { columnBuffer in
        dots.storage.withUnsafeBufferPointer { dotBuffer in
            out.storage.withUnsafeMutableBufferPointer { buffer in
                let base = buffer.baseAddress!
                let dotBase = dotBuffer.baseAddress!
                let rowBase = rowBuffer.baseAddress!
                let columnBase = columnBuffer.baseAddress!
                // An empty array's buffer can still have a base address, so the
                // activation decides, not the pointer.
                let layerBase = isReLU ? layerBuffer.baseAddress : nil
                DispatchQueue.concurrentPerform(iterations: threadCount) { thread in
                    var i = thread
                    while i < rows {
                        let a = rowBase + i * layers
                        if symmetric {
                            let value = evaluate(q11: a[0], q22: a[0], q12: a[0], isDiagonal: true)
                            base[i * columns + i] = wantNTK ? value.ntk : value.nngp
                        }
                        var start = symmetric ? i + 1 : 0
                        if let layerBase {
                            let vectorEnd = start + (columns - start) / 4 * 4
                            fillReLURow(columns: start..<vectorEnd, rowVariances: a,
                                        columnVariances: layerBase, columnCount: columns,
                                        dots: dotBase + i * columns, inputDimension: inputDimension,
                                        wantNTK: wantNTK, out: base + i * columns)
                            start = vectorEnd
                        }
                        for j in start..<columns {
                            let value = entry(rowVariances: a, columnVariances: columnBase + j * layers,
                                              dot: dotBase[i * columns + j], inputDimension: inputDimension)
                            base[i * columns + j] = wantNTK ? value.ntk : value.nngp
                        }
                        i += threadCount
                    }
                }
            }
        }
        }
        }
        }
        if symmetric { FullyConnectedKernel.mirrorUpperTriangle(&out) }
        return out
    }

    /// Evaluates one off-diagonal entry from the stored layer variances of
    /// both inputs and their inner product.
    @inline(__always)
    private func entry(rowVariances a: UnsafePointer<Double>, columnVariances b: UnsafePointer<Double>,
                       dot: Double, inputDimension: Double) -> (nngp: Double, ntk: Double) {
        // The same rounding as `inputCovariance`, so parallel inputs give q12 = q11.
        var c = weightVariance * dot / inputDimension + biasVariance
        var theta = c
        for l in 0..<blocks {
            let pair = GaussianExpectations.pair(activation, q11: a[l], q22: b[l], q12: c)
            theta = theta * (1 + branchVariance * pair.derivative) + branchVariance * pair.value
            c = c + branchVariance * pair.value
        }
        let last = GaussianExpectations.pair(activation, q11: a[blocks], q22: b[blocks], q12: c)
        let nngp = weightVariance * last.value + biasVariance
        return (nngp, nngp + weightVariance * last.derivative * theta)
    }
}

extension ResidualKernel: ZonalKernel {
    public var family: String { "resnet" }

    public var summary: String {
        "residual, \(blocks) block\(blocks == 1 ? "" : "s"), \(activation.rawValue), "
            + "σ_w = \(weightStd), σ_b = \(biasStd), α = \(branchScale)"
    }

    /// Checks the largest squared row norm of `inputs`, because the layer
    /// variances grow with the input norm. They also never decrease from one
    /// block to the next, because every branch adds β E[φ²] ≥ 0.
    public func quadratureAccuracyProblem(inputs: Matrix) -> String? {
        guard !activation.hasClosedFormExpectations, inputs.rows > 0 else { return nil }
        let squaredNorm = (0..<inputs.rows).map { BLAS.dot(inputs.row($0), inputs.row($0)) }.max()!
        let largest = largestLayerVariance(squaredNorm: squaredNorm, dimension: inputs.columns)
        let limit = FullyConnectedKernel.quadratureVarianceLimit
        guard largest > limit else { return nil }
        return "the residual \(activation.rawValue) kernel reaches layer variance \(largest), "
            + "above the limit \(limit) where its Gauss-Hermite quadrature is accurate; lower "
            + "the weight or bias standard deviation, the branch scale, or the input norm"
    }
}
