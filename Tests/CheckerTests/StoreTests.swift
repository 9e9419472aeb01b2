import Checker
import Foundation
import Testing

/// Builders of crafted runs for the store and alarm tests.
enum StoreFixtures {
    static let emptyOutcome =
        #"{"cases": [], "exponents": [], "figures": {}, "plots": [], "notes": []}"#

    /// Returns a property result with the given cases. `PropertyResult` has
    /// no public initializer, so the result is decoded from JSON.
    static func property(
        _ id: String, verdict: Verdict, cases: [CaseResult],
        controlCases: [CaseResult] = [], errorMessage: String? = nil
    ) throws -> PropertyResult {
        let json = """
            {"id": "\(id)", "predicate": "main-bound", "statement": "statement of \(id)",
             "file": "properties/\(id).json", "profile": "ci", "baseSeed": 7,
             "control": "shuffled-labels", "outcome": \(emptyOutcome),
             "controlOutcome": \(emptyOutcome),
             "verdict": "\(verdict.rawValue)",
             "replayCommand": "spectral-check run --profile ci --seed 7 --property \(id)",
             "seconds": 1.5}
            """
        var property = try JSONDecoder().decode(PropertyResult.self, from: Data(json.utf8))
        property.outcome.cases = cases
        property.controlOutcome.cases = controlCases
        property.errorMessage = errorMessage
        return property
    }

    /// Returns a passing property whose only case has ratio `ratio`, with a
    /// failing control case.
    static func passing(_ id: String, ratio: Double) throws -> PropertyResult {
        try property(
            id, verdict: .pass,
            cases: [
                CaseResult(label: "m=64", seed: 11, measured: ratio, bound: 1, statement: "gap")
            ],
            controlCases: [
                CaseResult(label: "m=64", seed: 12, measured: 5, bound: 1, statement: "gap")
            ])
    }

    /// Returns a run of `properties`. `RunResult` has no public
    /// initializer, so the run is decoded from JSON.
    static func run(
        _ properties: [PropertyResult], profile: String = "ci", baseSeed: UInt64 = 7,
        startedAt: String = "2025-01-01T00:00:00Z"
    ) throws -> RunResult {
        let json = """
            {"version": "0.1.0", "profile": "\(profile)", "baseSeed": \(baseSeed),
             "startedAt": "\(startedAt)", "seconds": 12.5, "properties": []}
            """
        var run = try JSONDecoder().decode(RunResult.self, from: Data(json.utf8))
        run.properties = properties
        return run
    }

    /// Creates an empty folder, runs `body` with its path and removes the
    /// folder afterwards.
    static func withTemporaryFolder<T>(_ body: (String) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("checker-store-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url.path)
    }
}

@Suite("Result store")
struct StoreTests {
    @Test("two runs read back exactly")
    func twoRunsReadBack() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let store = try ResultStore(path: folder + "/nested/history.sqlite")
            let first = try StoreFixtures.run(
                [
                    try StoreFixtures.property(
                        "fc-relu-s2-bound", verdict: .pass,
                        cases: [
                            CaseResult(
                                label: "m=64 n=40", seed: UInt64.max, measured: 0.25, bound: 0.5,
                                tolerance: 0.01, statement: "gap at t=1"),
                            CaseResult(
                                label: "m=128 n=40", seed: nil, measured: 0.75, bound: 1,
                                statement: "gap",
                                direction: .atLeast),
                        ],
                        controlCases: [
                            CaseResult(
                                label: "control", seed: 3, measured: 9, bound: 1, statement: "c")
                        ]),
                    try StoreFixtures.property(
                        "fc-relu-s2-rank", verdict: .error, cases: [],
                        errorMessage: "matrix file not found"),
                ], baseSeed: UInt64.max)
            let second = try StoreFixtures.run(
                [try StoreFixtures.passing("fc-relu-s2-bound", ratio: 0.5)],
                profile: "nightly", startedAt: "2025-01-02T00:00:00Z")

            let firstID = try store.record(first, host: "host-a")
            let secondID = try store.record(second, host: "host-b")

            #expect(secondID > firstID)
            let runs = try store.runs()
            #expect(
                runs == [
                    StoredRun(
                        id: firstID, startedAt: "2025-01-01T00:00:00Z", profile: "ci",
                        baseSeed: UInt64.max,
                        version: "0.1.0", seconds: 12.5, exitCode: 2, host: "host-a"),
                    StoredRun(
                        id: secondID, startedAt: "2025-01-02T00:00:00Z", profile: "nightly",
                        baseSeed: 7,
                        version: "0.1.0", seconds: 12.5, exitCode: 0, host: "host-b"),
                ])
            let replay = "spectral-check run --profile ci --seed 7 --property"
            #expect(
                try store.properties(runID: firstID) == [
                    StoredProperty(
                        runID: firstID, propertyID: "fc-relu-s2-bound", predicate: "main-bound",
                        verdict: .pass, worstRatio: 1 / 0.75, seconds: 1.5,
                        replayCommand: "\(replay) fc-relu-s2-bound", errorMessage: nil),
                    StoredProperty(
                        runID: firstID, propertyID: "fc-relu-s2-rank", predicate: "main-bound",
                        verdict: .error, worstRatio: nil, seconds: 1.5,
                        replayCommand: "\(replay) fc-relu-s2-rank",
                        errorMessage: "matrix file not found"),
                ])
            #expect(
                try store.cases(runID: firstID) == [
                    StoredCase(
                        runID: firstID, propertyID: "fc-relu-s2-bound", predicate: "main-bound",
                        verdict: .pass,
                        isControl: false, index: 0, label: "m=64 n=40", seed: UInt64.max,
                        measured: 0.25,
                        bound: 0.5, tolerance: 0.01, direction: .atMost, passed: true,
                        statement: "gap at t=1"),
                    StoredCase(
                        runID: firstID, propertyID: "fc-relu-s2-bound", predicate: "main-bound",
                        verdict: .pass,
                        isControl: false, index: 1, label: "m=128 n=40", seed: nil, measured: 0.75,
                        bound: 1, tolerance: 0, direction: .atLeast, passed: false, statement: "gap"
                    ),
                    StoredCase(
                        runID: firstID, propertyID: "fc-relu-s2-bound", predicate: "main-bound",
                        verdict: .pass,
                        isControl: true, index: 0, label: "control", seed: 3, measured: 9,
                        bound: 1, tolerance: 0, direction: .atMost, passed: false, statement: "c"),
                ])
            #expect(try store.cases(runID: secondID).map(\.measured) == [0.5, 5])
            #expect(try store.cases(runID: firstID, propertyID: "fc-relu-s2-rank").isEmpty)
        }
    }

    @Test("non-finite values round trip")
    func nonfiniteRoundTrip() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let store = try ResultStore(path: folder + "/history.sqlite")
            let cases = [
                CaseResult(label: "nan", seed: 1, measured: .nan, bound: 1, statement: "s"),
                CaseResult(
                    label: "inf", seed: 2, measured: .infinity, bound: -.infinity, statement: "s"),
                CaseResult(
                    label: "negative inf", seed: 3, measured: -.infinity, bound: 1,
                    tolerance: .infinity,
                    statement: "s"),
            ]
            let runID = try store.record(
                StoreFixtures.run([
                    try StoreFixtures.property(
                        "fc-relu-s2-bound", verdict: .violation, cases: cases)
                ]))

            let stored = try store.cases(runID: runID)
            try #require(stored.count == 3)
            #expect(stored[0].measured.isNaN)
            #expect(stored[0].bound == 1)
            #expect(stored[1].measured == .infinity)
            #expect(stored[1].bound == -.infinity)
            #expect(stored[2].measured == -.infinity)
            #expect(stored[2].tolerance == .infinity)
            #expect(stored.map(\.passed) == [false, false, false])
            // The NaN case's ratio is NaN, and PredicateOutcome.worst keeps
            // it because no ratio compares greater than NaN.
            let property = try #require(try store.properties(runID: runID).first)
            #expect(property.worstRatio?.isNaN == true)
            let history = try store.history(propertyID: "fc-relu-s2-bound", profile: "ci")
            #expect(history.count == 1)
            #expect(history.first?.worstRatio?.isNaN == true)
            let infiniteID = try store.record(
                StoreFixtures.run([
                    try StoreFixtures.property(
                        "fc-relu-s2-bound", verdict: .violation, cases: [cases[1]])
                ]))
            #expect(try store.properties(runID: infiniteID).first?.worstRatio == .infinity)
        }
    }

    @Test("history is newest first per profile")
    func historyNewestFirst() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let store = try ResultStore(path: folder + "/history.sqlite")
            let oldID = try store.record(
                StoreFixtures.run([try StoreFixtures.passing("p", ratio: 0.1)]))
            try store.record(
                StoreFixtures.run([try StoreFixtures.passing("p", ratio: 0.9)], profile: "nightly"))
            let middleID = try store.record(
                StoreFixtures.run(
                    [
                        try StoreFixtures.property(
                            "p", verdict: .violation,
                            cases: [
                                CaseResult(
                                    label: "m=64", seed: 11, measured: 3, bound: 1, statement: "gap"
                                )
                            ])
                    ], baseSeed: 9))
            let newID = try store.record(
                StoreFixtures.run([try StoreFixtures.passing("p", ratio: 0.2)]))

            let all = try store.history(propertyID: "p", profile: "ci", limit: 10)
            #expect(all.map(\.runID) == [newID, middleID, oldID])
            #expect(all.map(\.verdict) == [.pass, .violation, .pass])
            #expect(all.map(\.worstRatio) == [0.2, 3, 0.1])
            #expect(all.map(\.baseSeed) == [7, 9, 7])
            #expect(
                try store.history(propertyID: "p", profile: "ci", limit: 2).map(\.runID) == [
                    newID, middleID,
                ])
            #expect(try store.history(propertyID: "other", profile: "ci").isEmpty)
        }
    }

    @Test("existing database reopens")
    func reopenExisting() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let path = folder + "/history.sqlite"
            let firstID = try ResultStore(path: path).record(
                StoreFixtures.run([try StoreFixtures.passing("p", ratio: 0.1)]))

            let reopened = try ResultStore(path: path)
            #expect(try reopened.runs().map(\.id) == [firstID])
            #expect(try reopened.properties(runID: firstID).map(\.worstRatio) == [0.1])
            let secondID = try reopened.record(
                StoreFixtures.run([try StoreFixtures.passing("p", ratio: 0.2)]))
            #expect(secondID == firstID + 1)
            #expect(try reopened.storedSchemaVersion() == ResultStore.currentSchemaVersion)
        }
    }

    @Test("schema version stored")
    func schemaVersionStored() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let store = try ResultStore(path: folder + "/history.sqlite")
            #expect(ResultStore.currentSchemaVersion == 1)
            #expect(try store.storedSchemaVersion() == 1)
        }
    }

    @Test("duplicate property id rolls back")
    func duplicateRollsBack() throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let store = try ResultStore(path: folder + "/history.sqlite")
            let twice = try StoreFixtures.passing("p", ratio: 0.1)
            #expect(throws: SQLiteError.self) {
                try store.record(StoreFixtures.run([twice, twice]))
            }
            #expect(try store.runs().isEmpty)
        }
    }

    @Test(
        "unusable paths throw with the path",
        arguments: ["file-as-folder", "folder-as-file", "not-sqlite"])
    func unusablePath(_ kind: String) throws {
        try StoreFixtures.withTemporaryFolder { folder in
            let blocker = folder + "/blocker"
            let path: String
            switch kind {
            case "file-as-folder":
                // The parent "folder" is a regular file, so it cannot hold
                // the database. Permission bits would not stop root.
                try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
                path = blocker + "/history.sqlite"
            case "folder-as-file":
                try FileManager.default.createDirectory(
                    atPath: blocker, withIntermediateDirectories: true)
                path = blocker
            default:
                try Data(repeating: 0x5a, count: 4096).write(to: URL(fileURLWithPath: blocker))
                path = blocker
            }

            let error = try #require(throws: SQLiteError.self) { try ResultStore(path: path) }
            #expect(error.path == path)
            #expect(error.description.contains(path), "\(error)")
        }
    }
}

extension StoreTests {
    @Suite("Alarm evaluator")
    struct AlarmEvaluatorTests {
        @Test("regression, drift and missing")
        func regressionDriftMissing() throws {
            try StoreFixtures.withTemporaryFolder { folder in
                let store = try ResultStore(path: folder + "/history.sqlite")
                let previousID = try store.record(
                    StoreFixtures.run([
                        try StoreFixtures.passing("regressed", ratio: 0.5),
                        try StoreFixtures.passing("doubled", ratio: 0.2),
                        try StoreFixtures.passing("above-one", ratio: 0.8),
                        try StoreFixtures.passing("steady", ratio: 0.5),
                        try StoreFixtures.passing("dropped", ratio: 0.3),
                        try StoreFixtures.property("failed-before", verdict: .violation, cases: []),
                    ]))
                // A later run of another profile is not the baseline.
                try store.record(StoreFixtures.run([], profile: "nightly"))
                // A passing case whose custom pass rule ignores the bound, so
                // its ratio exceeds 1 while it passes.
                let aboveOne = try StoreFixtures.property(
                    "above-one", verdict: .pass,
                    cases: [
                        CaseResult(
                            label: "m=64", seed: 11, measured: 1.2, bound: 1, statement: "gap",
                            passes: { _, _ in true })
                    ])
                let current = try StoreFixtures.run([
                    try StoreFixtures.property(
                        "regressed", verdict: .violation,
                        cases: [
                            CaseResult(
                                label: "m=64", seed: 11, measured: 3, bound: 1, statement: "gap")
                        ]),
                    try StoreFixtures.passing("doubled", ratio: 0.41),
                    aboveOne,
                    try StoreFixtures.passing("steady", ratio: 0.9),
                    try StoreFixtures.property("failed-before", verdict: .error, cases: []),
                    try StoreFixtures.passing("new", ratio: 0.99),
                ])
                let currentID = try store.record(current)

                let alarms = try AlarmEvaluator().evaluate(
                    current, recordedAs: currentID, in: store)

                #expect(
                    alarms.map(\.propertyID) == ["regressed", "doubled", "above-one", "dropped"])
                #expect(alarms.map(\.kind) == [.regression, .drift, .drift, .missing])
                #expect(alarms.allSatisfy { $0.previousRunID == previousID })
                #expect(alarms.map(\.previousVerdict) == [.pass, .pass, .pass, .pass])
                #expect(alarms.map(\.currentVerdict) == [.violation, .pass, .pass, nil])
                #expect(alarms.map(\.previousRatio) == [0.5, 0.2, 0.8, 0.3])
                #expect(alarms.map(\.currentRatio) == [3, 0.41, 1.2, nil])
                let replay = "spectral-check run --profile ci --seed 7 --property"
                for alarm in alarms {
                    #expect(
                        alarm.message.hasSuffix("\(replay) \(alarm.propertyID)"), "\(alarm.message)"
                    )
                    #expect(!alarm.message.contains("\n"), "\(alarm.message)")
                }
                #expect(
                    alarms.map { $0.line.prefix { $0 != " " } } == [
                        "ALARM:", "WARNING:", "WARNING:", "WARNING:",
                    ])
                #expect(alarms[1].message.contains("factor of 2"), "\(alarms[1].message)")
                #expect(alarms[2].message.contains("above 1"), "\(alarms[2].message)")
            }
        }

        @Test("drift factor parameter")
        func driftFactorParameter() throws {
            let previous = [
                StoredProperty(
                    runID: 1, propertyID: "p", predicate: "main-bound", verdict: .pass,
                    worstRatio: 0.2, seconds: 1, replayCommand: "replay", errorMessage: nil)
            ]
            let current = try StoreFixtures.run([try StoreFixtures.passing("p", ratio: 0.5)])

            #expect(
                AlarmEvaluator().evaluate(current, against: previous, previousRunID: 1).map(\.kind)
                    == [.drift])
            #expect(
                AlarmEvaluator(driftFactor: 3).evaluate(
                    current, against: previous, previousRunID: 1
                ).isEmpty)
        }

        @Test("restricted run reports no missing")
        func restrictedRunNoMissing() throws {
            let previous = [
                StoredProperty(
                    runID: 4, propertyID: "p", predicate: "main-bound", verdict: .pass,
                    worstRatio: 0.2, seconds: 1, replayCommand: "replay", errorMessage: nil)
            ]
            let current = try StoreFixtures.run([])

            #expect(
                AlarmEvaluator().evaluate(current, against: previous, previousRunID: 4).map(\.kind)
                    == [.missing])
            #expect(
                AlarmEvaluator(reportsMissing: false).evaluate(
                    current, against: previous, previousRunID: 4
                ).isEmpty)
        }

        @Test("first run raises no alarm")
        func firstRunNoAlarm() throws {
            try StoreFixtures.withTemporaryFolder { folder in
                let store = try ResultStore(path: folder + "/history.sqlite")
                let run = try StoreFixtures.run([
                    try StoreFixtures.property("p", verdict: .error, cases: [])
                ])
                let runID = try store.record(run)
                #expect(try AlarmEvaluator().evaluate(run, recordedAs: runID, in: store).isEmpty)
            }
        }
    }
}

extension StoreTests {
    @Suite("Run command store")
    struct RunCommandStoreTests {
        /// Returns `run` arguments for a digits property with a data folder
        /// that does not exist, so the run ends in an error verdict without
        /// computing anything.
        static func arguments(folder: String) -> [String] {
            let property = InputTestSupport.repositoryRoot.appendingPathComponent(
                "properties/fc-relu-digits-bound.json")
            return [
                "run", "--data", folder + "/no-data", "--report", folder + "/report", property.path,
            ]
        }

        @Test("run records into the store")
        func runRecords() throws {
            try StoreFixtures.withTemporaryFolder { folder in
                let path = folder + "/deep/history.sqlite"
                let status = SpectralCheckCommand.main(
                    Self.arguments(folder: folder) + ["--store", path])

                #expect(status == 2)
                let store = try ResultStore(path: path)
                let runs = try store.runs()
                #expect(runs.count == 1)
                let properties = try store.properties(runID: try #require(runs.first).id)
                #expect(properties.map(\.propertyID) == ["fc-relu-digits-bound"])
                #expect(properties.map(\.verdict) == [.error])
            }
        }

        @Test("store failure keeps the report")
        func storeFailureKeepsReport() throws {
            try StoreFixtures.withTemporaryFolder { folder in
                let blocker = folder + "/blocker"
                try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
                let status = SpectralCheckCommand.main(
                    Self.arguments(folder: folder) + ["--store", blocker + "/h.sqlite"])

                #expect(status == 2)
                #expect(FileManager.default.fileExists(atPath: folder + "/report/results.json"))
            }
        }

        @Test("no-store records nothing")
        func noStore() throws {
            // The default store is relative to the working directory, which
            // may hold one from earlier runs, so the test compares its
            // modification date instead of its existence.
            let defaultStore = FileManager.default.currentDirectoryPath + "/reports/history.sqlite"
            func modificationDate() -> Date? {
                let attributes = try? FileManager.default.attributesOfItem(atPath: defaultStore)
                return attributes?[.modificationDate] as? Date
            }
            let before = modificationDate()
            try StoreFixtures.withTemporaryFolder { folder in
                let status = SpectralCheckCommand.main(
                    Self.arguments(folder: folder) + ["--no-store"])

                #expect(status == 2)
                #expect(FileManager.default.fileExists(atPath: folder + "/report/results.json"))
                #expect(modificationDate() == before, "\(defaultStore) changed")
            }
        }

        @Test("store with no-store is a usage error")
        func storeAndNoStore() {
            #expect(SpectralCheckCommand.main(["run", "--store", "x.sqlite", "--no-store"]) == 2)
        }
    }
}
