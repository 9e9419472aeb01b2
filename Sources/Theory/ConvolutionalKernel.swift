import Dispatch
import Foundation

/// The infinite-width NNGP and NTK of a convolutional network with circular
/// padding, stride 1, `depth` convolutional layers, global average pooling
/// and a dense readout, in the NTK parameterization.
///
/// An input is one channel on a grid of `P` positions (`spatialShape`,
/// row-major), and a window has `Q = q^D` offsets `j` (`CircularWindow`).
/// The kernel keeps one covariance per pair of positions (p, p') of the two
/// inputs x and y, with indices wrapping around every axis:
///
///     Σ¹(p, p')      = (σ_w² / Q) Σ_j x(p+j) y(p'+j) + σ_b²,       Θ¹ = Σ¹
///     K^l(p, p')     = E[φ(u) φ(v)],   K̇^l(p, p') = E[φ'(u) φ'(v)]
///     Σ^{l+1}(p, p') = (σ_w² / Q) Σ_j K^l(p+j, p'+j) + σ_b²
///     Θ^{l+1}(p, p') = Σ^{l+1}(p, p') + (σ_w² / Q) Σ_j K̇^l(p+j, p'+j) Θ^l(p+j, p'+j)
///
/// where (u, v) is centred Gaussian with covariance
/// [[Σ^l_xx(p, p), Σ^l_xy(p, p')], [Σ^l_xy(p, p'), Σ^l_yy(p', p')]]. After
/// layer L = `depth`, pooling and the readout give
///
///     NNGP = (σ_w² / P²) Σ_{p,p'} K^L(p, p') + σ_b²
///     NTK  = NNGP + (σ_w² / P²) Σ_{p,p'} K̇^L(p, p') Θ^L(p, p')
///
/// The recursion follows from the network of `ConvolutionalNetwork`: a
/// layer's pre-activation at p is a sum over the Q window entries and the
/// channels of independent N(0, 1) weights times the previous activations,
/// so its covariance averages the activation covariances over the aligned
/// offsets, and the NTK adds the term of the earlier layers through the
/// chain rule, in which the weights of different offsets are uncorrelated.
/// The diagonal variances Σ^l_xx(p, p) depend on one input only and are
/// computed once per input. With `spatialShape == [1]` and `filterSize ==
/// 1` the kernel equals `FullyConnectedKernel` on one-dimensional inputs.
/// `weightStd` is σ_w (not its square) and `biasStd` is σ_b.
/// - SeeAlso: Arora et al. (2019), "On Exact Computation with an Infinitely
///   Wide Neural Net", NeurIPS 32, Sec. 4 and Appendix B (CNTK with global
///   average pooling).
public struct ConvolutionalKernel: NeuralKernel, Equatable, Codable, Sendable {
    /// The largest supported number of convolutional layers.
    public static let maximumDepth = 4

    public var activation: Activation
    /// The number of convolutional layers L, in `1...maximumDepth`.
    public var depth: Int
    /// The grid extent per axis: `[P]` for signals, `[H, W]` for images.
    public var spatialShape: [Int]
    /// The number of filter taps q per axis, odd.
    public var filterSize: Int
    public var weightStd: Double
    public var biasStd: Double

    /// Creates a kernel.
    /// - Precondition: `1 <= depth <= maximumDepth`, one or two spatial
    ///   axes, an odd `filterSize` no larger than any extent, `weightStd`
    ///   positive and finite, `biasStd` non-negative and finite.
    public init(activation: Activation, depth: Int, spatialShape: [Int], filterSize: Int,
                weightStd: Double, biasStd: Double) {
        precondition((1...Self.maximumDepth).contains(depth),
                     "A convolutional kernel needs 1 to \(Self.maximumDepth) layers, got depth \(depth).")
        if let problem = CircularWindow.validationProblem(spatialShape: spatialShape,
                                                          filterSize: filterSize) {
            preconditionFailure(problem)
        }
        precondition(weightStd > 0 && weightStd.isFinite, "weightStd must be positive and finite, got \(weightStd).")
        precondition(biasStd >= 0 && biasStd.isFinite, "biasStd must be non-negative and finite, got \(biasStd).")
        self.activation = activation
        self.depth = depth
        self.spatialShape = spatialShape
        self.filterSize = filterSize
        self.weightStd = weightStd
        self.biasStd = biasStd
    }

    var weightVariance: Double { weightStd * weightStd }
    var biasVariance: Double { biasStd * biasStd }

    /// The number of grid positions P, which is also the input dimension.
    public var positionCount: Int { spatialShape.reduce(1, *) }

    public var family: String { "conv" }

    public var summary: String {
        "convolutional, \(depth) layer\(depth == 1 ? "" : "s"), grid "
            + spatialShape.map(String.init).joined(separator: "×")
            + ", filter \(filterSize), \(activation.rawValue), σ_w = \(weightStd), σ_b = \(biasStd)"
    }

    /// Evaluates the kernel for one pair of inputs, each with one entry per
    /// grid position.
    public func callAsFunction(_ x: [Double], _ y: [Double], kind: KernelKind = .ntk) -> Double {
        precondition(x.count == positionCount && y.count == positionCount,
                     "Kernel inputs need \(positionCount) entries, one per grid position, "
                         + "got \(x.count) and \(y.count).")
        if x == y {
            return gram(Matrix(rows: 1, columns: x.count, storage: x), kind: kind)[0, 0]
        }
        return cross(Matrix(rows: 1, columns: x.count, storage: x),
                     Matrix(rows: 1, columns: y.count, storage: y), kind: kind)[0, 0]
    }

    /// Computes the Gram matrix K(x_i, x_j) of the rows of `inputs`, exactly
    /// symmetric. Diagonal entries use the exact one-variable expectations
    /// at equal positions p = p'.
    /// - Precondition: `inputs.columns == positionCount`.
    /// - Complexity: O(n² L P² Q) operations, spread over threads by rows,
    ///   and O(P²) memory per thread.
    public func gram(_ inputs: Matrix, kind: KernelKind = .ntk) -> Matrix {
        checkInputs(inputs)
        let summaries = InputSummaries(inputs, kernel: self)
        var out = Matrix(rows: inputs.rows, columns: inputs.rows)
        fill(&out, rows: summaries, columns: summaries, symmetric: true, wantNTK: kind == .ntk)
        FullyConnectedKernel.mirrorUpperTriangle(&out)
        return out
    }

    /// Computes the cross-kernel matrix K(x_i, y_j) between the rows of `x` and `y`.
    /// - Precondition: both inputs have `positionCount` columns.
    public func cross(_ x: Matrix, _ y: Matrix, kind: KernelKind = .ntk) -> Matrix {
        checkInputs(x)
        checkInputs(y)
        var out = Matrix(rows: x.rows, columns: y.rows)
        fill(&out, rows: InputSummaries(x, kernel: self), columns: InputSummaries(y, kernel: self),
             symmetric: false, wantNTK: kind == .ntk)
        return out
    }

    /// Returns the largest per-position layer variance Σ^l(x, x)(p, p),
    /// l = 1 … depth, over the rows of `inputs`, or 0 without rows.
    public func largestLayerVariance(inputs: Matrix) -> Double {
        checkInputs(inputs)
        return InputSummaries(inputs, kernel: self).variances.max() ?? 0
    }

    /// Returns a sentence saying why the Gaussian expectations would be
    /// inaccurate on the rows of `inputs`, or nil when they are exact (ReLU,
    /// erf) or every per-position layer variance is within
    /// `FullyConnectedKernel.quadratureVarianceLimit`.
    public func quadratureAccuracyProblem(inputs: Matrix) -> String? {
        guard !activation.hasClosedFormExpectations else { return nil }
        let largest = largestLayerVariance(inputs: inputs)
        let limit = FullyConnectedKernel.quadratureVarianceLimit
        guard largest > limit else { return nil }
        return "the \(activation.rawValue) convolutional kernel reaches layer variance \(largest) "
            + "at one position, above the limit \(limit) where its Gauss-Hermite quadrature is "
            + "accurate; lower the weight or bias standard deviation, or the input scale"
    }

    private func checkInputs(_ inputs: Matrix) {
        precondition(inputs.columns == positionCount,
                     "The inputs have \(inputs.columns) columns, but the grid \(spatialShape) "
                         + "has \(positionCount) positions.")
    }

    /// Fills `out[i, j]` for every row summary i and column summary j, or
    /// only for j ≥ i when `symmetric`. Rows are dealt to threads round
    /// robin, and each thread reuses one workspace of four P × P buffers.
    private func fill(_ out: inout Matrix, rows: InputSummaries, columns: InputSummaries,
                      symmetric: Bool, wantNTK: Bool) {
        let rowCount = out.rows, columnCount = out.columns
        guard rowCount > 0 && columnCount > 0 else { return }
        let blockCount = max(1, min(rowCount, 64))
        let window = CircularWindow(spatialShape: spatialShape, filterSize: filterSize)
        let patchStride = window.windowSize * window.positionCount
        let varianceStride = depth * window.positionCount
        withPointers(rows, columns) { rowPatches, rowVariances, columnPatches, columnVariances in
            out.storage.withUnsafeMutableBufferPointer { buffer in
                let base = buffer.baseAddress!
                DispatchQueue.concurrentPerform(iterations: blockCount) { block in
                    let recursion = PairRecursion(kernel: self, window: window)
                    var i = block
                    while i < rowCount {
                        for j in (symmetric ? i : 0)..<columnCount {
                            base[i * columnCount + j] = recursion.evaluate(
                                xPatches: rowPatches + i * patchStride,
                                yPatches: columnPatches + j * patchStride,
                                xVariances: rowVariances + i * varianceStride,
                                yVariances: columnVariances + j * varianceStride,
                                sameInput: symmetric && i == j, wantNTK: wantNTK)
                        }
                        i += blockCount
                    }
                }
            }
        }
    }
}
