import Foundation
import Testing
@testable import Theory

@Suite("Gauss–Hermite rule")
struct GaussHermiteRuleTests {
    /// Variances up to 3 and correlations up to 0.99 in magnitude, including
    /// unequal variances and a zero covariance.
    static let covariances: [(q11: Double, q22: Double, q12: Double)] = [
        (1, 1, 0), (1, 1, 0.3), (2, 2, 1.2), (2, 0.5, -0.9), (2, 2, 1.9), (3, 3, 2.97), (0.2, 3, 0.5),
    ]

    // The rule is exact for polynomials below degree 128, so the normal
    // moments 1, 1, 3, 15, 105 come out to rounding (1e-13 relative).
    @Test("normal moments")
    func moments() {
        let rule = GaussHermiteRule.kernelDefault
        #expect(rule.pointCount == 64)
        #expect(abs(rule.weights.reduce(0, +) - 1) <= 1e-14)
        let expected: [Double] = [1, 1, 3, 15, 105]
        for (k, value) in expected.enumerated() {
            let estimate = rule.expectation(variance: 1) { x in pow(x, Double(2 * k)) }
            #expect(abs(estimate - value) <= 1e-13 * value, "E[z^\(2 * k)] = \(estimate)")
        }
    }

    @Test("zero point count is a precondition")
    func zeroPoints() async {
        await #expect(processExitsWith: .failure) { _ = try GaussHermiteRule(pointCount: 0) }
    }

    // Measured errors of the 64-point rule against erf's closed form: below
    // 1e-10 for |ρ| ≤ 0.6 and 3e-6 (value) and 1e-4 (derivative) at ρ = 0.99,
    // q = 3, where erf(√3 z) is steep. The bounds sit a few times above.
    @Test("erf pair against closed form")
    func erfAgainstClosedForm() {
        for (q11, q22, q12) in Self.covariances {
            let rho = abs(q12) / (q11 * q22).squareRoot()
            let tolerance = rho <= 0.6 ? (1e-9, 1e-9) : (1e-5, 3e-4)
            let exact = GaussianExpectations.pair(.erf, q11: q11, q22: q22, q12: q12)
            let estimate = GaussianExpectations.quadraturePair(.erf, q11: q11, q22: q22, q12: q12)
            let valueError = abs(estimate.value - exact.value) / max(abs(exact.value), 1e-12)
            let derivativeError = abs(estimate.derivative - exact.derivative) / exact.derivative
            if exact.value == 0 {
                #expect(abs(estimate.value) <= 1e-15, "q = (\(q11), \(q22), \(q12))")
            } else {
                #expect(valueError <= tolerance.0, "q = (\(q11), \(q22), \(q12))")
            }
            #expect(derivativeError <= tolerance.1, "q = (\(q11), \(q22), \(q12))")
        }
    }

    // The diagonal is the ρ = 1 limit, so it has the near-parallel error:
    // 2e-6 (value) at q = 3.
    @Test("erf diagonal against closed form")
    func erfDiagonal() {
        for q in [0.1, 1, 2, 3] {
            let exact = GaussianExpectations.diagonal(.erf, variance: q)
            let estimate = GaussianExpectations.quadratureDiagonal(.erf, variance: q)
            #expect(abs(estimate.value - exact.value) <= 1e-5 * exact.value, "q = \(q)")
            #expect(abs(estimate.derivative - exact.derivative) <= 3e-4 * exact.derivative, "q = \(q)")
        }
    }

    // Against a 400-point rule, which is converged to about 1e-12 on these
    // covariances. Bounds per activation from the measured errors: GELU and
    // softplus are below 1e-9 everywhere, tanh reaches 2e-5 (value) and 5e-4
    // (derivative) at q = 3, ρ = 0.99.
    @Test("smooth activations converge", arguments: [
        (Activation.tanh, 5e-5, 1e-3), (.softplus, 1e-8, 1e-8), (.gelu, 1e-8, 1e-7),
    ])
    func convergence(activation: Activation, valueTolerance: Double, derivativeTolerance: Double) throws {
        let reference = try GaussHermiteRule(pointCount: 400)
        for (q11, q22, q12) in Self.covariances {
            let estimate = GaussianExpectations.pair(activation, q11: q11, q22: q22, q12: q12)
            let exact = GaussianExpectations.quadraturePair(activation, q11: q11, q22: q22, q12: q12,
                                                            rule: reference)
            let scale = max(abs(exact.value), 1e-12)
            #expect(abs(estimate.value - exact.value) <= valueTolerance * scale,
                    "\(activation), q = (\(q11), \(q22), \(q12))")
            #expect(abs(estimate.derivative - exact.derivative) <= derivativeTolerance * exact.derivative,
                    "\(activation), q = (\(q11), \(q22), \(q12))")
        }
    }

    // A pair with q12 = q11 = q22 is the diagonal, so the two-dimensional
    // rule must reduce to the one-dimensional one (rounding, 1e-13).
    @Test("parallel pair equals diagonal", arguments: [Activation.tanh, .softplus, .gelu])
    func parallelPair(activation: Activation) {
        for q in [0.5, 2] {
            let pair = GaussianExpectations.quadraturePair(activation, q11: q, q22: q, q12: q)
            let diagonal = GaussianExpectations.diagonal(activation, variance: q)
            #expect(abs(pair.value - diagonal.value) <= 1e-13 * abs(diagonal.value), "\(activation), q = \(q)")
            #expect(abs(pair.derivative - diagonal.derivative) <= 1e-13 * diagonal.derivative,
                    "\(activation), q = \(q)")
        }
    }
}

@Suite("Activations")
struct ActivationTests {
    // Central differences with step 1e-5 have truncation error about
    // 1e-10 |φ'''| plus rounding 1e-11 |φ|, so 1e-8 absolute.
    @Test("derivative matches central difference", arguments: Activation.allCases)
    func derivative(activation: Activation) {
        let h = 1e-5
        for x in [-3.0, -0.7, -0.1, 0.2, 1.3, 4.0] {
            let difference = (activation.value(x + h) - activation.value(x - h)) / (2 * h)
            #expect(abs(activation.derivative(x) - difference) <= 1e-8, "\(activation) at \(x)")
        }
    }

    @Test("known values")
    func knownValues() {
        #expect(Activation.softplus.value(0) == log(2))
        #expect(Activation.softplus.derivative(0) == 0.5)
        #expect(Activation.softplus.value(800) == 800, "no overflow")
        #expect(Activation.softplus.value(-800) == 0)
        #expect(Activation.gelu.value(0) == 0)
        // GELU(1) = Φ(1) = erfc(−1/√2)/2, which CPython's math.erfc gives as
        // 0.8413447460685429.
        #expect(abs(Activation.gelu.value(1) - 0.8413447460685429) <= 2e-16)
        #expect(Activation.gelu.value(-40) == 0)
        #expect(Activation.tanh.derivative(0) == 1)
        #expect(!Activation.tanh.hasClosedFormExpectations)
        #expect(Activation.relu.hasClosedFormExpectations)
    }
}
