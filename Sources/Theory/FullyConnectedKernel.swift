import Dispatch
import Foundation

/// Which infinite-width kernel of a network to evaluate.
public enum KernelKind: String, CaseIterable, Codable, Sendable {
    /// The neural tangent kernel Θ.
    case ntk
    /// The neural-network Gaussian-process (NNGP) kernel Σ, the covariance of
    /// the outputs at initialization.
    case nngp
}

/// The infinite-width NNGP and NTK of a fully connected network in the NTK
/// parameterization with `depth` hidden layers:
///
///     Σ¹(x, x') = σ_w² ⟨x, x'⟩ / d + σ_b²,           Θ¹ = Σ¹
///     Σ^{l+1}  = σ_w² E[φ(u) φ(v)] + σ_b²
///     Θ^{l+1}  = Σ^{l+1} + σ_w² E[φ'(u) φ'(v)] Θ^l,   l = 1 … depth
///
/// with (u, v) centred Gaussian of covariance [[Σ^l(x,x), Σ^l(x,x')],
/// [Σ^l(x,x'), Σ^l(x',x')]]. The NTK is Θ^{depth+1}. `weightStd` is σ_w
/// (not its square) and `biasStd` is σ_b.
/// - SeeAlso: Jacot, Gabriel & Hongler (2018), "Neural Tangent Kernel",
///   NeurIPS 31, Theorem 1; Arora et al. (2019), "On Exact Computation with
///   an Infinitely Wide Neural Net", NeurIPS 32, eqs. (9)–(13).
public struct FullyConnectedKernel: Equatable, Codable, Sendable {
    public var activation: Activation
    public var depth: Int
    public var weightStd: Double
    public var biasStd: Double

    public init(activation: Activation, depth: Int, weightStd: Double, biasStd: Double) {
        precondition(depth >= 1, "A fully connected kernel needs at least one hidden layer, got depth \(depth).")
        precondition(weightStd > 0 && weightStd.isFinite, "weightStd must be positive and finite, got \(weightStd).")
        precondition(biasStd >= 0 && biasStd.isFinite, "biasStd must be non-negative and finite, got \(biasStd).")
        self.activation = activation
        self.depth = depth
        self.weightStd = weightStd
        self.biasStd = biasStd
    }

    var weightVariance: Double { weightStd * weightStd }
    var biasVariance: Double { biasStd * biasStd }

    /// Evaluates (Σ, Θ) of the output layer from the first-layer covariances
    /// `q11` = Σ¹(x,x), `q22` = Σ¹(x',x'), `q12` = Σ¹(x,x').
    ///
    /// Pass `isDiagonal: true` when x and x' are the same input, so the
    /// exact diagonal expectations are used.
    public func evaluate(q11: Double, q22: Double, q12: Double,
                         isDiagonal: Bool = false) -> (nngp: Double, ntk: Double) {
        var a = q11, b = q22, c = q12
        var theta = c
        for _ in 0..<depth {
            let cross = isDiagonal
                ? GaussianExpectations.diagonal(activation, variance: a)
                : GaussianExpectations.pair(activation, q11: a, q22: b, q12: c)
            let aNext = weightVariance * GaussianExpectations.diagonal(activation, variance: a).value + biasVariance
            let bNext = weightVariance * GaussianExpectations.diagonal(activation, variance: b).value + biasVariance
            let cNext = weightVariance * cross.value + biasVariance
            theta = cNext + weightVariance * cross.derivative * theta
            a = aNext
            b = bNext
            c = cNext
        }
        return (c, theta)
    }

    /// First-layer covariance Σ¹ for inputs of dimension `dimension` with
    /// inner product `dot`.
    @inline(__always)
    func inputCovariance(dot: Double, dimension: Int) -> Double {
        weightVariance * dot / Double(dimension) + biasVariance
    }

    /// Evaluates the kernel for one pair of inputs.
    public func callAsFunction(_ x: [Double], _ y: [Double], kind: KernelKind = .ntk) -> Double {
        precondition(x.count == y.count && !x.isEmpty, "Kernel inputs must have the same non-zero dimension.")
        let d = x.count
        let q11 = inputCovariance(dot: BLAS.dot(x, x), dimension: d)
        let q22 = inputCovariance(dot: BLAS.dot(y, y), dimension: d)
        let q12 = inputCovariance(dot: BLAS.dot(x, y), dimension: d)
        let value = evaluate(q11: q11, q22: q22, q12: q12, isDiagonal: x == y)
        return kind == .ntk ? value.ntk : value.nngp
    }

    /// Evaluates κ(u) for inputs on the sphere of radius √d at cosine `u`,
    /// where Σ¹ = σ_w² u + σ_b² and both variances are σ_w² + σ_b².
    public func onSphere(cosine u: Double, kind: KernelKind = .ntk) -> Double {
        let q = weightVariance + biasVariance
        let value = evaluate(q11: q, q22: q, q12: weightVariance * u + biasVariance, isDiagonal: u == 1)
        return kind == .ntk ? value.ntk : value.nngp
    }

    /// The Gram matrix K(x_i, x_j) of the rows of `inputs`, with exact
    /// diagonal entries.
    /// - Complexity: O(n² d) for the inner products plus O(n² depth).
    public func gram(_ inputs: Matrix, kind: KernelKind = .ntk) -> Matrix {
        let dots = BLAS.gram(inputs)
        let diagonal = (0..<inputs.rows).map { dots[$0, $0] }
        return fill(dots: dots, rowNorms: diagonal, columnNorms: diagonal, dimension: inputs.columns,
                    symmetric: true, kind: kind)
    }

    /// The cross-kernel matrix K(x_i, y_j) between the rows of `x` and `y`.
    public func cross(_ x: Matrix, _ y: Matrix, kind: KernelKind = .ntk) -> Matrix {
        precondition(x.columns == y.columns, "Cross-kernel inputs differ in dimension: \(x.columns) and \(y.columns).")
        let dots = BLAS.product(x, y, transposeB: true)
        let rowNorms = (0..<x.rows).map { BLAS.dot(x.row($0), x.row($0)) }
        let columnNorms = (0..<y.rows).map { BLAS.dot(y.row($0), y.row($0)) }
        return fill(dots: dots, rowNorms: rowNorms, columnNorms: columnNorms, dimension: x.columns,
                    symmetric: false, kind: kind)
    }

    /// The largest layer variance at which tanh, softplus and GELU kernels
    /// are evaluated. Up to it the 64-point Gauss–Hermite rule meets the
    /// accuracy that `GaussHermiteRule.kernelDefault` states. Past it, tanh
    /// and other steep integrands lose digits quickly: at variance 10 and
    /// correlation 0.99 the tanh E[φ'φ'] differs from a 96-point rule by 10%.
    public static let quadratureVarianceLimit = 3.0

    /// Returns the largest layer variance Σ^l(x, x), l = 1 … depth, of an
    /// input with squared norm `squaredNorm` in dimension `dimension`.
    public func largestLayerVariance(squaredNorm: Double, dimension: Int) -> Double {
        diagonalSequence(squaredNorm: squaredNorm, dimension: dimension).max() ?? 0
    }

    /// Returns a sentence saying why the Gaussian expectations would be
    /// inaccurate for inputs of squared norm `squaredNorm`, or nil when they
    /// are exact (ReLU, erf) or within `quadratureVarianceLimit`.
    public func quadratureAccuracyProblem(squaredNorm: Double, dimension: Int) -> String? {
        guard !activation.hasClosedFormExpectations else { return nil }
        let largest = largestLayerVariance(squaredNorm: squaredNorm, dimension: dimension)
        guard largest > Self.quadratureVarianceLimit else { return nil }
        return "the \(activation.rawValue) kernel reaches layer variance \(largest), above the limit "
            + "\(Self.quadratureVarianceLimit) where its Gauss-Hermite quadrature is accurate; "
            + "lower the weight or bias standard deviation, or the input norm"
    }

    /// The per-layer variances Σ^l(x, x), l = 1 … depth, of one input with
    /// squared norm `squaredNorm`, and the diagonal E[φ'φ'] of each layer.
    private func diagonalSequence(squaredNorm: Double, dimension: Int) -> [Double] {
        var q = inputCovariance(dot: squaredNorm, dimension: dimension)
        var out = [q]
        for _ in 1..<max(depth, 1) {
            q = weightVariance * GaussianExpectations.diagonal(activation, variance: q).value + biasVariance
            out.append(q)
        }
        return out
    }

    /// Fills the kernel matrix from the input inner products. The variances
    /// of every layer are computed once per input and stored contiguously,
    /// `depth` values per input, so the inner loop reads them through raw
    /// pointers without retaining an array per entry. Each entry then costs
    /// one pair expectation per layer. Rows are spread over threads.
    private func fill(dots: Matrix, rowNorms: [Double], columnNorms: [Double], dimension: Int,
                      symmetric: Bool, kind: KernelKind) -> Matrix {
        let rows = dots.rows, columns = dots.columns
        let rowVariances = rowNorms.flatMap { diagonalSequence(squaredNorm: $0, dimension: dimension) }
        let columnVariances = symmetric ? rowVariances
            : columnNorms.flatMap { diagonalSequence(squaredNorm: $0, dimension: dimension) }
        var out = Matrix(rows: rows, columns: columns)
        let blockCount = max(1, min(rows, 64))
        let wantNTK = kind == .ntk
        let depth = depth, activation = activation
        let weightVariance = weightVariance, biasVariance = biasVariance
        let inputDimension = Double(dimension)
        // Layer-major copy of the column variances for the vectorized ReLU rows.
        var columnsByLayer = [Double](repeating: 0, count: activation == .relu ? depth * columns : 0)
        if activation == .relu {
            for j in 0..<columns { for l in 0..<depth { columnsByLayer[l * columns + j] = columnVariances[j * depth + l] } }
        }
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
                let layerBase = activation == .relu ? layerBuffer.baseAddress : nil
                DispatchQueue.concurrentPerform(iterations: blockCount) { block in
                    var i = block
                    while i < rows {
                        let a = rowBase + i * depth
                        if symmetric {
                            let value = evaluate(q11: a[0], q22: a[0], q12: a[0], isDiagonal: true)
                            base[i * columns + i] = wantNTK ? value.ntk : value.nngp
                        }
                        // Entries after the diagonal, four at a time on the
                        // ReLU path, then the rest one at a time.
                        var start = symmetric ? i + 1 : 0
                        if let layerBase {
                            let vectorEnd = start + (columns - start) / 4 * 4
                            fillReLURow(columns: start..<vectorEnd, rowVariances: a, columnVariances: layerBase,
                                        columnCount: columns, dots: dotBase + i * columns,
                                        inputDimension: inputDimension, wantNTK: wantNTK, out: base + i * columns)
                            start = vectorEnd
                        }
                        for j in start..<columns {
                            let b = columnBase + j * depth
                            // The same rounding as `inputCovariance`, so parallel inputs give q12 = q11.
                            var c = weightVariance * dotBase[i * columns + j] / inputDimension + biasVariance
                            var theta = c
                            for l in 0..<depth {
                                let pair = GaussianExpectations.pair(activation, q11: a[l], q22: b[l], q12: c)
                                c = weightVariance * pair.value + biasVariance
                                theta = c + weightVariance * pair.derivative * theta
                            }
                            base[i * columns + j] = wantNTK ? theta : c
                        }
                        i += blockCount
                    }
                }
            }
        }
        }
        }
        }
        if symmetric { Self.mirrorUpperTriangle(&out) }
        return out
    }

    /// Copies the upper triangle of a square matrix into its lower triangle
    /// in 64 × 64 tiles, so the strided reads stay in cache, with tile rows
    /// spread over threads.
    static func mirrorUpperTriangle(_ matrix: inout Matrix) {
        let n = matrix.rows, tile = 64
        let tileRows = (n + tile - 1) / tile
        matrix.storage.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            DispatchQueue.concurrentPerform(iterations: tileRows) { tileRow in
                let rowStart = tileRow * tile, rowEnd = min(rowStart + tile, n)
                for columnStart in stride(from: 0, to: rowEnd, by: tile) {
                    for i in rowStart..<rowEnd {
                        for j in columnStart..<min(columnStart + tile, i) {
                            base[i * n + j] = base[j * n + i]
                        }
                    }
                }
            }
        }
    }
}

extension FullyConnectedKernel: ZonalKernel {
    public var family: String { "fc" }

    public var summary: String {
        "fully connected, \(depth) hidden layer\(depth == 1 ? "" : "s"), \(activation.rawValue), "
            + "σ_w = \(weightStd), σ_b = \(biasStd)"
    }

    /// Checks the largest squared row norm of `inputs`, because the layer
    /// variances grow with the input norm.
    public func quadratureAccuracyProblem(inputs: Matrix) -> String? {
        guard inputs.rows > 0 else { return nil }
        let largest = (0..<inputs.rows).map { BLAS.dot(inputs.row($0), inputs.row($0)) }.max()!
        return quadratureAccuracyProblem(squaredNorm: largest, dimension: inputs.columns)
    }
}
