import CSQLite

extension ResultStore {
    /// Returns every recorded run, oldest first.
    public func runs() throws -> [StoredRun] {
        let statement = try connection.prepare("\(Self.runColumns) ORDER BY id")
        var runs: [StoredRun] = []
        while try statement.step() { runs.append(try readRun(statement)) }
        return runs
    }

    /// Returns the run with the largest id among runs of `profile` with an
    /// id below `runID`, or among all runs of `profile` when `runID` is nil.
    /// Ids follow recording order, so this is the latest earlier run even
    /// when clocks of different hosts disagree on `startedAt`.
    public func latestRun(profile: String, before runID: Int64? = nil) throws -> StoredRun? {
        let statement = try connection.prepare(
            "\(Self.runColumns) WHERE profile = ?1 AND id < ?2 ORDER BY id DESC LIMIT 1")
        try statement.bind(profile, at: 1)
        try statement.bind(runID ?? Int64.max, at: 2)
        return try statement.step() ? readRun(statement) : nil
    }

    /// Returns the properties of run `runID` in the order the run checked
    /// them.
    public func properties(runID: Int64) throws -> [StoredProperty] {
        let statement = try connection.prepare(
            """
            SELECT run_id, property_id, predicate, verdict, worst_ratio, worst_ratio_nonfinite,
                seconds, replay_command, error_message
            FROM properties WHERE run_id = ?1 ORDER BY rowid
            """)
        try statement.bind(runID, at: 1)
        var properties: [StoredProperty] = []
        while try statement.step() {
            properties.append(
                StoredProperty(
                    runID: statement.int64(0), propertyID: statement.string(1),
                    predicate: statement.string(2),
                    verdict: try verdict(statement.string(3)),
                    worstRatio: try statement.optionalDouble(4, nonfiniteColumn: 5),
                    seconds: statement.double(6), replayCommand: statement.string(7),
                    errorMessage: statement.optionalString(8)))
        }
        return properties
    }

    /// Returns the cases of run `runID`, of one property when `propertyID`
    /// is not nil, with each property's predicate cases before its control
    /// cases.
    public func cases(runID: Int64, propertyID: String? = nil) throws -> [StoredCase] {
        let statement = try connection.prepare(
            """
            SELECT run_id, property_id, predicate, verdict, is_control, case_index, label, seed,
                measured, measured_nonfinite, bound, bound_nonfinite,
                tolerance, tolerance_nonfinite, direction, passed, statement
            FROM cases WHERE run_id = ?1 AND (?2 IS NULL OR property_id = ?2) ORDER BY rowid
            """)
        try statement.bind(runID, at: 1)
        try statement.bind(propertyID, at: 2)
        var cases: [StoredCase] = []
        while try statement.step() { cases.append(try readCase(statement)) }
        return cases
    }

    /// Returns the verdicts and worst ratios of property `propertyID` in the
    /// latest `limit` runs of `profile` that checked it, newest first.
    /// - Precondition: `limit >= 0`.
    public func history(
        propertyID: String, profile: String, limit: Int = 20
    ) throws -> [HistoryEntry] {
        precondition(limit >= 0, "The history limit must be non-negative, but it is \(limit).")
        let statement = try connection.prepare(
            """
            SELECT runs.id, runs.started_at, runs.base_seed, properties.verdict,
                properties.worst_ratio, properties.worst_ratio_nonfinite
            FROM properties JOIN runs ON runs.id = properties.run_id
            WHERE properties.property_id = ?1 AND runs.profile = ?2
            ORDER BY runs.id DESC LIMIT ?3
            """)
        try statement.bind(propertyID, at: 1)
        try statement.bind(profile, at: 2)
        try statement.bind(Int64(limit), at: 3)
        var entries: [HistoryEntry] = []
        while try statement.step() {
            entries.append(
                HistoryEntry(
                    runID: statement.int64(0), startedAt: statement.string(1),
                    baseSeed: try seed(statement.string(2)),
                    verdict: try verdict(statement.string(3)),
                    worstRatio: try statement.optionalDouble(4, nonfiniteColumn: 5)))
        }
        return entries
    }

    // MARK: Row decoding

    private static let runColumns = """
        SELECT id, started_at, profile, base_seed, version, seconds, exit_code, host FROM runs
        """

    private func readRun(_ statement: SQLiteStatement) throws -> StoredRun {
        StoredRun(
            id: statement.int64(0), startedAt: statement.string(1), profile: statement.string(2),
            baseSeed: try seed(statement.string(3)), version: statement.string(4),
            seconds: statement.double(5), exitCode: Int32(clamping: statement.int64(6)),
            host: statement.string(7))
    }

    private func readCase(_ statement: SQLiteStatement) throws -> StoredCase {
        let directionText = statement.string(14)
        guard let direction = CaseResult.Direction(rawValue: directionText) else {
            throw corruptRow("invalid case direction \"\(directionText)\"")
        }
        return StoredCase(
            runID: statement.int64(0), propertyID: statement.string(1),
            predicate: statement.string(2),
            verdict: try verdict(statement.string(3)), isControl: statement.int64(4) != 0,
            index: Int(statement.int64(5)), label: statement.string(6),
            seed: try statement.optionalString(7).map(seed),
            measured: try statement.optionalDouble(8, nonfiniteColumn: 9) ?? .nan,
            bound: try statement.optionalDouble(10, nonfiniteColumn: 11) ?? .nan,
            tolerance: try statement.optionalDouble(12, nonfiniteColumn: 13) ?? .nan,
            direction: direction, passed: statement.int64(15) != 0, statement: statement.string(16))
    }

    private func verdict(_ text: String) throws -> Verdict {
        guard let verdict = Verdict(rawValue: text) else {
            throw corruptRow("invalid verdict \"\(text)\"")
        }
        return verdict
    }

    private func seed(_ text: String) throws -> UInt64 {
        guard let seed = UInt64(text) else { throw corruptRow("invalid seed \"\(text)\"") }
        return seed
    }

    private func corruptRow(_ message: String) -> SQLiteError {
        SQLiteError(
            path: path, operation: "read", code: SQLITE_MISMATCH,
            message: message + "; the file was not written by this version of spectral-check")
    }
}
