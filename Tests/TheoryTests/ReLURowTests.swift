import Testing
@testable import Theory

@Suite("Vectorized ReLU Gram rows")
struct ReLURowTests {
    // The vector path performs the scalar operations in the same order, so
    // every entry equals `evaluate` on the same inner products exactly.
    // 13 points leave remainders of 0 to 3 entries after the groups of 4.
    @Test("equal to scalar recursion", arguments: [1, 3])
    func matchesScalar(depth: Int) {
        var points = Quadrature.sphereSamplePoints(dimension: 5, count: 10, seed: 3)
        let first = points.row(0)
        points = Matrix(rows: 13, columns: 5, storage: points.storage + first + first.map { -$0 } + [0, 0, 0, 0, 0])
        let kernel = FullyConnectedKernel(activation: .relu, depth: depth, weightStd: 1.3, biasStd: 0.2)
        let dots = BLAS.gram(points)
        for kind in KernelKind.allCases {
            let gram = kernel.gram(points, kind: kind)
            for i in 0..<13 {
                for j in 0..<13 where j != i {
                    let scalar = kernel.evaluate(q11: kernel.inputCovariance(dot: dots[i, i], dimension: 5),
                                                 q22: kernel.inputCovariance(dot: dots[j, j], dimension: 5),
                                                 q12: kernel.inputCovariance(dot: dots[min(i, j), max(i, j)],
                                                                             dimension: 5))
                    let expected = kind == .ntk ? scalar.ntk : scalar.nngp
                    #expect(gram[i, j] == expected, "\(kind) (\(i), \(j)): \(gram[i, j]) vs \(expected)")
                }
            }
        }
    }

    @Test("lane angle equals scalar angle")
    func laneAngle() {
        let ys: [Double] = [0, 1e-300, 0.3, 1, 2, 0, 5e-9, 7]
        let xs: [Double] = [0, 1, -0.3, 1, -2e-9, -4, 1, 0.2679491924311227 * 7]
        for start in stride(from: 0, to: ys.count, by: 4) {
            let y = SIMD4(ys[start..<start + 4]), x = SIMD4(xs[start..<start + 4])
            let lanes = FullyConnectedKernel.angle(y, x)
            for k in 0..<4 {
                #expect(lanes[k] == GaussianExpectations.angle(ys[start + k], xs[start + k]),
                        "y \(ys[start + k]), x \(xs[start + k])")
            }
        }
    }
}
