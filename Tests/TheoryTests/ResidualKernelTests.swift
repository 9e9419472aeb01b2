import Foundation
import Testing
@testable import Theory

@Suite("Residual kernels")
struct ResidualKernelTests {
    static let kernels: [ResidualKernel] = Activation.allCases.flatMap { activation in
        [ResidualKernel(activation: activation, blocks: 1, weightStd: 1.2, biasStd: 0),
         ResidualKernel(activation: activation, blocks: 3, weightStd: 1.1, biasStd: 0.3),
         ResidualKernel(activation: activation, blocks: 2, weightStd: 0.9, biasStd: 0.2,
                        branchScale: 1.3)]
    }

    @Test("default branch scale is one over root blocks")
    func defaultBranchScale() {
        for blocks in 1...ResidualKernel.maximumBlocks {
            let kernel = ResidualKernel(activation: .relu, blocks: blocks, weightStd: 1, biasStd: 0)
            #expect(kernel.branchScale == 1 / Double(blocks).squareRoot(), "blocks \(blocks)")
        }
        let explicit = ResidualKernel(activation: .relu, blocks: 4, weightStd: 1, biasStd: 0,
                                      branchScale: 0.7)
        #expect(explicit.branchScale == 0.7)
        #expect(explicit.family == "resnet")
        #expect(explicit.summary == "residual, 4 blocks, relu, σ_w = 1.0, σ_b = 0.0, α = 0.7")
    }

    // On the diagonal every ReLU expectation is exact: E[φ²] = q/2 and
    // E[φ'²] = 1/2. So Σᵏ = Σᵏ⁻¹ (1 + β/2) and Θᵏ = Θᵏ⁻¹ (1 + β/2) + β Σᵏ⁻¹/2
    // with β = α² σ_w², and the output adds σ_w² Σᴮ/2 + σ_b² + σ_w² Θᴮ/2.
    @Test("ReLU diagonal follows the closed form")
    func reluDiagonal() {
        let kernel = ResidualKernel(activation: .relu, blocks: 3, weightStd: 1.3, biasStd: 0.4)
        let points = Quadrature.sphereSamplePoints(dimension: 4, count: 5, seed: 21)
        let gram = kernel.gram(points)
        let nngpGram = kernel.gram(points, kind: .nngp)
        let beta = kernel.branchScale * kernel.branchScale * 1.69
        var sigma = 1.69 + 0.16
        var theta = sigma
        for _ in 0..<3 {
            theta = theta * (1 + beta / 2) + beta * sigma / 2
            sigma *= 1 + beta / 2
        }
        let nngp = 1.69 * sigma / 2 + 0.16
        let ntk = nngp + 1.69 * theta / 2
        // The points have norm √d up to rounding, and the recursion is a few
        // products, so 1e-14 relative covers both.
        for i in 0..<points.rows {
            #expect(abs(gram[i, i] - ntk) <= 1e-14 * ntk, "row \(i): \(gram[i, i]) vs \(ntk)")
            #expect(abs(nngpGram[i, i] - nngp) <= 1e-14 * nngp, "row \(i)")
        }
        #expect(abs(kernel.onSphere(cosine: 1) - ntk) <= 1e-14 * ntk)
        #expect(abs(kernel.onSphere(cosine: 1, kind: .nngp) - nngp) <= 1e-14 * nngp)
    }

    @Test("Gram is symmetric and matches pairs, cross and sphere", arguments: kernels)
    func gramMatchesPairs(kernel: ResidualKernel) {
        let d = 5
        let points = Quadrature.sphereSamplePoints(dimension: d, count: 11, seed: 31)
        let dots = BLAS.gram(points)
        for kind in KernelKind.allCases {
            let gram = kernel.gram(points, kind: kind)
            #expect(gram == gram.transposed, "\(kernel.summary) \(kind)")
            let cross = kernel.cross(points, points.rows(0..<4), kind: kind)
            #expect(cross.rows == 11)
            #expect(cross.columns == 4)
            for i in 0..<points.rows {
                for j in 0..<points.rows {
                    let pair = kernel(points.row(i), points.row(j), kind: kind)
                    // Entries evaluate the same recursion on inner products
                    // from dsyrk or ddot, which differ in the last bits.
                    #expect(abs(gram[i, j] - pair) <= 1e-12 * abs(pair) + 1e-15,
                            "\(kernel.summary) \(kind) (\(i), \(j))")
                    // Points of norm √d: the kernel depends on the cosine
                    // only. The diagonal is checked at cosine 1 below, because
                    // a cosine a rounding error below 1 moves the ReLU angle
                    // by about √ε.
                    if i != j {
                        let sphere = kernel.onSphere(cosine: dots[i, j] / Double(d), kind: kind)
                        #expect(abs(gram[i, j] - sphere) <= 1e-12 * abs(sphere) + 1e-15,
                                "\(kernel.summary) \(kind) sphere (\(i), \(j))")
                    }
                }
                let diagonal = kernel.onSphere(cosine: 1, kind: kind)
                #expect(abs(gram[i, i] - diagonal) <= 1e-14 * diagonal,
                        "\(kernel.summary) \(kind) diagonal \(i)")
                // Off the diagonal the cross kernel evaluates the same pair
                // formulas. On it, the pair formula gets q12 within a rounding
                // error ε of q11 and q22, and ReLU's E[φ'φ'] = (π − θ)/(2π)
                // moves by θ ≈ √(2ε)/(2π) ≈ 3e-9, so 1e-7 relative allows for
                // that and for its growth through the blocks.
                for j in 0..<4 {
                    let tolerance = i == j ? 1e-7 : 1e-12
                    #expect(abs(cross[i, j] - gram[i, j]) <= tolerance * abs(gram[i, j]) + 1e-15,
                            "\(kernel.summary) \(kind) cross (\(i), \(j))")
                }
            }
        }
    }

    // The vector path performs the scalar operations in the same order, so
    // every entry equals `evaluate` on the same inner products exactly. 13
    // points, with a parallel, an antiparallel and a zero point, leave
    // remainders of 0 to 3 entries after the groups of 4.
    @Test("ReLU fast path equals the generic recursion", arguments: [1, 4])
    func reluFastPath(blocks: Int) {
        var points = Quadrature.sphereSamplePoints(dimension: 5, count: 10, seed: 41)
        let first = points.row(0)
        points = Matrix(rows: 13, columns: 5,
                        storage: points.storage + first.map { 2 * $0 } + first.map { -$0 }
                            + [0, 0, 0, 0, 0])
        let kernel = ResidualKernel(activation: .relu, blocks: blocks, weightStd: 1.3, biasStd: 0.2)
        let dots = BLAS.gram(points)
        let other = points.rows(0..<6)
        let crossDots = BLAS.product(points, other, transposeB: true)
        for kind in KernelKind.allCases {
            let gram = kernel.gram(points, kind: kind)
            let cross = kernel.cross(points, other, kind: kind)
            for i in 0..<13 {
                let q11 = kernel.inputCovariance(dot: dots[i, i], dimension: 5)
                for j in 0..<13 where j != i {
                    let scalar = kernel.evaluate(
                        q11: q11, q22: kernel.inputCovariance(dot: dots[j, j], dimension: 5),
                        q12: kernel.inputCovariance(dot: dots[min(i, j), max(i, j)], dimension: 5))
                    let expected = kind == .ntk ? scalar.ntk : scalar.nngp
                    #expect(gram[i, j] == expected, "\(kind) (\(i), \(j))")
                }
                for j in 0..<6 {
                    let scalar = kernel.evaluate(
                        q11: kernel.inputCovariance(dot: BLAS.dot(points.row(i), points.row(i)),
                                                    dimension: 5),
                        q22: kernel.inputCovariance(dot: BLAS.dot(other.row(j), other.row(j)),
                                                    dimension: 5),
                        q12: kernel.inputCovariance(dot: crossDots[i, j], dimension: 5))
                    let expected = kind == .ntk ? scalar.ntk : scalar.nngp
                    #expect(cross[i, j] == expected, "\(kind) cross (\(i), \(j))")
                }
            }
        }
    }

    // With σ_b = 0 the zero input has Σ⁰ = 0 in every entry, and φ(0) = 0
    // keeps it there, so the kernel with any other input vanishes.
    @Test("zero input gives a zero ReLU kernel")
    func zeroInput() {
        let kernel = ResidualKernel(activation: .relu, blocks: 2, weightStd: 1.4, biasStd: 0)
        #expect(kernel([0, 0, 0], [1, -2, 0.5]) == 0)
        #expect(kernel([0, 0, 0], [0, 0, 0]) == 0)
        for activation in Activation.allCases {
            let other = ResidualKernel(activation: activation, blocks: 2, weightStd: 1.4,
                                       biasStd: 0.1)
            #expect(other([0, 0, 0], [1, -2, 0.5]).isFinite, "\(activation)")
        }
    }

    // A tiny branch scale leaves the readout on h⁰, which is the kernel of
    // one hidden layer: Σ = σ_w² E[φφ](Σ⁰) + σ_b².
    @Test("tiny branch scale reduces to one hidden layer")
    func tinyBranchScale() {
        let residual = ResidualKernel(activation: .erf, blocks: 3, weightStd: 1.2, biasStd: 0.3,
                                      branchScale: 1e-9)
        let plain = FullyConnectedKernel(activation: .erf, depth: 1, weightStd: 1.2, biasStd: 0.3)
        for u in stride(from: -0.9, through: 0.9, by: 0.3) {
            for kind in KernelKind.allCases {
                let expected = plain.onSphere(cosine: u, kind: kind)
                // The branches change the result by O(α²) = 1e-18.
                #expect(abs(residual.onSphere(cosine: u, kind: kind) - expected)
                        <= 1e-14 * abs(expected), "u = \(u), \(kind)")
            }
        }
    }

    // The references come from neural-tangents 0.6.5 with jax 0.4.30 in
    // float64 (jax_enable_x64), built with stax exactly as the network of
    // `ResidualKernel`:
    //
    //   stax.serial(stax.Dense(m, W_std=σ_w, b_std=σ_b),
    //               B × stax.serial(stax.FanOut(2),
    //                               stax.parallel(stax.Identity(),
    //                                             stax.serial(φ(), stax.Dense(m, W_std=α σ_w,
    //                                                                         b_std=None))),
    //                               stax.FanInSum()),
    //               φ(), stax.Dense(1, W_std=σ_w, b_std=σ_b))
    //
    // in the default 'ntk' parameterization, evaluated as
    // kernel_fn(x, x, ('nngp', 'ntk')) on the rows of `inputs`, printed with
    // '%.17g'. The script is:
    //
    //   import jax; jax.config.update("jax_enable_x64", True)
    //   import numpy as np; from neural_tangents import stax
    //   def resnet(phi, B, w, b, a, m=512):
    //       layers = [stax.Dense(m, W_std=w, b_std=b)]
    //       for _ in range(B):
    //           layers.append(stax.serial(stax.FanOut(2), stax.parallel(stax.Identity(),
    //               stax.serial(phi(), stax.Dense(m, W_std=a * w, b_std=None))),
    //               stax.FanInSum()))
    //       return stax.serial(*layers, phi(), stax.Dense(1, W_std=w, b_std=b))
    //   x = np.array([[0.6, -1.1, 0.8], [1.3, 0.2, -0.4], [-0.5, 0.9, 1.7]])
    //   for phi, B, w, b, a in [(stax.Relu, 2, 1.4, 0.3, 1 / np.sqrt(2)),
    //                           (stax.Erf, 3, 1.2, 0.1, 0.5)]:
    //       k = resnet(phi, B, w, b, a)[2](x, x, ("nngp", "ntk"))
    //       print(np.asarray(k.nngp), np.asarray(k.ntk))
    static let inputs = Matrix([[0.6, -1.1, 0.8], [1.3, 0.2, -0.4], [-0.5, 0.9, 1.7]])

    static let neuralTangentsReferences: [(kernel: ResidualKernel, nngp: [Double], ntk: [Double])] = [
        (ResidualKernel(activation: .relu, blocks: 2, weightStd: 1.4, biasStd: 0.3),
         [3.4272306389333327, 1.6200571215642519, 2.062012635616933,
          1.6200571215642519, 2.9723647103999986, 1.2996962056685453,
          2.062012635616933, 1.2996962056685453, 5.9005641253333296],
         [8.9594183423999976, 2.3545939036578813, 2.7726071102562697,
          2.3545939036578813, 7.7505129215999968, 1.0831620590718358,
          2.7726071102562697, 1.0831620590718358, 15.532841567999988]),
        (ResidualKernel(activation: .erf, blocks: 3, weightStd: 1.2, biasStd: 0.1,
                        branchScale: 0.5),
         [0.80661523011897907, 0.093973835267879224, 0.031381271948019665,
          0.093973835267879224, 0.77557865127331838, -0.27822297841329213,
          0.031381271948019665, -0.27822297841329213, 0.91791874743762891],
         [2.4448258328287835, 0.20908737826100082, 0.059008183703247105,
          0.20908737826100082, 2.3291864975796379, -0.67183325979373598,
          0.059008183703247105, -0.67183325979373598, 2.9090797693596042]),
    ]

    // Both sides use closed forms in float64, so only rounding separates
    // them: a few dozen operations, far below 1e-10 relative.
    @Test("agrees with neural-tangents")
    func neuralTangents() {
        let relativeTolerance = 1e-10
        for reference in Self.neuralTangentsReferences {
            let nngp = reference.kernel.gram(Self.inputs, kind: .nngp)
            let ntk = reference.kernel.gram(Self.inputs, kind: .ntk)
            for index in 0..<9 {
                let label = "\(reference.kernel.summary) entry \(index)"
                #expect(abs(nngp.storage[index] - reference.nngp[index])
                        <= relativeTolerance * abs(reference.nngp[index]), "\(label) NNGP")
                #expect(abs(ntk.storage[index] - reference.ntk[index])
                        <= relativeTolerance * abs(reference.ntk[index]), "\(label) NTK")
            }
        }
    }

    @Test("quadrature check rejects large layer variances")
    func quadratureCheck() {
        let points = Quadrature.sphereSamplePoints(dimension: 3, count: 4, seed: 51)
        let relu = ResidualKernel(activation: .relu, blocks: 6, weightStd: 3, biasStd: 1)
        #expect(relu.quadratureAccuracyProblem(inputs: points) == nil)
        // Σ⁰ = 1.44 on the sphere and tanh² < 1, so Σ⁶ < 1.44 + 1.44 = 2.88.
        let small = ResidualKernel(activation: .tanh, blocks: 6, weightStd: 1.2, biasStd: 0)
        #expect(small.quadratureAccuracyProblem(inputs: points) == nil)
        // Σ⁰ = 2.25 and softplus² grows with the variance, so Σ² passes 3.
        let large = ResidualKernel(activation: .softplus, blocks: 2, weightStd: 1.5, biasStd: 0)
        let problem = large.quadratureAccuracyProblem(inputs: points)
        #expect(problem != nil)
        #expect(problem?.contains("above the limit 3.0") == true, "\(problem ?? "nil")")
        #expect(large.largestLayerVariance(squaredNorm: 3, dimension: 3) > 3)
        #expect(large.quadratureAccuracyProblem(inputs: Matrix(rows: 0, columns: 3)) == nil)
    }

    @Test("Codable round trip and validation")
    func codable() throws {
        let kernel = ResidualKernel(activation: .gelu, blocks: 3, weightStd: 1.1, biasStd: 0.2)
        let decoded = try JSONDecoder().decode(ResidualKernel.self,
                                               from: try JSONEncoder().encode(kernel))
        #expect(decoded == kernel)
        let json = """
            {"activation": "relu", "blocks": 7, "weightStd": 1, "biasStd": 0, "branchScale": 0.5}
            """
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ResidualKernel.self, from: Data(json.utf8))
        }
    }

    @Test("zero blocks stop the process")
    func zeroBlocksPrecondition() async {
        await #expect(processExitsWith: .failure) {
            _ = ResidualKernel(activation: .relu, blocks: 0, weightStd: 1, biasStd: 0)
        }
    }

    @Test("negative branch scale stops the process")
    func negativeBranchScalePrecondition() async {
        await #expect(processExitsWith: .failure) {
            _ = ResidualKernel(activation: .relu, blocks: 2, weightStd: 1, biasStd: 0,
                               branchScale: -0.5)
        }
    }
}
