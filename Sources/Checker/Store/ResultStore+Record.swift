import Foundation

extension ResultStore {
    /// Inserts `run`, each of its properties and every case of each
    /// predicate and negative control in one transaction, so either the
    /// whole run is stored or, when this throws, none of it.
    /// - Parameter host: The machine name stored with the run.
    /// - Returns: The id of the new `runs` row. Ids increase with each
    ///   recorded run.
    /// - Throws: `SQLiteError` when a statement fails, for example when the
    ///   disk is full or `run` lists one property id twice.
    @discardableResult
    public func record(
        _ run: RunResult, host: String = ProcessInfo.processInfo.hostName
    ) throws -> Int64 {
        try connection.transaction {
            let runID = try insertRun(run, host: host)
            let propertyInsert = try connection.prepare(
                """
                INSERT INTO properties (run_id, property_id, predicate, verdict, worst_ratio,
                    worst_ratio_nonfinite, seconds, replay_command, error_message)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                """)
            let caseInsert = try connection.prepare(
                """
                INSERT INTO cases (run_id, property_id, predicate, verdict, is_control, case_index,
                    label, seed, measured, measured_nonfinite, bound, bound_nonfinite, tolerance,
                    tolerance_nonfinite, direction, passed, statement)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
                """)
            for property in run.properties {
                try insertProperty(property, runID: runID, using: propertyInsert)
                for (index, result) in property.outcome.cases.enumerated() {
                    try insertCase(
                        result, index: index, isControl: false, of: property, runID: runID,
                        using: caseInsert)
                }
                for (index, result) in property.controlOutcome.cases.enumerated() {
                    try insertCase(
                        result, index: index, isControl: true, of: property, runID: runID,
                        using: caseInsert)
                }
            }
            return runID
        }
    }

    private func insertRun(_ run: RunResult, host: String) throws -> Int64 {
        let statement = try connection.prepare(
            """
            INSERT INTO runs (started_at, profile, base_seed, version, seconds, exit_code, host)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
            """)
        try statement.bind(run.startedAt, at: 1)
        try statement.bind(run.profile, at: 2)
        try statement.bind(String(run.baseSeed), at: 3)
        try statement.bind(run.version, at: 4)
        try statement.bind(run.seconds, at: 5)
        try statement.bind(Int64(run.exitCode), at: 6)
        try statement.bind(host, at: 7)
        try statement.step()
        return connection.lastInsertRowID
    }

    private func insertProperty(
        _ property: PropertyResult, runID: Int64,
        using statement: SQLiteStatement
    ) throws {
        try statement.reset()
        try statement.bind(runID, at: 1)
        try statement.bind(property.id, at: 2)
        try statement.bind(property.predicate, at: 3)
        try statement.bind(property.verdict.rawValue, at: 4)
        try statement.bind(property.outcome.worst?.ratio, at: 5, nonfiniteAt: 6)
        try statement.bind(property.seconds, at: 7)
        try statement.bind(property.replayCommand, at: 8)
        try statement.bind(property.errorMessage, at: 9)
        try statement.step()
    }

    private func insertCase(
        _ result: CaseResult, index: Int, isControl: Bool, of property: PropertyResult,
        runID: Int64, using statement: SQLiteStatement
    ) throws {
        try statement.reset()
        try statement.bind(runID, at: 1)
        try statement.bind(property.id, at: 2)
        try statement.bind(property.predicate, at: 3)
        try statement.bind(property.verdict.rawValue, at: 4)
        try statement.bind(isControl, at: 5)
        try statement.bind(Int64(index), at: 6)
        try statement.bind(result.label, at: 7)
        try statement.bind(result.seed.map { String($0) }, at: 8)
        try statement.bind(result.measured, at: 9, nonfiniteAt: 10)
        try statement.bind(result.bound, at: 11, nonfiniteAt: 12)
        try statement.bind(result.tolerance, at: 13, nonfiniteAt: 14)
        try statement.bind(result.direction.rawValue, at: 15)
        try statement.bind(result.passed, at: 16)
        try statement.bind(result.statement, at: 17)
        try statement.step()
    }
}
