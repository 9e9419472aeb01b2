import Foundation
import Testing
import Theory

@Suite("Fully connected kernels")
struct FullyConnectedKernelTests {
    // Parallel inputs x' = c x give θ = 0 and antiparallel θ = π: closed
    // forms q/2 and 0 at one layer. atan2 keeps these to a few ulps.
    @Test("ReLU at parallel and antiparallel inputs")
    func parallelAntiparallel() {
        let k = FullyConnectedKernel(activation: .relu, depth: 1, weightStd: 1, biasStd: 0)
        let x = [0.3, -1.2, 2.0]
        let q = BLAS.dot(x, x) / 3
        let parallel = k(x, x.map { 2 * $0 }, kind: .nngp)
        #expect(abs(parallel - q) <= 8 * Double.ulpOfOne * q)
        let anti = k(x, x.map { -$0 }, kind: .nngp)
        #expect(abs(anti) <= 8 * Double.ulpOfOne * q)
        // NTK at antiparallel: Σ² = 0, E[φ'φ'] = 0, so Θ = 0.
        #expect(abs(k(x, x.map { -$0 })) <= 8 * Double.ulpOfOne * q)
    }

    @Test("zero inputs give finite values")
    func zeroInputs() {
        for activation in Activation.allCases {
            let k = FullyConnectedKernel(activation: activation, depth: 3, weightStd: 1.4, biasStd: 0)
            let zero = [0.0, 0.0]
            #expect(k(zero, zero).isFinite)
            #expect(k(zero, [1.0, 2.0]).isFinite)
            // Without biases the zero input has Σ¹ = 0 in every entry, so
            // the kernel vanishes whenever φ(0) = 0. Softplus has φ(0) = log 2.
            if activation == .softplus {
                #expect(k(zero, [1.0, 2.0]) > 0)
            } else {
                #expect(k(zero, [1.0, 2.0]) == 0, "\(activation): \(k(zero, [1.0, 2.0]))")
            }
        }
    }

    @Test("Gram diagonal is exact and matches pair evaluation")
    func gramMatchesPairs() {
        let points = Quadrature.sphereSamplePoints(dimension: 5, count: 12, seed: 11)
        for activation in Activation.allCases {
            let k = FullyConnectedKernel(activation: activation, depth: 2, weightStd: 1.3, biasStd: 0.4)
            let g = k.gram(points)
            let c = k.cross(points, points.rows(0..<4))
            for i in 0..<points.rows {
                for j in 0..<points.rows {
                    let pair = k(points.row(i), points.row(j))
                    #expect(abs(g[i, j] - pair) <= 1e-13 * abs(pair) + 1e-15, "\(activation) (\(i), \(j))")
                }
                for j in 0..<4 { #expect(abs(c[i, j] - g[i, j]) <= 1e-7 * abs(g[i, j]), "\(activation) cross (\(i), \(j))") }
            }
            // On the sphere of radius √d the diagonal is κ(1).
            #expect(abs(g[0, 0] - k.onSphere(cosine: 1)) <= 1e-14 * g[0, 0])
        }
    }

    // The one-hidden-layer ReLU NTK with σ_w² = 2, σ_b = 0 has the closed
    // form κ(u) = (2√(1 − u²) + 4u(π − acos u))/π.
    @Test("closed form of the one-layer ReLU NTK")
    func closedForm() {
        let k = FullyConnectedKernel(activation: .relu, depth: 1, weightStd: 2.0.squareRoot(), biasStd: 0)
        for u in stride(from: -0.99, through: 0.99, by: 0.11) {
            let angle = acos(u)
            let expected = (2 * (1 - u * u).squareRoot() + 4 * u * (Double.pi - angle)) / Double.pi
            #expect(abs(k.onSphere(cosine: u) - expected) <= 1e-13, "u = \(u)")
        }
    }

    // erf's E[φφ] at q11 = q22 = q12 = q equals the diagonal formula.
    @Test("erf diagonal agrees with the general formula")
    func erfDiagonal() {
        for q in [0.0, 0.1, 1.0, 7.5] {
            let general = GaussianExpectations.pair(.erf, q11: q, q22: q, q12: q)
            let diagonal = GaussianExpectations.diagonal(.erf, variance: q)
            #expect(abs(general.value - diagonal.value) <= 1e-14)
            #expect(abs(general.derivative - diagonal.derivative) <= 1e-12 * diagonal.derivative)
        }
    }
}

@Suite("ReLU angle")
struct ReLUAngleTests {
    // The angle feeds E[φφ] = (s + (π − θ) q12)/(2π), so its absolute error
    // against libm's atan2 must stay within a few ulps of π.
    @Test("matches atan2 on random pairs")
    func matchesAtan2() {
        let source = GaussianSource(seed: 42)
        var worst = 0.0
        for _ in 0..<1_000_000 {
            let y = abs(source.next()) * pow(10, 4 * source.uniform() - 2)
            let x = source.next() * pow(10, 4 * source.uniform() - 2)
            let error = abs(GaussianExpectations.angle(y, x) - atan2(y, x))
            worst = max(worst, error / max(atan2(y, x), Double.leastNormalMagnitude))
        }
        #expect(worst <= 4 * Double.ulpOfOne, "worst relative error \(worst)")
    }

    @Test("special angles")
    func specialAngles() {
        #expect(GaussianExpectations.angle(0, 0) == Double.pi / 2)
        #expect(GaussianExpectations.angle(0, 1) == 0)
        #expect(GaussianExpectations.angle(0, -1) == Double.pi)
        #expect(GaussianExpectations.angle(1, 0) == Double.pi / 2)
        #expect(abs(GaussianExpectations.angle(1, 1) - Double.pi / 4) <= 2 * Double.ulpOfOne)
        #expect(abs(GaussianExpectations.angle(1e-300, 1) - 1e-300) <= 2 * Double.ulpOfOne * 1e-300)
    }
}
