import Checker
import Foundation
import Testing
import Theory

@Suite("CaseResult")
struct CaseResultTests {
    @Test("at-most cases compare with the tolerance")
    func atMost() {
        let inside = CaseResult(label: "a", seed: nil, measured: 1.5, bound: 1, tolerance: 0.5, statement: "s")
        #expect(inside.passed)
        #expect(inside.ratio == 1)
        let outside = CaseResult(label: "b", seed: nil, measured: 1.6, bound: 1, tolerance: 0.5, statement: "s")
        #expect(!outside.passed)
        #expect(abs(outside.ratio - 1.6 / 1.5) <= 4 * Double.ulpOfOne)
    }

    @Test("at-least cases are strict")
    func atLeast() {
        let equal = CaseResult(label: "a", seed: nil, measured: 1, bound: 1, statement: "s",
                               direction: .atLeast)
        #expect(!equal.passed, "measured must exceed bound − tolerance")
        let above = CaseResult(label: "b", seed: nil, measured: 2, bound: 1, statement: "s",
                               direction: .atLeast)
        #expect(above.passed)
        #expect(above.ratio == 0.5)
        let negative = CaseResult(label: "c", seed: nil, measured: -1, bound: 1, statement: "s",
                                  direction: .atLeast)
        #expect(negative.ratio == .infinity)
    }

    @Test("non-finite measurements fail", arguments: [Double.nan, .infinity, -.infinity])
    func nonFinite(measured: Double) {
        for direction in [CaseResult.Direction.atMost, .atLeast] {
            let result = CaseResult(label: "x", seed: nil, measured: measured, bound: 1, statement: "s",
                                    direction: direction)
            #expect(!result.passed, "\(measured) \(direction)")
        }
        let custom = CaseResult(label: "x", seed: nil, measured: measured, bound: 1, statement: "s",
                                passes: { _, _ in true })
        #expect(!custom.passed, "a custom rule cannot pass a non-finite measurement")
    }

    @Test("zero allowance ratio")
    func zeroAllowance() {
        let exact = CaseResult(label: "a", seed: nil, measured: 0, bound: 0, statement: "s")
        #expect(exact.passed)
        #expect(exact.ratio == 0)
        let over = CaseResult(label: "b", seed: nil, measured: 1e-16, bound: 0, statement: "s")
        #expect(!over.passed)
        #expect(over.ratio == .infinity)
    }

    @Test("outcome without cases does not pass")
    func emptyOutcome() {
        var outcome = PredicateOutcome()
        #expect(!outcome.passed)
        #expect(outcome.worst == nil)
        outcome.cases = [
            CaseResult(label: "low", seed: nil, measured: 1, bound: 4, statement: "s"),
            CaseResult(label: "high", seed: nil, measured: 3, bound: 4, statement: "s"),
        ]
        #expect(outcome.passed)
        #expect(outcome.worst?.label == "high")
    }
}

@Suite("Experiment")
struct ExperimentTests {
    let folder: ScratchFolder

    init() throws {
        folder = try ScratchFolder("checker-experiment")
    }

    func experiment(_ document: JSONValue) throws -> Experiment {
        let spec = try PropertyLoader.load(file: try folder.write(document, named: "experiment.json"))
        return try Experiment(spec: spec)
    }

    @Test("zonal target has the norm of its coefficients")
    func zonalTargetNorm() throws {
        // f* = P_1 + P_2 in the unit-norm basis, so ‖f*‖² = 1² + 1². The 8-node
        // Gauss–Legendre rule integrates the degree-4 polynomial f*² exactly.
        let experiment = try experiment(try PropertyFixture.dampedDeviations())
        #expect(experiment.quadrature.count == 8 * 16)
        #expect(abs(experiment.quadrature.weights.reduce(0, +) - 1) <= 1e-14)
        let squaredNorm = experiment.quadrature.squaredNorm(experiment.targetOnNodes)
        #expect(abs(squaredNorm - 2) <= 1e-13, "‖f*‖² = \(squaredNorm)")
    }

    @Test("no target is zero")
    func noTarget() throws {
        let experiment = try experiment(try PropertyFixture.traceIdentity())
        #expect(experiment.targetOnNodes == Array(repeating: 0, count: 128))
    }

    @Test("training sample is seeded and on the sphere")
    func trainingSample() throws {
        let experiment = try experiment(try PropertyFixture.dampedDeviations())
        let sample = try experiment.trainingSample(size: 30, seed: 11)
        let again = try experiment.trainingSample(size: 30, seed: 11)
        let other = try experiment.trainingSample(size: 30, seed: 12)
        #expect(sample.count == 30)
        #expect(sample.inputs.rows == 30)
        #expect(sample.inputs.columns == 3)
        #expect(sample.nodeIndices == nil, "sphere samples are fresh points")
        #expect(sample.inputs == again.inputs)
        #expect(sample.targets == again.targets)
        #expect(sample.inputs != other.inputs)
        for i in 0..<sample.count {
            let squaredNorm = sample.inputs.row(i).reduce(0) { $0 + $1 * $1 }
            #expect(abs(squaredNorm - 3) <= 1e-12, "inputs have norm √d; row \(i): \(squaredNorm)")
        }
    }
}
