import Checker
import Foundation
import Testing

@Suite("CaseSeed")
struct CaseSeedTests {
    // Reference values from an independent Python implementation of FNV-1a
    // over "property/purpose/index" followed by SplitMix64 mixing.
    @Test("pinned values", arguments: [
        (UInt64(0), "x", "run", 0, UInt64(2_538_651_044_922_992_224)),
        (0, "x", "run", 1, 17_027_863_033_646_109_525),
        (0, "x", "calibrate", 0, 11_100_197_767_034_389_325),
        (1, "x", "run", 0, 16_219_320_207_053_120_115),
    ])
    func pinned(base: UInt64, property: String, purpose: String, index: Int, expected: UInt64) {
        let seed = CaseSeed.derive(base: base, property: property, purpose: purpose, index: index)
        #expect(seed == expected)
        #expect(CaseSeed.derive(base: base, property: property, purpose: purpose, index: index) == seed)
    }

    @Test("distinct across purposes, indices, properties and bases")
    func distinct() {
        var seen: [UInt64: String] = [:]
        for base: UInt64 in [0, 1, UInt64.max] {
            for property in ["x", "y", "fc-relu-s2-bound"] {
                for purpose in ["run", "calibrate", "init-64", "rank-512-50", "nodes"] {
                    for index in 0..<50 {
                        let label = "\(base)/\(property)/\(purpose)/\(index)"
                        let seed = CaseSeed.derive(
                            base: base, property: property, purpose: purpose, index: index)
                        #expect(seen[seed] == nil, "\(label) collides with \(seen[seed] ?? "")")
                        seen[seed] = label
                    }
                }
            }
        }
        #expect(seen.count == 3 * 3 * 5 * 50)
    }

    @Test("substreams differ from each other and the seed")
    func substreams() {
        let seed = CaseSeed.derive(base: 0, property: "x", purpose: "run", index: 0)
        let sample = CaseSeed.substream(seed, "sample")
        let initialization = CaseSeed.substream(seed, "init")
        #expect(sample != initialization)
        #expect(sample != seed)
        #expect(initialization != seed)
        #expect(CaseSeed.substream(seed, "sample") == sample)
    }
}

@Suite("Runner")
struct RunnerTests {
    let folder: ScratchFolder

    init() throws {
        folder = try ScratchFolder("checker-runner")
    }

    func load(_ document: JSONValue, named name: String) throws -> PropertySpec {
        try PropertyLoader.load(file: try folder.write(document, named: name))
    }

    static let exitCodeCases: [([Verdict], Int32)] = [
        ([], 0),
        ([.pass], 0),
        ([.pass, .pass], 0),
        ([.pass, .violation], 1),
        ([.controlUndetected], 1),
        ([.violation, .controlUndetected], 1),
        ([.pass, .error], 2),
        ([.violation, .error, .controlUndetected], 2),
    ]

    @Test("exit code from verdicts", arguments: exitCodeCases)
    func exitCode(verdicts: [Verdict], expected: Int32) throws {
        let properties = try verdicts.enumerated().map { index, verdict in
            try ResultFixture.property(id: "p\(index)", verdict: verdict)
        }
        #expect(try ResultFixture.run(properties).exitCode == expected)
    }

    @Test("replay command format")
    func replayCommand() throws {
        let spec = try load(try PropertyFixture.traceIdentity(id: "replayed"), named: "replayed.json")
        var options = RunOptions()
        options.profile = .nightly
        options.baseSeed = 42
        #expect(Runner.replayCommand(spec, options: options)
            == "spectral-check run --profile nightly --seed 42 --property replayed \(spec.file)")
        options.dataFolder = "/data"
        #expect(Runner.replayCommand(spec, options: options)
            == "spectral-check run --profile nightly --seed 42 --property replayed --data /data \(spec.file)")
        #expect(options.dataPath == "/data/digits/digits.csv")
    }

    @Test("run result carries options and logs")
    func runResultFields() throws {
        let spec = try load(try PropertyFixture.traceIdentity(id: "logged"), named: "logged.json")
        let runner = QuietRunner()
        let result = runner.run([spec], profile: .nightly, baseSeed: 9)
        #expect(result.version == PackageVersion.string)
        #expect(result.profile == "nightly")
        #expect(result.baseSeed == 9)
        #expect(result.exitCode == 0)
        let property = try #require(result.properties.first)
        #expect(property.id == "logged")
        #expect(property.predicate == "trace-identity")
        #expect(property.profile == "nightly")
        #expect(property.control == "nngp")
        #expect(property.file == spec.file)
        #expect(property.errorMessage == nil)
        #expect(property.replayCommand.hasPrefix(
            "spectral-check run --profile nightly --seed 9 --property logged"))

        let messages = runner.memory.entries.map(\.message)
        #expect(messages.first == "run started")
        #expect(messages.last == "run finished")
        let finished = try #require(runner.memory.entries.first { $0.message == "property finished" })
        #expect(finished.level == .info)
        #expect(finished.metadata["property.id"] == "logged")
        #expect(finished.metadata["property.verdict"] == "pass")
    }

    @Test("missing constants is an error verdict")
    func missingConstants() throws {
        let spec = try load(try PropertyFixture.mainBound(id: "no-constants", widthConstant: nil),
                            named: "no-constants.json")
        let runner = QuietRunner()
        let result = runner.run([spec])
        let property = try #require(result.properties.first)
        #expect(property.verdict == .error)
        #expect(property.errorMessage
            == "property no-constants has no calibrated constants; "
            + "run `spectral-check calibrate \(spec.file)` first")
        #expect(result.exitCode == 2)
        let logged = try #require(runner.memory.entries.first { $0.level == .error })
        #expect(logged.message == "property failed with an error")
        #expect(logged.metadata["property.id"] == "no-constants")
        let finished = try #require(runner.memory.entries.first { $0.message == "property finished" })
        #expect(finished.level == .warning)
        #expect(finished.metadata["replay"] == property.replayCommand)
    }

    @Test("one error does not stop the run")
    func errorThenPass() throws {
        let broken = try load(try PropertyFixture.mainBound(id: "broken", widthConstant: nil),
                              named: "broken.json")
        let fine = try load(try PropertyFixture.traceIdentity(id: "fine"), named: "fine.json")
        let result = QuietRunner().run([broken, fine])
        #expect(result.properties.map(\.id) == ["broken", "fine"])
        #expect(result.properties.map(\.verdict) == [.error, .pass])
        #expect(result.exitCode == 2)
    }

    @Test("same base seed gives the same measurements")
    func deterministic() throws {
        let spec = try load(try PropertyFixture.initialKernel(id: "repeatable"), named: "repeatable.json")
        let first = try #require(QuietRunner().run([spec], baseSeed: 3).properties.first)
        let second = try #require(QuietRunner().run([spec], baseSeed: 3).properties.first)
        let other = try #require(QuietRunner().run([spec], baseSeed: 4).properties.first)
        #expect(first.outcome.cases == second.outcome.cases)
        #expect(first.outcome.cases.map(\.measured) != other.outcome.cases.map(\.measured))
    }
}
