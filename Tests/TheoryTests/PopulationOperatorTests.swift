import Foundation
import Testing
import Theory

@Suite("Population operator")
struct PopulationOperatorTests {
    let kernel = FullyConnectedKernel(activation: .relu, depth: 1, weightStd: 2.0.squareRoot(), biasStd: 0)

    // Σ λ_i = Σ_j w_j K(z_j, z_j) is an identity of the eigendecomposition,
    // so only rounding in dsyevd separates the two: 1e-10 relative.
    @Test("trace identity on S²")
    func traceIdentity() throws {
        let q = try Quadrature.sphere2(polar: 12, azimuthal: 24)
        let op = try PopulationOperator(kernel: kernel, quadrature: q)
        let diagonal = kernel.gram(q.nodes).diagonal
        let expected = zip(q.weights, diagonal).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(abs(op.trace - expected) <= 1e-10 * expected)
        #expect(abs(expected - 4) <= 1e-12)
    }

    // The quadrature spectrum converges to Funk–Hecke. The kernel has a
    // kink at u = ±1, so the error decays algebraically in the node count:
    // measured 2.3e-5 at 30 x 60 nodes and about 4 times that at 15 x 30.
    // The check asks for 5e-5 absolute (1.25e-5 of κ(1) = 4) at the finer
    // rule and at least a halving from the coarser one.
    @Test("quadrature spectrum matches Funk–Hecke")
    func matchesFunkHecke() throws {
        let expected = [1.0] + Array(repeating: 2.0 / 3.0, count: 3) + Array(repeating: 5.0 / 32.0, count: 5)
        func maxError(polar: Int) throws -> Double {
            let q = try Quadrature.sphere2(polar: polar, azimuthal: 2 * polar)
            let op = try PopulationOperator(kernel: kernel, quadrature: q)
            return zip(op.eigenvalues, expected).map { abs($0 - $1) }.max()!
        }
        let fine = try maxError(polar: 30)
        let coarse = try maxError(polar: 15)
        #expect(fine < 5e-5)
        #expect(fine < coarse / 2, "coarse \(coarse), fine \(fine)")
    }

    @Test("GSL reference agrees with LAPACK")
    func gslAgreesWithLAPACK() throws {
        let points = Quadrature.sphereSamplePoints(dimension: 4, count: 60, seed: 7)
        let gram = kernel.gram(points)
        let lapack = try SymmetricEigendecomposition(gram)
        let gsl = try SymmetricEigendecomposition.gslReference(gram)
        let scale = lapack.values[0]
        for (a, b) in zip(lapack.values, gsl.values) { #expect(abs(a - b) <= 1e-12 * scale) }
        // Eigenvectors agree up to sign for the simple top eigenvalue.
        let top = zip(lapack.vectors.column(0), gsl.vectors.column(0)).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(abs(abs(top) - 1) < 1e-10)
    }

    @Test("evolution at nodes equals the Nyström extension at nodes")
    func nystromAtNodes() throws {
        let q = try Quadrature.sphere2(polar: 8, azimuthal: 16)
        let op = try PopulationOperator(kernel: kernel, quadrature: q)
        let r0 = (0..<q.count).map { sin(q.nodes[$0, 2]) + q.nodes[$0, 0] }
        let atNodes = op.evolve(r0, time: 3)
        let extended = op.evolve(r0, time: 3, at: q.nodes, initialAtPoints: r0)
        for j in 0..<q.count { #expect(abs(atNodes[j] - extended[j]) < 1e-10, "node \(j)") }
        // At t = 0 nothing changes.
        #expect(op.evolve(r0, time: 0) == r0)
    }

    // The Nyström extension at a node equals the node value, because
    // (1/λ_i) Σ_j w_j K(z, z_j) φ_i(z_j) = (T φ_i)(z)/λ_i at the nodes.
    @Test("Nyström eigenfunction at nodes")
    func nystromEigenfunction() throws {
        let q = try Quadrature.sphere2(polar: 8, azimuthal: 16)
        let op = try PopulationOperator(kernel: kernel, quadrature: q)
        for i in [0, 1, 5] {
            let extended = op.eigenfunction(i, at: q.nodes)
            let direct = op.eigenfunction(i)
            for j in 0..<q.count { #expect(abs(extended[j] - direct[j]) < 1e-10, "mode \(i), node \(j)") }
        }
    }

    @Test("eigenfunctions are orthonormal in L²(ρ)")
    func orthonormal() throws {
        let q = Quadrature.sphereSample(dimension: 3, count: 200, seed: 3)
        let op = try PopulationOperator(kernel: kernel, quadrature: q)
        let a = op.eigenfunction(0), b = op.eigenfunction(1)
        #expect(abs(q.inner(a, a) - 1) < 1e-12)
        #expect(abs(q.inner(a, b)) < 1e-12)
    }

    @Test("decay factor tends to −t")
    func decayFactorLimit() {
        #expect(PopulationOperator.decayFactor(eigenvalue: 0, time: 2.5) == -2.5)
        let tiny = PopulationOperator.decayFactor(eigenvalue: 1e-20, time: 2)
        #expect(abs(tiny + 2) < 1e-15)
    }
}
