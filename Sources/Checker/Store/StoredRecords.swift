/// A row of the `runs` table.
public struct StoredRun: Sendable, Equatable {
    public var id: Int64
    /// ISO 8601 start time, as in `RunResult.startedAt`.
    public var startedAt: String
    public var profile: String
    public var baseSeed: UInt64
    /// The package version that produced the run.
    public var version: String
    /// Wall-clock duration of the run in seconds.
    public var seconds: Double
    /// `RunResult.exitCode`: the status the verdicts give, before any
    /// report or store failure.
    public var exitCode: Int32
    public var host: String

    public init(
        id: Int64, startedAt: String, profile: String, baseSeed: UInt64, version: String,
        seconds: Double, exitCode: Int32, host: String
    ) {
        self.id = id
        self.startedAt = startedAt
        self.profile = profile
        self.baseSeed = baseSeed
        self.version = version
        self.seconds = seconds
        self.exitCode = exitCode
        self.host = host
    }
}

/// A row of the `properties` table.
public struct StoredProperty: Sendable, Equatable {
    public var runID: Int64
    public var propertyID: String
    public var predicate: String
    public var verdict: Verdict
    /// The largest `CaseResult.ratio` among the predicate's cases, nil when
    /// the predicate produced no case. The negative control's cases do not
    /// count.
    public var worstRatio: Double?
    /// Wall-clock duration of the property in seconds.
    public var seconds: Double
    public var replayCommand: String
    public var errorMessage: String?

    public init(
        runID: Int64, propertyID: String, predicate: String, verdict: Verdict, worstRatio: Double?,
        seconds: Double, replayCommand: String, errorMessage: String?
    ) {
        self.runID = runID
        self.propertyID = propertyID
        self.predicate = predicate
        self.verdict = verdict
        self.worstRatio = worstRatio
        self.seconds = seconds
        self.replayCommand = replayCommand
        self.errorMessage = errorMessage
    }
}

/// A row of the `cases` table: one case of a predicate or of its negative
/// control.
public struct StoredCase: Sendable, Equatable {
    public var runID: Int64
    public var propertyID: String
    public var predicate: String
    /// The verdict of the property the case belongs to.
    public var verdict: Verdict
    /// Whether the case belongs to the negative control.
    public var isControl: Bool
    /// The position of the case in its outcome, from 0.
    public var index: Int
    public var label: String
    public var seed: UInt64?
    /// The measured value, NaN or infinite as it was recorded.
    public var measured: Double
    public var bound: Double
    public var tolerance: Double
    public var direction: CaseResult.Direction
    public var passed: Bool
    public var statement: String

    public init(
        runID: Int64, propertyID: String, predicate: String, verdict: Verdict, isControl: Bool,
        index: Int, label: String, seed: UInt64?, measured: Double, bound: Double,
        tolerance: Double,
        direction: CaseResult.Direction, passed: Bool, statement: String
    ) {
        self.runID = runID
        self.propertyID = propertyID
        self.predicate = predicate
        self.verdict = verdict
        self.isControl = isControl
        self.index = index
        self.label = label
        self.seed = seed
        self.measured = measured
        self.bound = bound
        self.tolerance = tolerance
        self.direction = direction
        self.passed = passed
        self.statement = statement
    }
}

/// One run's result of a property, as `ResultStore.history` returns it.
public struct HistoryEntry: Sendable, Equatable {
    public var runID: Int64
    public var startedAt: String
    public var baseSeed: UInt64
    public var verdict: Verdict
    /// See `StoredProperty.worstRatio`.
    public var worstRatio: Double?

    public init(
        runID: Int64, startedAt: String, baseSeed: UInt64, verdict: Verdict, worstRatio: Double?
    ) {
        self.runID = runID
        self.startedAt = startedAt
        self.baseSeed = baseSeed
        self.verdict = verdict
        self.worstRatio = worstRatio
    }
}
