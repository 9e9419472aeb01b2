import Foundation
import Testing
import Theory

@Suite("Funk–Hecke spectrum")
struct SphereSpectrumTests {
    let oneLayerReLU = FullyConnectedKernel(activation: .relu, depth: 1, weightStd: 2.0.squareRoot(), biasStd: 0)

    // μ_0…μ_4 = 1, 2/3, 5/32, 0, 1/96 for σ_w² = 2, σ_b = 0, one hidden ReLU
    // layer on S² are the closed forms of Bietti & Mairal (2019); GSL's
    // quadrature is asked for 1e-13 absolute, so 1e-11 leaves margin.
    @Test("one-layer ReLU NTK on S²")
    func knownValuesOnS2() throws {
        let spectrum = try SphereSpectrum.eigenvalues(of: oneLayerReLU, dimension: 3, maxDegree: 4)
        let expected = [1.0, 2.0 / 3.0, 5.0 / 32.0, 0.0, 1.0 / 96.0]
        for (entry, value) in zip(spectrum, expected) {
            #expect(abs(entry.eigenvalue - value) < 1e-11, "degree \(entry.degree): \(entry.eigenvalue) vs \(value)")
        }
        // σ_w = √2 squares to 2 + 1 ulp, so κ(1) = 4 is exact only to a few ulps.
        #expect(abs(oneLayerReLU.onSphere(cosine: 1) - 4) <= 4 * 4 * Double.ulpOfOne)
    }

    @Test("multiplicities", arguments: [(2, 0, 1.0), (2, 5, 2.0), (3, 4, 9.0), (4, 2, 9.0), (5, 3, 30.0)])
    func multiplicity(d: Int, k: Int, expected: Double) throws {
        #expect(try SphereSpectrum.multiplicity(dimension: d, degree: k) == expected)
    }

    // Σ_k N(d,k) μ_k = κ(1). The tail beyond degree 60 of a one-layer ReLU
    // NTK decays like k^{-d}·N(d,k) ~ k^{-2} on S², so the partial sum is
    // checked against κ(1) minus that tail's order, 1/K.
    @Test("trace identity on the circle and S²", arguments: [2, 3])
    func traceIdentity(d: Int) throws {
        let kernel = FullyConnectedKernel(activation: .relu, depth: 2, weightStd: 1.3, biasStd: 0.2)
        let spectrum = try SphereSpectrum.eigenvalues(of: kernel, dimension: d, maxDegree: 200)
        let partial = spectrum.reduce(0) { $0 + $1.multiplicity * $1.eigenvalue }
        let total = kernel.onSphere(cosine: 1)
        #expect(partial <= total * (1 + 1e-10))
        #expect(total - partial < 0.02 * total, "partial sum \(partial), κ(1) = \(total)")
    }

    @Test("odd degrees vanish without bias only")
    func parity() throws {
        let noBias = try SphereSpectrum.eigenvalues(of: oneLayerReLU, dimension: 3, maxDegree: 9)
        for k in [3, 5, 7, 9] { #expect(abs(noBias[k].eigenvalue) < 1e-12, "degree \(k)") }
        let withBias = FullyConnectedKernel(activation: .relu, depth: 1, weightStd: 1.4, biasStd: 0.5)
        let biased = try SphereSpectrum.eigenvalues(of: withBias, dimension: 3, maxDegree: 5)
        #expect(abs(biased[3].eigenvalue) > 1e-6)
    }

    @Test("erf kernel on S^4 is positive definite")
    func erfPositive() throws {
        let kernel = FullyConnectedKernel(activation: .erf, depth: 2, weightStd: 1.5, biasStd: 0.1)
        let spectrum = try SphereSpectrum.eigenvalues(of: kernel, dimension: 5, maxDegree: 6)
        for entry in spectrum { #expect(entry.eigenvalue > -1e-12, "degree \(entry.degree)") }
    }
}

@Suite("Gegenbauer normalization")
struct GegenbauerTests {
    // P_k(1) = 1 is the normalization, exact up to the division by
    // C_k^λ(1), so 1e-14 relative.
    @Test("P_k(1) = 1 in higher dimensions", arguments: [4, 5, 6, 8])
    func unitAtOne(d: Int) throws {
        for k in 0...12 {
            let value = try SphereSpectrum.normalizedGegenbauer(dimension: d, degree: k, at: 1)
            #expect(abs(value - 1) <= 1e-14, "d = \(d), k = \(k)")
        }
    }

    // The erf NTK is smooth, so its Funk–Hecke partial sum through degree 40
    // reaches κ(1) to 1e-10 on S^4.
    @Test("trace identity on S^4")
    func traceOnS4() throws {
        let kernel = FullyConnectedKernel(activation: .erf, depth: 2, weightStd: 1.2, biasStd: 0.3)
        let spectrum = try SphereSpectrum.eigenvalues(of: kernel, dimension: 5, maxDegree: 40)
        let partial = spectrum.reduce(0) { $0 + $1.multiplicity * $1.eigenvalue }
        let total = kernel.onSphere(cosine: 1)
        #expect(abs(partial - total) <= 1e-10 * total, "partial \(partial), κ(1) \(total)")
    }
}
