import Foundation

/// Compares a run with the latest earlier run of the same profile and
/// raises an `Alarm` for each regression, drift and missing property.
///
/// A property new in the current run, or one that did not pass before,
/// raises no alarm, because there is no passing result to compare with.
public struct AlarmEvaluator: Sendable {
    /// The factor by which a passing property's worst ratio may rise from
    /// one run to the next before it counts as drift.
    ///
    /// The default is 2: a property at half its allowance that doubles its
    /// ratio reaches the bound, while a smaller factor would flag the
    /// ordinary seed-to-seed scatter of Monte Carlo measurements at small
    /// ratios.
    /// NOTE: 2 is a judgment, not fitted to a measured seed-to-seed spread.
    public var driftFactor: Double

    /// Whether a property of the earlier run that the current run lacks
    /// raises a `missing` alarm. Turn it off for a run restricted to some
    /// properties, where every other property is missing by request.
    public var reportsMissing: Bool

    /// - Precondition: `driftFactor > 1`.
    public init(driftFactor: Double = 2, reportsMissing: Bool = true) {
        precondition(driftFactor > 1, "The drift factor must exceed 1, but it is \(driftFactor).")
        self.driftFactor = driftFactor
        self.reportsMissing = reportsMissing
    }

    /// Compares `run`, recorded in `store` as `runID`, with the latest
    /// earlier run of its profile there. Returns no alarm when there is no
    /// earlier run.
    /// - Parameter runID: The id `store.record(run)` returned, or nil when
    ///   `run` is not recorded, to compare with the latest run of the profile.
    public func evaluate(
        _ run: RunResult, recordedAs runID: Int64?, in store: ResultStore
    ) throws -> [Alarm] {
        guard let previous = try store.latestRun(profile: run.profile, before: runID) else {
            return []
        }
        return evaluate(
            run, against: try store.properties(runID: previous.id), previousRunID: previous.id)
    }

    /// Compares `run` with the stored properties of run `previousRunID`.
    /// Alarms follow the order of `run.properties`, then missing properties
    /// in the earlier run's order.
    public func evaluate(
        _ run: RunResult, against previous: [StoredProperty],
        previousRunID: Int64
    ) -> [Alarm] {
        var alarms: [Alarm] = []
        for property in run.properties {
            guard let before = previous.first(where: { $0.propertyID == property.id }) else {
                continue
            }
            if let alarm = compare(property, with: before, previousRunID: previousRunID) {
                alarms.append(alarm)
            }
        }
        guard reportsMissing else { return alarms }
        let currentIDs = Set(run.properties.map(\.id))
        for before in previous where !currentIDs.contains(before.propertyID) {
            alarms.append(
                Alarm(
                    propertyID: before.propertyID, kind: .missing, previousVerdict: before.verdict,
                    currentVerdict: nil, previousRatio: before.worstRatio, currentRatio: nil,
                    previousRunID: previousRunID,
                    message: "\(before.propertyID): checked in run \(previousRunID) "
                        + "(\(before.verdict.rawValue)) but missing from this run; "
                        + "replay of the earlier run: \(before.replayCommand)"))
        }
        return alarms
    }

    private func compare(
        _ property: PropertyResult, with before: StoredProperty,
        previousRunID: Int64
    ) -> Alarm? {
        guard before.verdict == .pass else { return nil }
        let ratio = property.outcome.worst?.ratio
        var alarm = Alarm(
            propertyID: property.id, kind: .regression, previousVerdict: before.verdict,
            currentVerdict: property.verdict, previousRatio: before.worstRatio, currentRatio: ratio,
            previousRunID: previousRunID, message: "")
        let ratios = "worst ratio \(Self.format(before.worstRatio)) -> \(Self.format(ratio))"
        if property.verdict != .pass {
            alarm.message =
                "\(property.id): \(before.verdict.rawValue) in run \(previousRunID), "
                + "now \(property.verdict.rawValue) (\(ratios)); replay: \(property.replayCommand)"
            return alarm
        }
        guard let reason = driftReason(from: before.worstRatio, to: ratio) else { return nil }
        alarm.kind = .drift
        alarm.message =
            "\(property.id): still passes but \(reason) since run \(previousRunID) "
            + "(\(ratios)); replay: \(property.replayCommand)"
        return alarm
    }

    /// Returns why a rise from `previous` to `current` is drift, or nil
    /// when it is not. A previous ratio of 0, NaN or nil gives no factor to
    /// compare with, so only a rise above 1 counts then.
    private func driftReason(from previous: Double?, to current: Double?) -> String? {
        guard let current, !current.isNaN else { return nil }
        if current > 1, !(previous.map { $0 > 1 } ?? false) {
            return "its worst ratio rose above 1"
        }
        if let previous, previous > 0, previous.isFinite, current > driftFactor * previous {
            return "its worst ratio rose by more than a factor of \(Self.format(driftFactor))"
        }
        return nil
    }

    private static func format(_ value: Double?) -> String {
        guard let value else { return "none" }
        if !value.isFinite { return "\(value)" }
        return String(format: "%.3g", value)
    }
}
