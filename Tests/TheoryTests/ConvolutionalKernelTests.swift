import Foundation
import Testing
import Theory

@Suite("Convolutional kernels")
struct ConvolutionalKernelTests {
    // The recursions sum at most a few hundred position terms in Double, so
    // reordering them moves values by about 1e-14 relative.
    static let roundingTolerance = 1e-12

    /// Returns inputs x_i(p) = sin(0.7 (p + 1)(i + 1) + 0.3 i), the formula
    /// the neural-tangents reference script uses.
    static func sineInputs(count: Int, positions: Int) -> Matrix {
        var rows: [[Double]] = []
        for i in 0..<count {
            var row: [Double] = []
            for p in 0..<positions {
                let phase: Double = 0.7 * Double((p + 1) * (i + 1)) + 0.3 * Double(i)
                row.append(sin(phase))
            }
            rows.append(row)
        }
        return Matrix(rows)
    }

    static func relativeError(_ value: Double, _ reference: Double) -> Double {
        abs(value - reference) / abs(reference)
    }

    @Test("one position and q = 1 equal fully connected", arguments: Activation.allCases)
    func oneByOneEqualsFullyConnected(activation: Activation) {
        let inputs = Matrix([[0.7], [-1.1], [0.4], [1.3]])
        for depth in 1...ConvolutionalKernel.maximumDepth {
            let conv = ConvolutionalKernel(activation: activation, depth: depth, spatialShape: [1],
                                           filterSize: 1, weightStd: 1.3, biasStd: 0.3)
            let dense = FullyConnectedKernel(activation: activation, depth: depth,
                                             weightStd: 1.3, biasStd: 0.3)
            for kind in KernelKind.allCases {
                let expected = dense.gram(inputs, kind: kind)
                let gram = conv.gram(inputs, kind: kind)
                // The cross kernel treats x_i against itself as a pair, so
                // it is compared with the fully connected cross kernel.
                let expectedCross = dense.cross(inputs, inputs.rows(1..<3), kind: kind)
                let cross = conv.cross(inputs, inputs.rows(1..<3), kind: kind)
                for i in 0..<inputs.rows {
                    for j in 0..<inputs.rows {
                        #expect(Self.relativeError(gram[i, j], expected[i, j]) <= Self.roundingTolerance,
                                "\(activation) depth \(depth) \(kind) (\(i), \(j))")
                    }
                    for j in 0..<2 {
                        #expect(Self.relativeError(cross[i, j], expectedCross[i, j])
                                    <= Self.roundingTolerance,
                                "\(activation) depth \(depth) \(kind) cross (\(i), \(j))")
                    }
                }
            }
        }
    }

    @Test("circular shift of both inputs", arguments: [[7], [4, 5]])
    func shiftInvariance(spatialShape: [Int]) {
        let positions = spatialShape.reduce(1, *)
        let inputs = Self.sineInputs(count: 4, positions: positions)
        // Shift by one row and two columns on a grid, by three on a signal.
        let width = spatialShape.last!, height = positions / width
        func shifted(_ x: [Double]) -> [Double] {
            (0..<positions).map { p in
                let row = p / width, column = p % width
                let source = spatialShape.count == 1
                    ? (p + 3) % positions
                    : ((row + 1) % height) * width + (column + 2) % width
                return x[source]
            }
        }
        let moved = Matrix((0..<inputs.rows).map { shifted(inputs.row($0)) })
        for activation in [Activation.relu, .erf, .tanh] {
            let kernel = ConvolutionalKernel(activation: activation, depth: 2,
                                             spatialShape: spatialShape, filterSize: 3,
                                             weightStd: 1.2, biasStd: 0.2)
            for kind in KernelKind.allCases {
                let original = kernel.gram(inputs, kind: kind)
                let shiftedGram = kernel.gram(moved, kind: kind)
                for e in original.storage.indices {
                    #expect(Self.relativeError(shiftedGram.storage[e], original.storage[e])
                                <= Self.roundingTolerance, "\(activation) \(kind) entry \(e)")
                }
            }
        }
    }

    @Test("Gram is exactly symmetric and matches cross")
    func symmetryAndCross() {
        let inputs = Self.sineInputs(count: 7, positions: 12)
        for activation in [Activation.relu, .erf, .gelu] {
            let kernel = ConvolutionalKernel(activation: activation,
                                             depth: activation == .gelu ? 2 : 3,
                                             spatialShape: [3, 4], filterSize: 3,
                                             weightStd: 1.3, biasStd: 0.1)
            for kind in KernelKind.allCases {
                let gram = kernel.gram(inputs, kind: kind)
                #expect(gram == gram.transposed, "\(activation) \(kind)")
                let cross = kernel.cross(inputs.rows(0..<4), inputs, kind: kind)
                // The cross kernel evaluates x_i against itself as a pair at
                // correlation 1, where rounding of order ε in the covariance
                // moves the ReLU angle by √ε and the quadrature rules lose
                // accuracy. The Gram uses exact one-variable expectations
                // there, so the diagonal is left out.
                for i in 0..<4 {
                    for j in 0..<inputs.rows where j != i {
                        #expect(Self.relativeError(cross[i, j], gram[i, j]) <= Self.roundingTolerance,
                                "\(activation) \(kind) (\(i), \(j)): \(cross[i, j]) vs \(gram[i, j])")
                    }
                }
                let single = kernel(inputs.row(2), inputs.row(5), kind: kind)
                #expect(single == cross[2, 5], "\(activation) \(kind)")
            }
        }
    }

    // Reference values from neural-tangents 0.6.5 with jax 0.4.30 and
    // NumPy 1.26.4, float64, produced by this script:
    //
    //   import numpy as np, jax
    //   jax.config.update('jax_enable_x64', True)
    //   from neural_tangents import stax
    //   def inputs(count, positions):
    //       return np.array([[np.sin(0.7 * (p + 1) * (i + 1) + 0.3 * i)
    //                         for p in range(positions)] for i in range(count)])
    //   for activation, shape, q, depth, w_std, b_std in CASES:
    //       x = inputs(3, int(np.prod(shape))).reshape((3, *shape, 1))
    //       layers = []
    //       for _ in range(depth):
    //           layers += [stax.Conv(1, (q,) * len(shape), padding='CIRCULAR',
    //                                W_std=w_std, b_std=b_std),
    //                      stax.Relu() if activation == 'relu' else stax.Erf()]
    //       layers += [stax.GlobalAvgPool(), stax.Dense(1, W_std=w_std, b_std=b_std)]
    //       k = stax.serial(*layers)[2](x, x, get=('nngp', 'ntk'))
    //       print(k.nngp[0, 0], k.nngp[0, 1], k.nngp[1, 2], k.ntk[0, 0], k.ntk[0, 1], k.ntk[1, 2])
    //
    // where CASES lists the architectures below. The entries are (0, 0),
    // (0, 1) and (1, 2) of the 3 × 3 Gram matrices.
    struct Reference: Sendable, CustomStringConvertible {
        var activation: Activation
        var spatialShape: [Int]
        var depth: Int
        var weightStd: Double
        var biasStd: Double
        var nngp: [Double]
        var ntk: [Double]
        var description: String { "\(activation) \(spatialShape) depth \(depth)" }
    }

    static let references: [Reference] = [
        Reference(activation: .relu, spatialShape: [6], depth: 2, weightStd: 1.3, biasStd: 0.2,
                  nngp: [0.4689090475761578, 0.4671324352103309, 0.42610955054338506],
                  ntk: [0.8954378245912725, 0.8417827300746641, 0.6758749705849155]),
        Reference(activation: .erf, spatialShape: [6], depth: 2, weightStd: 1.3, biasStd: 0.2,
                  nngp: [0.18168962616804074, 0.1586763892583791, 0.10246848991814116],
                  ntk: [0.5086602277493244, 0.41298332735848076, 0.20407673832793327]),
        Reference(activation: .relu, spatialShape: [4, 4], depth: 3, weightStd: 1.4, biasStd: 0.1,
                  nngp: [0.705448484355, 0.6223908413700395, 0.5934437179843225],
                  ntk: [1.6318547382610458, 1.1098063595820036, 1.0730939201551908]),
        Reference(activation: .erf, spatialShape: [4, 4], depth: 2, weightStd: 1.1, biasStd: 0.3,
                  nngp: [0.2044128946980896, 0.1967032825463312, 0.19915658016380725],
                  ntk: [0.4005553605955773, 0.34759515798674057, 0.3553807758223971]),
        Reference(activation: .relu, spatialShape: [5, 3], depth: 1, weightStd: 1.2, biasStd: 0,
                  nngp: [0.1974168290974863, 0.1815418928291564, 0.17174505072476393],
                  ntk: [0.2568980149880612, 0.20308032255838715, 0.17935517653434213]),
    ]

    // Both sides evaluate the same closed forms in float64 with different
    // summation orders and atan2 implementations, so they agree to about
    // 1e-14; 1e-10 is the stated agreement.
    @Test("neural-tangents reference values", arguments: references)
    func neuralTangentsReference(reference: Reference) {
        let kernel = ConvolutionalKernel(activation: reference.activation, depth: reference.depth,
                                         spatialShape: reference.spatialShape, filterSize: 3,
                                         weightStd: reference.weightStd, biasStd: reference.biasStd)
        let inputs = Self.sineInputs(count: 3, positions: kernel.positionCount)
        let entries = [(0, 0), (0, 1), (1, 2)]
        for (kind, expected) in [(KernelKind.nngp, reference.nngp), (.ntk, reference.ntk)] {
            let gram = kernel.gram(inputs, kind: kind)
            for (index, (i, j)) in entries.enumerated() {
                let error = Self.relativeError(gram[i, j], expected[index])
                #expect(error <= 1e-10, "\(kind) (\(i), \(j)): \(gram[i, j]) vs \(expected[index])")
            }
        }
    }

    @Test("quadrature variance limit")
    func quadratureLimit() {
        let inputs = Self.sineInputs(count: 3, positions: 8)
        let relu = ConvolutionalKernel(activation: .relu, depth: 3, spatialShape: [8],
                                       filterSize: 3, weightStd: 3, biasStd: 0)
        #expect(relu.quadratureAccuracyProblem(inputs: inputs) == nil)
        let tame = ConvolutionalKernel(activation: .tanh, depth: 3, spatialShape: [8],
                                       filterSize: 3, weightStd: 1, biasStd: 0.1)
        #expect(tame.quadratureAccuracyProblem(inputs: inputs) == nil)
        #expect(tame.largestLayerVariance(inputs: inputs) < 1)
        // An input of 4s gives Σ¹(p, p) = 16 σ_w² + σ_b² at every position.
        let loud = Matrix(rows: 1, columns: 8, repeating: 4)
        let message = tame.quadratureAccuracyProblem(inputs: loud)
        #expect(message != nil)
        #expect(abs(tame.largestLayerVariance(inputs: loud) - 16.01) <= 1e-12)
    }

    @Test("family and summary")
    func description() {
        let kernel = ConvolutionalKernel(activation: .erf, depth: 2, spatialShape: [8, 8],
                                         filterSize: 3, weightStd: 1.5, biasStd: 0.1)
        #expect(kernel.family == "conv")
        #expect(kernel.summary == "convolutional, 2 layers, grid 8×8, filter 3, erf, σ_w = 1.5, σ_b = 0.1")
        #expect(kernel.positionCount == 64)
    }

    @Test("window table wraps each axis")
    func windowTable() {
        let window = CircularWindow(spatialShape: [3, 4], filterSize: 3)
        #expect(window.positionCount == 12)
        #expect(window.windowSize == 9)
        // Position 0 is row 0, column 0; offset 0 is (−1, −1), which wraps
        // to row 2, column 3, and offset 4 is (0, 0).
        #expect(window.neighbors[0] == 11)
        #expect(window.neighbors[4] == 0)
        #expect(window.neighbors[8] == 5)
        // Position 7 is row 1, column 3; offset 5 is (0, +1), which wraps to
        // column 0.
        #expect(window.neighbors[7 * 9 + 5] == 4)
        for p in 0..<12 {
            for k in 0..<9 {
                #expect(window.neighborsByOffset[k * 12 + p] == window.neighbors[p * 9 + k])
            }
        }
    }

    @Test("invalid windows are described")
    func invalidWindows() {
        #expect(CircularWindow.validationProblem(spatialShape: [8], filterSize: 3) == nil)
        #expect(CircularWindow.validationProblem(spatialShape: [8], filterSize: 2) != nil)
        #expect(CircularWindow.validationProblem(spatialShape: [2, 8], filterSize: 3) != nil)
        #expect(CircularWindow.validationProblem(spatialShape: [2, 2, 2], filterSize: 1) != nil)
        #expect(CircularWindow.validationProblem(spatialShape: [], filterSize: 1) != nil)
    }
}
