import Checker
import Foundation
import Testing
import Theory

/// One edit of a valid property file that the loader must reject.
struct RejectionCase: Sendable, CustomTestStringConvertible {
    enum Base: Sendable {
        case traceIdentity, dampedDeviations, mainBound, widthExponent
    }

    var name: String
    var base: Base = .traceIdentity
    /// The dotted path of the edited value.
    var path: [String]
    /// The new value as JSON text, or nil to remove the key.
    var json: String?
    /// The key path the error must name.
    var key: String
    /// Text the error message must contain, such as the allowed values.
    var fragments: [String]

    var testDescription: String { name }

    static let all: [RejectionCase] = [
        RejectionCase(
            name: "unknown top-level key", path: ["colour"], json: "\"red\"", key: "colour",
            fragments: ["unknown key; allowed keys are architecture, calibration, constants, control, "
                + "delta, distribution, id, learningRate, maxDegree, predicate, profiles, statement, "
                + "target, times, tolerance"]),
        RejectionCase(
            name: "unknown architecture key", path: ["architecture", "width"], json: "64",
            key: "architecture.width",
            fragments: ["unknown key; allowed keys are activation, biasStd, depth, family, weightStd"]),
        RejectionCase(
            name: "unknown distribution key", path: ["distribution", "nodes"], json: "100",
            key: "distribution.nodes",
            fragments: ["unknown key; allowed keys are azimuthalNodes, dimension, kind, polarNodes"]),
        RejectionCase(
            name: "tolerance key of another predicate", path: ["tolerance", "absolute"], json: "1e-12",
            key: "tolerance.absolute",
            fragments: ["unknown key; allowed keys are reason, relative, tailFactor"]),
        RejectionCase(
            name: "unknown profile", path: ["profiles", "weekly"],
            json: PropertyFixture.grid(widths: [1], sampleSizes: [2], seeds: 1), key: "profiles.weekly",
            fragments: ["unknown key; allowed keys are ci, nightly"]),
        RejectionCase(
            name: "unknown grid key", path: ["profiles", "ci", "width"], json: "[1]",
            key: "profiles.ci.width",
            fragments: ["unknown key; allowed keys are budgetSeconds, sampleSizes, seeds, widths"]),
        RejectionCase(
            name: "string for a number", path: ["architecture", "weightStd"], json: "\"1.4\"",
            key: "architecture.weightStd", fragments: ["expected a number"]),
        RejectionCase(
            name: "float for an integer", path: ["architecture", "depth"], json: "1.0",
            key: "architecture.depth", fragments: ["expected an integer"]),
        RejectionCase(
            name: "float in an integer array", path: ["profiles", "ci", "widths"], json: "[1, 2.5]",
            key: "profiles.ci.widths[1]", fragments: ["expected an integer"]),
        RejectionCase(
            name: "bool for a number", path: ["architecture", "biasStd"], json: "true",
            key: "architecture.biasStd", fragments: ["expected a number"]),
        RejectionCase(
            name: "string in a number array", path: ["times"], json: "[1.0, \"2\"]", key: "times[1]",
            fragments: ["expected a number"]),
        RejectionCase(
            name: "object for a string", path: ["statement"], json: "{}", key: "statement",
            fragments: ["expected a string"]),
        RejectionCase(
            name: "depth 7", path: ["architecture", "depth"], json: "7", key: "architecture.depth",
            fragments: ["value 7 is out of range; allowed range is 1...6"]),
        RejectionCase(
            name: "negative biasStd", path: ["architecture", "biasStd"], json: "-0.5",
            key: "architecture.biasStd",
            fragments: ["value -0.5 is out of range; allowed range is [0.0, 100.0]"]),
        RejectionCase(
            name: "zero weightStd", path: ["architecture", "weightStd"], json: "0.0",
            key: "architecture.weightStd",
            fragments: ["value 0.0 is out of range; allowed range is (0.0, 100.0]"]),
        RejectionCase(
            name: "delta 1.5", path: ["delta"], json: "1.5", key: "delta",
            fragments: ["value 1.5 is out of range; allowed range is (0.0, 1.0]"]),
        RejectionCase(
            name: "seeds 0", path: ["profiles", "ci", "seeds"], json: "0", key: "profiles.ci.seeds",
            fragments: ["value 0 is out of range; allowed range is 1...1000"]),
        RejectionCase(
            name: "time 0", path: ["times"], json: "[0.0, 1.0]", key: "times[0]",
            fragments: ["value 0.0 is out of range; allowed range is (0.0, 1000.0]"]),
        RejectionCase(
            name: "empty times", path: ["times"], json: "[]", key: "times",
            fragments: ["expected at least one value"]),
        RejectionCase(
            name: "unknown predicate", path: ["predicate"], json: "\"trace\"", key: "predicate",
            fragments: ["invalid value \"trace\"; allowed values are trace-identity, funk-hecke, "
                + "ntk-at-init, damped-deviations, main-bound, width-exponent, sample-exponent, "
                + "effective-rank"]),
        RejectionCase(
            name: "unknown activation", path: ["architecture", "activation"], json: "\"sigmoid\"",
            key: "architecture.activation",
            fragments: ["invalid value \"sigmoid\"; allowed values are relu, erf, tanh, softplus, gelu"]),
        RejectionCase(
            name: "tanh past the quadrature variance limit", path: ["architecture"],
            json: #"{"family": "fc", "activation": "tanh", "depth": 2, "weightStd": 3.0, "biasStd": 0.0}"#,
            key: "architecture",
            fragments: ["the tanh kernel reaches layer variance 9.0, above the limit 3.0"]),
        RejectionCase(
            name: "control not allowed for trace-identity", path: ["control"], json: "\"mean-field\"",
            key: "control", fragments: ["invalid value \"mean-field\"; allowed values are nngp"]),
        RejectionCase(
            name: "unknown control for main-bound", base: .mainBound, path: ["control"],
            json: "\"shuffled\"", key: "control",
            fragments: ["invalid value \"shuffled\"; allowed values are mean-field, nngp"]),
        RejectionCase(
            name: "missing statement", path: ["statement"], json: nil, key: "statement",
            fragments: ["missing required key"]),
        RejectionCase(
            name: "missing depth", path: ["architecture", "depth"], json: nil, key: "architecture.depth",
            fragments: ["missing required key"]),
        RejectionCase(
            name: "missing tolerance reason", path: ["tolerance", "reason"], json: nil,
            key: "tolerance.reason", fragments: ["missing required key"]),
        RejectionCase(
            name: "missing nightly profile", path: ["profiles", "nightly"], json: nil,
            key: "profiles.nightly", fragments: ["missing required key"]),
        RejectionCase(
            name: "missing target of a training predicate", base: .dampedDeviations, path: ["target"],
            json: nil, key: "target",
            fragments: ["missing required key; predicate damped-deviations trains a network"]),
        RejectionCase(
            name: "missing learning rate", base: .dampedDeviations, path: ["learningRate"], json: nil,
            key: "learningRate",
            fragments: ["missing required key; predicate damped-deviations trains a network"]),
        RejectionCase(
            name: "missing calibration grid", base: .mainBound, path: ["calibration"], json: nil,
            key: "calibration", fragments: ["missing required key; main-bound needs a calibration grid"]),
        RejectionCase(
            name: "two widths for width-exponent", base: .widthExponent, path: ["profiles", "ci", "widths"],
            json: "[64, 256, 256]", key: "profiles.ci.widths",
            fragments: ["width-exponent needs at least three distinct widths"]),
        RejectionCase(
            name: "decreasing times", path: ["times"], json: "[2.0, 1.0]", key: "times",
            fragments: ["strictly increasing"]),
        RejectionCase(
            name: "blank statement", path: ["statement"], json: "\"   \"", key: "statement",
            fragments: ["must not be empty"]),
        RejectionCase(
            name: "unknown family", path: ["architecture", "family"], json: "\"mlp\"",
            key: "architecture.family", fragments: ["allowed values are fc, resnet, conv"]),
        RejectionCase(
            name: "resnet with depth", path: ["architecture"],
            json: #"{"family": "resnet", "activation": "relu", "depth": 2, "weightStd": 1.4, "biasStd": 0}"#,
            key: "architecture.depth",
            fragments: ["unknown key; allowed keys are activation, biasStd, blocks, branchScale, family, weightStd"]),
        RejectionCase(
            name: "resnet with 7 blocks", path: ["architecture"],
            json: #"{"family": "resnet", "activation": "relu", "blocks": 7, "weightStd": 1.4, "biasStd": 0}"#,
            key: "architecture.blocks", fragments: ["value 7 is out of range; allowed range is 1...6"]),
        RejectionCase(
            name: "resnet with zero branch scale", path: ["architecture"],
            json: #"{"family": "resnet", "activation": "relu", "blocks": 2, "branchScale": 0, "weightStd": 1.4, "biasStd": 0}"#,
            key: "architecture.branchScale", fragments: ["value 0.0 is out of range; allowed range is (0.0, 10.0]"]),
        RejectionCase(
            name: "conv shape of the wrong size", path: ["architecture"],
            json: #"{"family": "conv", "activation": "relu", "depth": 1, "spatialShape": [4], "filterSize": 3, "weightStd": 1.4, "biasStd": 0}"#,
            key: "architecture.spatialShape",
            fragments: ["the shape [4] has 4 positions, but the distribution's inputs have 3 entries"]),
        RejectionCase(
            name: "conv with even filter", path: ["architecture"],
            json: #"{"family": "conv", "activation": "relu", "depth": 1, "spatialShape": [3], "filterSize": 2, "weightStd": 1.4, "biasStd": 0}"#,
            key: "architecture.filterSize", fragments: ["odd"]),
        RejectionCase(
            name: "conv with three axes", path: ["architecture"],
            json: #"{"family": "conv", "activation": "relu", "depth": 1, "spatialShape": [1, 1, 3], "filterSize": 1, "weightStd": 1.4, "biasStd": 0}"#,
            key: "architecture.spatialShape", fragments: ["expected [P] for a signal or [H, W] for an image, got 3 axes"]),
        RejectionCase(
            name: "conv with 5 layers", path: ["architecture"],
            json: #"{"family": "conv", "activation": "relu", "depth": 5, "spatialShape": [3], "filterSize": 3, "weightStd": 1.4, "biasStd": 0}"#,
            key: "architecture.depth", fragments: ["value 5 is out of range; allowed range is 1...4"]),
    ]
}

@Suite("PropertyLoader")
struct PropertyLoaderTests {
    let folder: ScratchFolder

    init() throws {
        folder = try ScratchFolder("checker-loader")
    }

    static let baseID = "base-property"

    static func baseDocument(_ base: RejectionCase.Base) throws -> JSONValue {
        switch base {
        case .traceIdentity: return try PropertyFixture.traceIdentity(id: baseID)
        case .dampedDeviations: return try PropertyFixture.dampedDeviations(id: baseID)
        case .mainBound: return try PropertyFixture.mainBound(id: baseID)
        case .widthExponent: return try PropertyFixture.widthExponent(id: baseID)
        }
    }

    /// Applies the case's edit to its base document and writes the result.
    func writeEdited(_ testCase: RejectionCase) throws -> String {
        let value = try testCase.json.map { try JSONValue.parse($0) }
        let document = try Self.baseDocument(testCase.base).setting(path: testCase.path, to: value)
        return try folder.write(document, named: "\(Self.baseID).json")
    }

    @Test("default suite loads")
    func defaultSuiteLoads() throws {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let propertiesFolder = root.appendingPathComponent("properties").path
        let names = try FileManager.default.contentsOfDirectory(atPath: propertiesFolder)
            .filter { $0.hasSuffix(".json") }.sorted()
        #expect(names.count >= 8)

        let specs = try PropertyLoader.load(paths: [propertiesFolder])
        #expect(specs.count == names.count)
        #expect(specs.map { ($0.file as NSString).lastPathComponent } == names)
        #expect(Set(specs.map(\.id)).count == specs.count)
        #expect(Set(specs.map(\.predicate)) == Set(PredicateKind.allCases),
                "every predicate has a default property")
        for spec in specs {
            #expect(spec.allowedControlsContainOwnControl, "control of \(spec.id)")
            #expect(!spec.toleranceReason.isEmpty, "tolerance reason of \(spec.id)")
            if spec.predicate == .mainBound {
                #expect(spec.constants != nil, "\(spec.id) is calibrated")
                #expect(spec.calibration != nil, "\(spec.id) has a calibration grid")
            }
        }
    }

    @Test("default files round trip through JSONValue")
    func defaultFilesRoundTrip() throws {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let propertiesFolder = root.appendingPathComponent("properties")
        let names = try FileManager.default.contentsOfDirectory(atPath: propertiesFolder.path)
            .filter { $0.hasSuffix(".json") }
        for name in names {
            let text = try String(contentsOf: propertiesFolder.appendingPathComponent(name), encoding: .utf8)
            let value = try JSONValue.parse(text)
            #expect(try JSONValue.parse(value.serialized()).isIdentical(to: value), "\(name)")
        }
    }

    @Test("valid base file loads")
    func baseLoads() throws {
        let path = try folder.write(try PropertyFixture.traceIdentity(id: Self.baseID), named: "base.json")
        let spec = try PropertyLoader.load(file: path)
        #expect(spec.id == Self.baseID)
        #expect(spec.predicate == .traceIdentity)
        #expect(spec.architecture == .fullyConnected(FullyConnectedKernel(
            activation: .relu, depth: 1, weightStd: 1.4142135623730951, biasStd: 0)))
        #expect(spec.distribution == .sphere2(polar: 8, azimuthal: 16))
        #expect(spec.times == [1.0])
        #expect(spec.delta == 0.05, "default δ")
        #expect(spec.maxDegree == 50)
        #expect(spec.tolerance == ["relative": 1e-10, "tailFactor": 2.0])
        #expect(spec.control == .nngp)
        #expect(spec.grid(.ci) == spec.grid(.nightly))
        #expect(spec.file == path)
    }

    @Test("edited file rejected", arguments: RejectionCase.all)
    func rejected(testCase: RejectionCase) throws {
        let path = try writeEdited(testCase)
        let error = try #require(throws: PropertyFileError.self) {
            try PropertyLoader.load(file: path)
        }
        #expect(error.file == path)
        #expect(error.propertyID == Self.baseID)
        #expect(error.key == testCase.key)
        let description = error.description
        #expect(description.contains(path), "\(description)")
        #expect(description.contains("property \(Self.baseID)"), "\(description)")
        #expect(description.contains("key \(testCase.key)"), "\(description)")
        for fragment in testCase.fragments {
            #expect(description.contains(fragment), "\(description)")
        }
    }

    @Test("command line exits 2 before running", arguments: RejectionCase.all)
    func commandLineRejects(testCase: RejectionCase) throws {
        let path = try writeEdited(testCase)
        let report = folder.file("report")
        #expect(SpectralCheckCommand.main(["run", "--no-store", "--report", report, path]) == 2)
        #expect(!FileManager.default.fileExists(atPath: report), "no report for an invalid file")
    }

    // Equal times crash a width-exponent run, because GapMeasurer records one
    // measurement per distinct time while WidthExponentPredicate fits one
    // line per entry of `times` and gets an empty one.
    @Test("repeated time rejected")
    func repeatedTime() throws {
        let document = try PropertyFixture.traceIdentity(id: Self.baseID)
            .setting(path: ["times"], to: try JSONValue.parse("[1.0, 1.0]"))
        let path = try folder.write(document, named: "repeated.json")
        let error = try #require(throws: PropertyFileError.self) {
            try PropertyLoader.load(file: path)
        }
        #expect(error.key == "times")
    }

    @Test("invalid id names no property")
    func invalidID() throws {
        let document = try PropertyFixture.traceIdentity(id: "Bad_ID")
        let path = try folder.write(document, named: "bad-id.json")
        let error = try #require(throws: PropertyFileError.self) {
            try PropertyLoader.load(file: path)
        }
        #expect(error.propertyID == nil)
        #expect(error.key == "id")
        #expect(error.message == "invalid id \"Bad_ID\"; use lowercase letters, digits and hyphens")
        #expect(error.description == "\(path): key id: \(error.message)")
    }

    @Test("duplicate ids across two files")
    func duplicateIDs() throws {
        let first = try folder.write(try PropertyFixture.traceIdentity(id: "same-id"), named: "a.json")
        let second = try folder.write(try PropertyFixture.funkHecke(id: "same-id"), named: "b.json")
        let error = try #require(throws: PropertyFileError.self) {
            try PropertyLoader.load(paths: [folder.path])
        }
        #expect(error.file == second)
        #expect(error.propertyID == "same-id")
        #expect(error.key == "id")
        #expect(error.message == "duplicate id; \(first) already declares it")

        let report = folder.file("report")
        #expect(SpectralCheckCommand.main(["run", "--no-store", "--report", report, first, second]) == 2)
        #expect(!FileManager.default.fileExists(atPath: report))
    }

    @Test("folder without json files")
    func folderWithoutJSON() throws {
        try folder.write("not a property", named: "notes.txt")
        let error = try #require(throws: PropertyFileError.self) {
            try PropertyLoader.load(paths: [folder.path])
        }
        #expect(error.file == folder.path)
        #expect(error.propertyID == nil)
        #expect(error.message == "folder contains no .json property files")
        #expect(SpectralCheckCommand.main(["run", "--no-store", "--report", folder.file("report"), folder.path]) == 2)
    }

    @Test("missing path")
    func missingPath() throws {
        let path = folder.file("absent.json")
        let error = try #require(throws: PropertyFileError.self) {
            try PropertyLoader.load(paths: [path])
        }
        #expect(error.description == "\(path): file or folder not found")
    }

    @Test("invalid JSON names file, line and column")
    func invalidJSON() throws {
        let path = try folder.write("{\n  \"id\": \"broken\",\n  \"predicate\": \n}\n", named: "broken.json")
        let error = try #require(throws: PropertyFileError.self) {
            try PropertyLoader.load(file: path)
        }
        #expect(error.file == path)
        #expect(error.propertyID == nil)
        #expect(error.message == "invalid JSON at line 4, column 1: expected a value")
        #expect(error.description.hasPrefix(path + ": "))

        let report = folder.file("report")
        #expect(SpectralCheckCommand.main(["run", "--no-store", "--report", report, path]) == 2)
        #expect(!FileManager.default.fileExists(atPath: report))
    }

    @Test("duplicate key in a property file")
    func duplicateKeyInFile() throws {
        let path = try folder.write("{\"id\": \"a\", \"id\": \"b\"}", named: "dup.json")
        let error = try #require(throws: PropertyFileError.self) {
            try PropertyLoader.load(file: path)
        }
        #expect(error.message.contains("duplicate key \"id\""), "\(error)")
    }

    @Test("top level must be an object")
    func topLevelArray() throws {
        let path = try folder.write("[1, 2]", named: "array.json")
        let error = try #require(throws: PropertyFileError.self) {
            try PropertyLoader.load(file: path)
        }
        #expect(error.message == "expected a JSON object at the top level")
    }

    @Test("folder loads in name order")
    func folderOrder() throws {
        try folder.write(try PropertyFixture.traceIdentity(id: "second"), named: "b.json")
        try folder.write(try PropertyFixture.funkHecke(id: "first"), named: "a.json")
        try folder.write("ignored", named: "c.txt")
        let specs = try PropertyLoader.load(paths: [folder.path])
        #expect(specs.map(\.id) == ["first", "second"])
    }
}

extension PropertySpec {
    fileprivate var allowedControlsContainOwnControl: Bool {
        predicate.allowedControls.contains(control)
    }
}
