/// A change of a property between a run and the latest earlier run of the
/// same profile that needs a person's attention.
public struct Alarm: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// The property passed before and now is a violation, an undetected
        /// control or an error.
        case regression
        /// The property still passes, but its worst ratio rose above 1 or by
        /// more than the evaluator's drift factor.
        case drift
        /// The earlier run checked the property and this run did not.
        case missing
    }

    public var propertyID: String
    public var kind: Kind
    public var previousVerdict: Verdict
    /// Nil when the property is missing from the current run.
    public var currentVerdict: Verdict?
    public var previousRatio: Double?
    public var currentRatio: Double?
    /// The id of the earlier run in the store.
    public var previousRunID: Int64
    /// One line that states the change and ends with the replay command of
    /// the current run, or of the earlier run for a missing property.
    public var message: String

    /// The message with the prefix the `run` command prints: "ALARM:" for a
    /// regression, "WARNING:" for drift and for a missing property.
    public var line: String {
        (kind == .regression ? "ALARM: " : "WARNING: ") + message
    }
}
