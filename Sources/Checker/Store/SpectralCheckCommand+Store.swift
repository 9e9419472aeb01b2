extension SpectralCheckCommand {
    /// The `--store` default of `run`, relative to the working directory.
    static let defaultStorePath = "reports/history.sqlite"

    /// Records `result` in the store at `path`, compares it with the latest
    /// earlier run of its profile, prints each alarm's line and logs each
    /// alarm at warning level.
    /// - Parameter reportsMissing: Whether properties of the earlier run
    ///   absent from `result` raise alarms. The caller turns this off for a
    ///   run restricted with `--property`.
    /// - Returns: False when the store could not be opened, written or read.
    ///   The error is logged, and the run may be missing from the store.
    static func recordRun(
        _ result: RunResult, inStoreAt path: String, reportsMissing: Bool,
        logger: Logger
    ) -> Bool {
        let alarms: [Alarm]
        let runID: Int64
        do {
            let store = try ResultStore(path: path)
            runID = try store.record(result)
            logger.info("run stored", metadata: ["store.path": path, "run.id": "\(runID)"])
            let evaluator = AlarmEvaluator(reportsMissing: reportsMissing)
            alarms = try evaluator.evaluate(result, recordedAs: runID, in: store)
        } catch {
            logger.error(
                "run could not be stored", metadata: ["store.path": path, "error": "\(error)"])
            return false
        }
        for alarm in alarms {
            print(alarm.line)
            logger.warning(
                "alarm raised",
                metadata: [
                    "property.id": alarm.propertyID, "run.id": "\(runID)",
                    "alarm.kind": alarm.kind.rawValue,
                    "alarm.previousRunID": "\(alarm.previousRunID)", "alarm.message": alarm.message,
                ])
        }
        return true
    }
}
