import Checker
import Foundation
import Testing

/// A small property whose predicate must hold and whose negative control
/// must fail.
struct PredicateFixtureCase: Sendable, CustomTestStringConvertible {
    var name: String
    var predicate: PredicateKind
    var control: ControlKind
    /// Cases one evaluation produces on the fixture's ci grid.
    var caseCount: Int
    var document: @Sendable () throws -> JSONValue

    var testDescription: String { name }

    static let circle = #"{"kind": "circle", "nodes": 64}"#
    static let erfArchitecture = """
        {"family": "fc", "activation": "erf", "depth": 1, "weightStd": 1.4142135623730951, "biasStd": 0.5}
        """

    static let residualArchitecture = """
        {"family": "resnet", "activation": "relu", "blocks": 2, "weightStd": 1.4142135623730951, "biasStd": 0.1}
        """
    static let convolutionalArchitecture = """
        {"family": "conv", "activation": "relu", "depth": 2, "spatialShape": [3], "filterSize": 3,
         "weightStd": 1.4142135623730951, "biasStd": 0.1}
        """

    static let all: [PredicateFixtureCase] = [
        // One quadrature case and one Funk–Hecke partial-sum case.
        PredicateFixtureCase(name: "trace-identity", predicate: .traceIdentity, control: .nngp, caseCount: 2) {
            try PropertyFixture.traceIdentity()
        },
        PredicateFixtureCase(name: "trace-identity on S¹", predicate: .traceIdentity, control: .nngp,
                             caseCount: 2) {
            try PropertyFixture.traceIdentity(id: "test-trace-circle")
                .setting(path: ["distribution"], to: try JSONValue.parse(circle))
        },
        PredicateFixtureCase(name: "trace-identity, erf with bias", predicate: .traceIdentity, control: .nngp,
                             caseCount: 2) {
            try PropertyFixture.traceIdentity(id: "test-trace-erf")
                .setting(path: ["architecture"], to: try JSONValue.parse(erfArchitecture))
        },
        // The error-estimate case and the convergence case.
        PredicateFixtureCase(name: "funk-hecke", predicate: .funkHecke, control: .nngp, caseCount: 2) {
            try PropertyFixture.funkHecke()
        },
        PredicateFixtureCase(name: "funk-hecke on S¹", predicate: .funkHecke, control: .nngp, caseCount: 2) {
            try PropertyFixture.funkHecke(id: "test-funk-hecke-circle")
                .setting(path: ["distribution"], to: try JSONValue.parse(circle))
        },
        PredicateFixtureCase(name: "funk-hecke, erf with bias", predicate: .funkHecke, control: .nngp,
                             caseCount: 2) {
            try PropertyFixture.funkHecke(id: "test-funk-hecke-erf")
                .setting(path: ["architecture"], to: try JSONValue.parse(erfArchitecture))
        },
        // One case per width.
        PredicateFixtureCase(name: "ntk-at-init", predicate: .ntkAtInitialization, control: .nngp,
                             caseCount: 2) {
            try PropertyFixture.initialKernel()
        },
        // An identity and a per-mode case at each of the two times.
        PredicateFixtureCase(name: "damped-deviations", predicate: .dampedDeviations, control: .nngp,
                             caseCount: 4) {
            try PropertyFixture.dampedDeviations()
        },
        // One ratio case at each of the two times.
        PredicateFixtureCase(name: "step-size-order", predicate: .stepSizeOrder, control: .unstableStep,
                             caseCount: 2) {
            try PropertyFixture.stepSizeOrder()
        },
        // The declared kernel and its two contrasts.
        PredicateFixtureCase(name: "parity", predicate: .parity, control: .addedBias, caseCount: 3) {
            try PropertyFixture.parity()
        },
        // Three slope cases at the one time.
        PredicateFixtureCase(name: "sample-exponent", predicate: .sampleExponent, control: .nngp,
                             caseCount: 3) {
            try PropertyFixture.sampleExponent()
        },
        // The Fisher identity, one case per sample size and one flatness case.
        PredicateFixtureCase(name: "effective-rank", predicate: .effectiveRank, control: .nngp, caseCount: 5) {
            try PropertyFixture.effectiveRank()
        },
        PredicateFixtureCase(name: "width-exponent", predicate: .widthExponent, control: .meanField,
                             caseCount: 3) {
            try PropertyFixture.widthExponent()
        },
        PredicateFixtureCase(name: "ntk-at-init, resnet", predicate: .ntkAtInitialization, control: .nngp,
                             caseCount: 2) {
            try PropertyFixture.initialKernel(id: "test-ntk-init-resnet")
                .setting(path: ["architecture"], to: try JSONValue.parse(residualArchitecture))
        },
        PredicateFixtureCase(name: "ntk-at-init, conv", predicate: .ntkAtInitialization, control: .nngp,
                             caseCount: 2) {
            try PropertyFixture.initialKernel(id: "test-ntk-init-conv")
                .setting(path: ["architecture"], to: try JSONValue.parse(convolutionalArchitecture))
        },
        PredicateFixtureCase(name: "spectral-bias, resnet", predicate: .spectralBias, control: .nngp, caseCount: 6) {
            // The residual NTK is about three times the fully connected one, so its
            // modes decay faster and n = 300 keeps the gap within 0.25 of each mode.
            try PropertyFixture.spectralBias(id: "test-spectral-bias-resnet")
                .setting(path: ["architecture"], to: try JSONValue.parse(residualArchitecture))
                .setting(path: ["profiles", "ci", "sampleSizes"], to: try JSONValue.parse("[300]"))
        },
        // The conv kernel is not zonal, so only the quadrature case applies.
        PredicateFixtureCase(name: "trace-identity, conv", predicate: .traceIdentity, control: .nngp, caseCount: 1) {
            try PropertyFixture.traceIdentity(id: "test-trace-conv")
                .setting(path: ["architecture"], to: try JSONValue.parse(convolutionalArchitecture))
        },
        // Two modes and their ordering at each of the two times.
        PredicateFixtureCase(name: "spectral-bias", predicate: .spectralBias, control: .nngp, caseCount: 6) {
            try PropertyFixture.spectralBias()
        },
        // One slope case per ratio at the one time.
        PredicateFixtureCase(name: "width-of-order-n", predicate: .widthOfOrderN, control: .meanField,
                             caseCount: 3) {
            try PropertyFixture.widthOfOrderN()
        },
        // The travel case and the three drift-slope cases.
        PredicateFixtureCase(name: "drift", predicate: .drift, control: .meanField, caseCount: 4) {
            try PropertyFixture.drift()
        },
        // Two seeds, each with a stability case and a case at each of the two times.
        PredicateFixtureCase(name: "main-bound", predicate: .mainBound, control: .meanField, caseCount: 6) {
            try PropertyFixture.mainBound()
        },
    ]
}

@Suite("Predicates and negative controls")
struct PredicateControlTests {
    let folder: ScratchFolder

    init() throws {
        folder = try ScratchFolder("checker-predicates")
    }

    /// Writes `document`, loads it and runs it on the ci profile with base seed 0.
    func run(_ document: JSONValue) throws -> PropertyResult {
        let file = try folder.write(document, named: "property.json")
        let spec = try PropertyLoader.load(file: file)
        let result = QuietRunner().run([spec])
        return try #require(result.properties.first)
    }

    @Test("predicate holds and control fails", arguments: PredicateFixtureCase.all)
    func predicateHoldsControlFails(fixture: PredicateFixtureCase) throws {
        let result = try run(try fixture.document())
        #expect(result.predicate == fixture.predicate.rawValue)
        #expect(result.control == fixture.control.rawValue)
        #expect(result.errorMessage == nil, "\(result.errorMessage ?? "")")
        #expect(result.verdict == .pass)

        #expect(result.outcome.cases.count == fixture.caseCount)
        for failed in result.outcome.cases where !failed.passed {
            Issue.record("case \(failed.label): measured \(failed.measured), bound \(failed.bound)")
        }
        #expect(result.outcome.passed)
        #expect(result.controlOutcome.cases.count == fixture.caseCount, "the control runs the same grid")
        #expect(!result.controlOutcome.passed, "the negative control must fail")
        let worstControl = try #require(result.controlOutcome.worst)
        #expect(worstControl.ratio > 1, "worst control case \(worstControl.label)")
    }

    // MARK: - Values behind the verdicts

    @Test("trace identity figures")
    func traceFigures() throws {
        let result = try run(try PropertyFixture.traceIdentity())
        let figures = result.outcome.figures
        // For one ReLU layer with σ_w² = 2 and σ_b = 0 on inputs of norm √d,
        // Θ(x, x) = 2 σ_w² |x|²/d = 4 and the NNGP diagonal is 2.
        let diagonal = try #require(figures["mean kernel diagonal"])
        let eigenvalueSum = try #require(figures["sum of eigenvalues"])
        #expect(abs(diagonal - 4) <= 1e-14 * 4)
        #expect(abs(eigenvalueSum - 4) <= 1e-10 * 4, "tolerance of the relative case")
        let kappaOne = try #require(figures["kappa(1)"])
        let nngpKappaOne = try #require(result.controlOutcome.figures["kappa(1)"])
        #expect(abs(kappaOne - 4) <= 1e-14 * 4)
        #expect(abs(nngpKappaOne - 2) <= 1e-14 * 2)
        let partial = try #require(figures["Funk-Hecke partial sum"])
        #expect(partial < 4, "the partial sum through degree 50 misses a positive tail")
        #expect(partial > 4 * (1 - 0.01))
    }

    @Test("Funk–Hecke figures")
    func funkHeckeFigures() throws {
        let result = try run(try PropertyFixture.funkHecke())
        let figures = result.outcome.figures
        // Exact eigenvalues of the fixture's NTK on S², as in the spectrum test.
        let expected: [Double] = [1, 2.0 / 3.0, 5.0 / 32.0, 0]
        for (k, mu) in expected.enumerated() {
            let value = try #require(figures["mu_\(k)"])
            #expect(abs(value - mu) <= 1e-11, "mu_\(k) = \(value)")
        }
        let main = try #require(result.outcome.cases.first)
        #expect(main.measured < 0.01, "quadrature eigenvalues of 128 nodes")
    }

    @Test("ntk-at-init reports an exponent and a plot")
    func initialKernelFit() throws {
        let result = try run(try PropertyFixture.initialKernel())
        let fit = try #require(result.outcome.exponents.first)
        #expect(fit.variable == "m")
        #expect(fit.lower <= fit.slope)
        #expect(fit.slope <= fit.upper)
        #expect(result.outcome.plots.map(\.fileName) == ["test-ntk-init-init-error.svg"])
        for (index, width) in [64, 256].enumerated() {
            #expect(result.outcome.cases[index].label == "m=\(width), 4 seeds, 48 points")
        }
    }

    @Test("effective rank reference")
    func effectiveRankReference() throws {
        let result = try run(try PropertyFixture.effectiveRank())
        // E K(x, x) = 4 and λ_1 = μ_0 = 1 up to quadrature error.
        let reference = try #require(result.outcome.figures["reference E K(x,x)/lambda_1"])
        #expect(abs(reference - 4) <= 0.02)
        let parameters = try #require(result.outcome.figures["parameter count m=512"])
        #expect(parameters >= 4 * 512, "at least W1, W2 and the hidden biases")
    }

    @Test("exponent predicates fit negative slopes")
    func exponentSlopes() throws {
        for document in [try PropertyFixture.sampleExponent(), try PropertyFixture.widthExponent()] {
            let result = try run(document)
            let fit = try #require(result.outcome.exponents.first)
            #expect(fit.upper < 0, "\(result.id): slope \(fit.slope)")
            #expect(fit.lower <= -0.4, "\(result.id): slope \(fit.slope)")
            let control = try #require(result.controlOutcome.exponents.first)
            #expect(control.lower > -0.4, "\(result.id) control: slope \(control.slope)")
            #expect(result.outcome.plots.count == 1)
        }
    }

    @Test("main-bound uses the file's constants")
    func mainBoundConstants() throws {
        let result = try run(try PropertyFixture.mainBound())
        #expect(result.outcome.figures["C_m"] == 0.7)
        #expect(result.outcome.figures["C_n"] == 0.7)
        // ε(t) = t (1 + t) (0.7/√1024 + 0.7 √(log 40 / 200)) at t = 0.5 and 1.
        let base = 0.7 / 1024.0.squareRoot() + 0.7 * (log(2 / 0.05) / 200).squareRoot()
        let boundCases = result.outcome.cases.filter { !$0.label.hasSuffix("step stability") }
        let bounds = boundCases.map(\.bound)
        #expect(bounds.count == 4)
        for (bound, time) in zip(bounds, [0.5, 1.0, 0.5, 1.0]) {
            let expected = time * (1 + time) * base
            #expect(abs(bound - expected) <= 1e-12 * expected, "t = \(time)")
        }
        #expect(result.outcome.plots.map(\.fileName) == ["test-bound-gap.svg", "test-bound-modes.svg"])
    }

    // MARK: - Sabotaged properties

    @Test("main-bound with tiny constants is a violation")
    func tinyConstants() throws {
        let document = try PropertyFixture.mainBound(id: "tiny", widthConstant: 1e-6, sampleConstant: 1e-6)
        let result = try run(document)
        #expect(result.verdict == .violation)
        let boundCases = result.outcome.cases.filter { !$0.label.hasSuffix("step stability") }
        #expect(boundCases.count == 4)
        #expect(boundCases.allSatisfy { !$0.passed }, "every gap exceeds a 1e-6 envelope")
        let lines = ReportWriter.failureLines(try ResultFixture.run([result]))
        #expect(lines.filter { $0.hasPrefix("tiny: FAILED m=1024 n=200 t=") }.count == 4)
        #expect(lines.last == "  replay: \(result.replayCommand)")
    }

    // Constants this large put ε(t) above the frozen gap at every time, so
    // no case could fail and the property is an error, not a pass.
    @Test("main-bound with vacuous constants is an error")
    func vacuousConstants() throws {
        let document = try PropertyFixture.mainBound(id: "vacuous", widthConstant: 100, sampleConstant: 100)
        let result = try run(document)
        #expect(result.verdict == .error)
        #expect(result.errorMessage?.hasPrefix("property vacuous: ε(t) is at or above the frozen gap") == true,
                "\(result.errorMessage ?? "")")
    }

    // The top eigenvalue of Θ_n/n is near μ_0 = 1 for this kernel on S², so
    // η = 3 puts η λ_max well past the stability limit 2.
    @Test("main-bound past the stability limit fails")
    func unstableMainBound() throws {
        let document = try PropertyFixture.mainBound(id: "unstable")
            .setting(path: ["learningRate"], to: .number(3, isInteger: false))
            .setting(path: ["times"], to: try JSONValue.parse("[3.0, 6.0]"))
        let file = try folder.write(document, named: "unstable.json")
        // Re-fingerprint the constants for the edited configuration.
        let edited = try JSONValue.parse(try String(contentsOfFile: file, encoding: .utf8))
        let fingerprint = try #require(Calibration.fingerprint(ofDocument: edited))
        let spec = try PropertyLoader.load(file: try folder.write(
            edited.setting(path: ["constants", "fingerprint"], to: .string(fingerprint)), named: "unstable.json"))
        let result = try #require(QuietRunner().run([spec]).properties.first)
        let stability = result.outcome.cases.filter { $0.label.hasSuffix("step stability") }
        #expect(stability.count == 2, "\(result.verdict) \(result.errorMessage ?? "")")
        for stabilityCase in stability {
            #expect(!stabilityCase.passed)
            #expect(stabilityCase.measured >= 2, "η λ_max = \(stabilityCase.measured)")
        }
        #expect(result.verdict != .pass)
    }

    // The eigenvalue sum from dsyevd and the weighted diagonal round
    // differently (about 1e-15 apart here), so a zero tolerance must fail the
    // quadrature case.
    @Test("trace identity with zero tolerance is a violation")
    func zeroTraceTolerance() throws {
        let result = try run(try PropertyFixture.traceIdentity(id: "zero", relative: 0))
        #expect(result.verdict == .violation)
        let quadrature = try #require(result.outcome.cases.first)
        #expect(quadrature.label == "quadrature, 128 nodes")
        #expect(!quadrature.passed, "measured \(quadrature.measured)")
        #expect(quadrature.measured < 1e-12, "the identity still holds to rounding")
    }

    // A finite network's Gram never matches the population ratio exactly.
    @Test("effective rank with zero tolerance is a violation")
    func zeroRankTolerance() throws {
        let result = try run(try PropertyFixture.effectiveRank(id: "zero-rank", relative: 0))
        #expect(result.verdict == .violation)
        // The Fisher identity has its own fixed tolerance and still passes.
        let rankCases = result.outcome.cases.filter { !$0.label.hasPrefix("Fisher identity") }
        #expect(rankCases.count == 4)
        #expect(rankCases.allSatisfy { !$0.passed })
    }

    // The loader rejects 10⁶ standard errors, so the spec is edited after
    // loading. That allowance also admits the analytic NNGP, and with two
    // widths there is no slope case, so the check cannot fail and the runner
    // must report the control as undetected.
    @Test("loose tolerance leaves the control undetected")
    func looseTolerance() throws {
        let file = try folder.write(try PropertyFixture.initialKernel(id: "loose"), named: "loose.json")
        var spec = try PropertyLoader.load(file: file)
        spec.tolerance["standardErrors"] = 1e6
        let result = try #require(QuietRunner().run([spec]).properties.first)
        #expect(result.verdict == .controlUndetected)
        #expect(result.outcome.passed)
        #expect(result.controlOutcome.passed)
        let run = try ResultFixture.run([result])
        #expect(run.exitCode == 1)
        #expect(ReportWriter.failureLines(run).first
            == "loose: negative control nngp passed the check, so the check cannot fail; base seed 0")
    }

    @Test("funk-hecke needs a product rule")
    func funkHeckeOnSample() throws {
        let document = try PropertyFixture.funkHecke(id: "sampled").setting(
            path: ["distribution"],
            to: try JSONValue.parse(#"{"kind": "sphere-sample", "dimension": 3, "nodes": 64}"#))
        let result = try run(document)
        #expect(result.verdict == .error)
        #expect(result.errorMessage == "property sampled: funk-hecke needs a circle or sphere product rule")
    }

    // Two seeds at three widths leave a slope interval far wider than 0.4,
    // so the precision case must fail whatever the slope.
    @Test("imprecise width slope is a violation")
    func impreciseWidthSlope() throws {
        let document = try PropertyFixture.widthExponent(id: "imprecise").setting(
            path: ["profiles", "ci"],
            to: try JSONValue.parse(PropertyFixture.grid(widths: [8, 16, 32], sampleSizes: [100], seeds: 2)))
        let result = try run(document)
        let precision = try #require(result.outcome.cases.first { $0.label.hasPrefix("m-slope precision") })
        #expect(!precision.passed, "half-width \(precision.measured)")
        #expect(result.verdict == .violation)
    }

    @Test("parity needs a bias-free ReLU layer")
    func parityOnDeeperKernel() throws {
        let document = try PropertyFixture.parity(id: "deep")
            .setting(path: ["architecture", "depth"], to: .number(2, isInteger: true))
        let result = try run(document)
        #expect(result.verdict == .error)
        #expect(result.errorMessage == "property deep: parity needs a fully connected network with one "
            + "hidden ReLU layer and no bias (depth 1, biasStd 0)")
    }

    // The step stays fixed, so only the ratio of the trajectories' distances
    // is tested; a zero allowance demands exactly 2, which no run gives.
    @Test("step-size-order with zero allowance fails")
    func zeroRatioAllowance() throws {
        let document = try PropertyFixture.stepSizeOrder(id: "exact-two")
            .setting(path: ["tolerance", "ratioAllowance"], to: .number(0, isInteger: false))
        let result = try run(document)
        #expect(result.verdict == .violation)
        #expect(result.outcome.cases.allSatisfy { !$0.passed })
    }

    @Test("funk-hecke degree beyond the coarse rule")
    func funkHeckeDegreeTooHigh() throws {
        // Degrees 0-4 on S² need 25 eigenvalues, but the 4 × 8 coarse rule resolves 16.
        let document = try PropertyFixture.funkHecke(id: "too-high")
            .setting(path: ["maxDegree"], to: .number(4, isInteger: true))
        let result = try run(document)
        #expect(result.verdict == .error)
        #expect(result.errorMessage == "property too-high: maxDegree 4 needs 25 eigenvalues but the coarse rule "
            + "has only 32 nodes; add nodes or lower maxDegree")
    }
}
