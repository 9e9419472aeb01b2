import Checker
import Foundation
import Testing

/// A folder under the system temporary folder, removed when the value is
/// released. Suites keep one per test instance.
final class ScratchFolder {
    let path: String

    init(_ prefix: String = "checker-tests") throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Returns the path of `name` inside the folder, without creating it.
    func file(_ name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }

    /// Writes `text` to `name` inside the folder and returns the file's path.
    @discardableResult
    func write(_ text: String, named name: String) throws -> String {
        let target = file(name)
        try text.write(toFile: target, atomically: true, encoding: .utf8)
        return target
    }

    /// Writes `document` the way property files are written and returns the
    /// file's path.
    @discardableResult
    func write(_ document: JSONValue, named name: String) throws -> String {
        try write(document.serialized() + "\n", named: name)
    }
}

extension JSONValue {
    /// Returns a copy with the value at the dotted `path` replaced, or removed
    /// when `value` is nil. Missing intermediate objects are created.
    func setting(path: [String], to value: JSONValue?) -> JSONValue {
        guard case let .object(pairs) = self, let key = path.first else { return self }
        if path.count == 1 {
            guard let value else { return .object(pairs.filter { $0.0 != key }) }
            return setting(key, to: value)
        }
        let inner = self[key] ?? .object([])
        return setting(key, to: inner.setting(path: Array(path.dropFirst()), to: value))
    }

    /// Returns whether two values have the same structure, key order, integer
    /// flags and number bit patterns. `==` ignores the integer flag and treats
    /// 0.0 and -0.0 as equal, so round-trip tests need this stricter check.
    func isIdentical(to other: JSONValue) -> Bool {
        switch (self, other) {
        case (.null, .null):
            return true
        case let (.bool(a), .bool(b)):
            return a == b
        case let (.number(a, aIsInteger), .number(b, bIsInteger)):
            return a.bitPattern == b.bitPattern && aIsInteger == bIsInteger
        case let (.string(a), .string(b)):
            return a == b
        case let (.array(a), .array(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.isIdentical(to: $1) }
        case let (.object(a), .object(b)):
            return a.count == b.count
                && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1.isIdentical(to: $1.1) }
        default:
            return false
        }
    }

    /// The keys of an object in file order, or no keys for other values.
    var keys: [String] {
        guard case let .object(pairs) = self else { return [] }
        return pairs.map(\.0)
    }
}

/// Property documents small enough for the predicate tests to run in well
/// under a second each: one hidden ReLU layer with σ_w = √2 and σ_b = 0 on
/// S² with a Gauss–Legendre rule of 8 polar × 16 azimuthal nodes.
enum PropertyFixture {
    static let architecture = """
        {"family": "fc", "activation": "relu", "depth": 1,
         "weightStd": 1.4142135623730951, "biasStd": 0.0}
        """
    static let sphere = """
        {"kind": "sphere", "dimension": 3, "polarNodes": 8, "azimuthalNodes": 16}
        """
    /// f* = P_1 + P_2 in the unit-norm zonal basis.
    static let zonalTarget = """
        {"kind": "zonal", "terms": [{"degree": 1, "coefficient": 1.0},
                                    {"degree": 2, "coefficient": 1.0}]}
        """

    /// Returns a profile or calibration grid as JSON text.
    static func grid(widths: [Int], sampleSizes: [Int], seeds: Int, budget: Int = 60) -> String {
        "{\"widths\": \(widths), \"sampleSizes\": \(sampleSizes), \"seeds\": \(seeds), "
            + "\"budgetSeconds\": \(budget)}"
    }

    /// Returns a property document. `extra` contains `(key, JSON text)` pairs
    /// placed after the distribution, such as target, learningRate or
    /// maxDegree. The nightly profile repeats the ci grid.
    static func property(
        id: String, predicate: String, tolerance: String, control: String = "nngp",
        ci: String = grid(widths: [1], sampleSizes: [2], seeds: 1), times: String = "[1.0]",
        extra: [(String, String)] = []
    ) throws -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("id", .string(id)),
            ("predicate", .string(predicate)),
            ("statement", .string("Test property \(id).")),
            ("architecture", try JSONValue.parse(architecture)),
            ("distribution", try JSONValue.parse(sphere)),
        ]
        for (key, text) in extra {
            pairs.append((key, try JSONValue.parse(text)))
        }
        let grid = try JSONValue.parse(ci)
        pairs += [
            ("times", try JSONValue.parse(times)),
            ("tolerance", try JSONValue.parse(tolerance)),
            ("control", .string(control)),
            ("profiles", .object([("ci", grid), ("nightly", grid)])),
        ]
        return .object(pairs)
    }

    static func traceIdentity(id: String = "test-trace", relative: Double = 1e-10) throws -> JSONValue {
        try property(
            id: id, predicate: "trace-identity",
            tolerance: "{\"relative\": \(relative), \"tailFactor\": 2.0, \"reason\": \"rounding\"}",
            extra: [("maxDegree", "50")])
    }

    static func funkHecke(id: String = "test-funk-hecke") throws -> JSONValue {
        try property(
            id: id, predicate: "funk-hecke",
            tolerance: "{\"errorFactor\": 2.0, \"absolute\": 1e-12, \"reason\": \"coarse rule\"}",
            extra: [("maxDegree", "3")])
    }

    static func initialKernel(id: String = "test-ntk-init") throws -> JSONValue {
        try property(
            id: id, predicate: "ntk-at-init",
            tolerance: "{\"standardErrors\": 3.0, \"reason\": \"unbiased for one layer\"}",
            ci: grid(widths: [64, 256], sampleSizes: [2], seeds: 4))
    }

    static func dampedDeviations(id: String = "test-damped") throws -> JSONValue {
        try property(
            id: id, predicate: "damped-deviations",
            tolerance: "{\"nonlinearityFactor\": 2.0, \"reason\": \"cubic term\"}",
            ci: grid(widths: [64], sampleSizes: [30], seeds: 1), times: "[0.5, 1.0]",
            extra: [("target", zonalTarget), ("learningRate", "0.05")])
    }

    static func stepSizeOrder(id: String = "test-step-order") throws -> JSONValue {
        try property(
            id: id, predicate: "step-size-order",
            tolerance: "{\"ratioAllowance\": 0.25, \"reason\": \"second-order term\"}",
            control: "unstable-step", ci: grid(widths: [128], sampleSizes: [40], seeds: 1), times: "[0.5, 1.0]",
            extra: [("target", zonalTarget), ("learningRate", "0.1")])
    }

    static func parity(id: String = "test-parity") throws -> JSONValue {
        try property(
            id: id, predicate: "parity",
            tolerance: "{\"vanishing\": 1e-10, \"reason\": \"quadrature accuracy\"}",
            control: "added-bias", extra: [("maxDegree", "9")])
    }

    static func sampleExponent(id: String = "test-sample") throws -> JSONValue {
        try property(
            id: id, predicate: "sample-exponent",
            tolerance: "{\"exponentAllowance\": 0.1, \"confidence\": 0.95, \"reason\": \"curvature\"}",
            ci: grid(widths: [256], sampleSizes: [25, 50, 100, 200, 400], seeds: 8),
            extra: [("target", zonalTarget)])
    }

    static func effectiveRank(id: String = "test-rank", relative: Double = 0.2) throws -> JSONValue {
        try property(
            id: id, predicate: "effective-rank",
            tolerance: "{\"relative\": \(relative), \"reason\": \"O(n^-1/2) and O(m^-1/2)\"}",
            ci: grid(widths: [512], sampleSizes: [50, 100, 200], seeds: 3))
    }

    static func widthExponent(id: String = "test-width") throws -> JSONValue {
        try property(
            id: id, predicate: "width-exponent",
            tolerance: "{\"exponentAllowance\": 0.1, \"confidence\": 0.95, \"reason\": \"curvature\"}",
            control: "mean-field", ci: grid(widths: [64, 256, 1024], sampleSizes: [100], seeds: 3),
            extra: [("target", zonalTarget), ("learningRate", "0.05")])
    }

    static func spectralBias(id: String = "test-spectral-bias") throws -> JSONValue {
        try property(
            id: id, predicate: "spectral-bias",
            tolerance: "{\"relative\": 0.25, \"predictionFloor\": 0.1, \"reason\": \"gap over mode share\"}",
            ci: grid(widths: [512], sampleSizes: [100], seeds: 2), times: "[0.5, 1.0]",
            extra: [("target", zonalTarget), ("learningRate", "0.05")])
    }

    static func widthOfOrderN(id: String = "test-width-of-order-n") throws -> JSONValue {
        try property(
            id: id, predicate: "width-of-order-n",
            tolerance: "{\"confidence\": 0.95, \"reason\": \"both parts shrink\"}",
            control: "mean-field",
            ci: "{\"widthRatios\": [2, 4, 8], \"sampleSizes\": [25, 50, 100, 200], \"seeds\": 4, \"budgetSeconds\": 60}",
            extra: [("target", zonalTarget), ("learningRate", "0.05")])
    }

    static func drift(id: String = "test-drift") throws -> JSONValue {
        try property(
            id: id, predicate: "drift",
            tolerance: "{\"travelSlopeAllowance\": 0.15, \"exponentAllowance\": 0.1, \"confidence\": 0.95, "
                + "\"reason\": \"lazy training\"}",
            control: "mean-field", ci: grid(widths: [64, 256, 1024], sampleSizes: [50], seeds: 4),
            times: "[0.5, 1.0]", extra: [("target", zonalTarget), ("learningRate", "0.05")])
    }

    /// Returns a main-bound property with the given constants, or with no
    /// `constants` key when `widthConstant` is nil.
    static func mainBound(
        id: String = "test-bound", widthConstant: Double? = 0.7, sampleConstant: Double = 0.7
    ) throws -> JSONValue {
        var extra = [
            ("target", zonalTarget), ("learningRate", "0.05"), ("delta", "0.05"),
            ("calibration", grid(widths: [64, 256], sampleSizes: [50], seeds: 2)),
        ]
        let document = try property(
            id: id, predicate: "main-bound",
            tolerance: "{\"standardErrors\": 3.0, \"reason\": \"calibration spread\"}",
            control: "mean-field", ci: grid(widths: [1024], sampleSizes: [200], seeds: 2),
            times: "[0.5, 1.0]", extra: extra)
        guard let widthConstant else { return document }
        let fingerprint = try #require(Calibration.fingerprint(ofDocument: document))
        let constants = try JSONValue.parse(
            "{\"widthConstant\": \(widthConstant), \"sampleConstant\": \(sampleConstant), "
                + "\"fingerprint\": \"\(fingerprint)\"}")
        return document.setting(path: ["constants"], to: constants)
    }
}

/// Runs specs with a logger that keeps its entries in memory, so tests print
/// nothing.
struct QuietRunner {
    let memory = LogMemory()

    var logger: Logger { Logger(label: "checker-tests", sinks: [.memory(memory)]) }

    func run(_ specs: [PropertySpec], profile: Profile = .ci, baseSeed: UInt64 = 0) -> RunResult {
        var options = RunOptions()
        options.profile = profile
        options.baseSeed = baseSeed
        let runner = Runner(logger: logger, progress: ProgressReporter(logger: logger, live: false))
        return runner.run(specs, options: options)
    }
}

/// Runs the built `spectral-check` executable, which SwiftPM places next to
/// the test bundle. Tests that compare standard output use it because other
/// suites call `SpectralCheckCommand.main` in this process at the same time,
/// and their output would mix into a redirected file descriptor 1.
enum CommandLineProcess {
    static var executable: URL {
        Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("spectral-check")
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        try #require(FileManager.default.isExecutableFile(atPath: executable.path),
                     "\(executable.path) is missing; build the package with `swift build` first")
        let folder = try ScratchFolder("checker-process")
        let outputPath = folder.file("stdout.txt")
        let errorPath = folder.file("stderr.txt")
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        FileManager.default.createFile(atPath: errorPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        try output.close()
        try errors.close()
        return (process.terminationStatus,
                try String(contentsOfFile: outputPath, encoding: .utf8),
                try String(contentsOfFile: errorPath, encoding: .utf8))
    }
}

/// Builds results that have no public memberwise initializer by decoding
/// their Codable form.
enum ResultFixture {
    static func emptyOutcomeJSON() throws -> String {
        String(decoding: try JSONEncoder().encode(PredicateOutcome()), as: UTF8.self)
    }

    static func property(id: String, verdict: Verdict) throws -> PropertyResult {
        let outcome = try emptyOutcomeJSON()
        let json = """
            {"id": "\(id)", "predicate": "trace-identity", "statement": "Statement of \(id).",
             "file": "/tmp/\(id).json", "profile": "ci", "baseSeed": 0, "control": "nngp",
             "outcome": \(outcome), "controlOutcome": \(outcome), "verdict": "\(verdict.rawValue)",
             "replayCommand": "spectral-check run --property \(id)", "seconds": 0.5}
            """
        return try JSONDecoder().decode(PropertyResult.self, from: Data(json.utf8))
    }

    static func run(_ properties: [PropertyResult]) throws -> RunResult {
        let json = """
            {"version": "0.1.0", "profile": "ci", "baseSeed": 0,
             "startedAt": "2026-01-01T00:00:00Z", "seconds": 1.0, "properties": []}
            """
        var result = try JSONDecoder().decode(RunResult.self, from: Data(json.utf8))
        result.properties = properties
        return result
    }

    static func plot(fileName: String, title: String = "Test plot", logX: Bool = false,
                     logY: Bool = false, series: [PlotSeries]) throws -> Plot {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let seriesJSON = String(decoding: try encoder.encode(series), as: UTF8.self)
        let json = """
            {"fileName": "\(fileName)", "title": \(JSONValue.string(title).serialized()),
             "xLabel": "x", "yLabel": "y", "logX": \(logX), "logY": \(logY), "series": \(seriesJSON)}
            """
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(Plot.self, from: Data(json.utf8))
    }
}
