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
        let d = inputs.columns
        let q = (0..<inputs.rows).map { inputCovariance(dot: dots[$0, $0], dimension: d) }
        return fill(rows: inputs.rows, columns: inputs.rows, symmetric: true, kind: kind,
                    q11: q, q22: q) { i, j in inputCovariance(dot: dots[i, j], dimension: d) }
    }

    /// The cross-kernel matrix K(x_i, y_j) between the rows of `x` and `y`.
    public func cross(_ x: Matrix, _ y: Matrix, kind: KernelKind = .ntk) -> Matrix {
        precondition(x.columns == y.columns, "Cross-kernel inputs differ in dimension: \(x.columns) and \(y.columns).")
        let d = x.columns
        let dots = BLAS.product(x, y, transposeB: true)
        let qx = (0..<x.rows).map { i in inputCovariance(dot: BLAS.dot(x.row(i), x.row(i)), dimension: d) }
        let qy = (0..<y.rows).map { j in inputCovariance(dot: BLAS.dot(y.row(j), y.row(j)), dimension: d) }
        return fill(rows: x.rows, columns: y.rows, symmetric: false, kind: kind,
                    q11: qx, q22: qy) { i, j in inputCovariance(dot: dots[i, j], dimension: d) }
    }

    private func fill(rows: Int, columns: Int, symmetric: Bool, kind: KernelKind,
                      q11: [Double], q22: [Double],
                      q12: (Int, Int) -> Double) -> Matrix {
        var out = Matrix(rows: rows, columns: columns)
        let blockCount = max(1, min(rows, 64))
        out.storage.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            DispatchQueue.concurrentPerform(iterations: blockCount) { block in
                var i = block
                while i < rows {
                    let start = symmetric ? i : 0
                    for j in start..<columns {
                        let value = evaluate(q11: q11[i], q22: q22[j], q12: q12(i, j),
                                             isDiagonal: symmetric && i == j)
                        base[i * columns + j] = kind == .ntk ? value.ntk : value.nngp
                    }
                    i += blockCount
                }
            }
        }
        if symmetric {
            for i in 0..<rows { for j in 0..<i { out.storage[i * columns + j] = out.storage[j * columns + i] } }
        }
        return out
    }
}
