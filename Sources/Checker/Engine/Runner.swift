import Foundation
import Theory

/// The package version, printed by `--version` and stored with results.
public enum PackageVersion {
    public static let string = "0.1.0"
}

/// Options of one `run`.
public struct RunOptions: Sendable {
    public var profile: Profile = .ci
    public var baseSeed: UInt64 = 0
    /// Only properties with these ids, when not empty.
    public var propertyIDs: [String] = []
    /// The folder given with `--data`, which holds digits/digits.csv.
    public var dataFolder: String?

    /// The digits file inside `dataFolder`.
    public var dataPath: String? { dataFolder.map { ($0 as NSString).appendingPathComponent("digits/digits.csv") } }

    public init() {}
}

/// A whole run: its options and every property's result.
public struct RunResult: Sendable, Codable {
    public var version: String
    public var profile: String
    public var baseSeed: UInt64
    public var startedAt: String
    public var seconds: Double
    public var properties: [PropertyResult]

    /// 0 when every property passed with its control detected, 1 on a
    /// violation or an undetected control, 2 when a property raised an error.
    public var exitCode: Int32 {
        if properties.contains(where: { $0.verdict == .error }) { return 2 }
        if properties.contains(where: { $0.verdict != .pass }) { return 1 }
        return 0
    }
}

/// Runs properties: each predicate, then its negative control.
public struct Runner {
    public let logger: Logger
    public let progress: ProgressReporter

    public init(logger: Logger, progress: ProgressReporter) {
        self.logger = logger
        self.progress = progress
    }

    public func run(_ specs: [PropertySpec], options: RunOptions) -> RunResult {
        let started = Date()
        logger.info("run started", metadata: ["run.profile": options.profile.rawValue,
                                              "run.seed": "\(options.baseSeed)", "run.properties": "\(specs.count)"])
        var results: [PropertyResult] = []
        for spec in specs {
            results.append(run(spec, options: options))
        }
        let seconds = Date().timeIntervalSince(started)
        logger.info("run finished", metadata: ["run.seconds": String(format: "%.1f", seconds),
                                               "run.failed": "\(results.filter { $0.verdict != .pass }.count)"])
        return RunResult(version: PackageVersion.string, profile: options.profile.rawValue, baseSeed: options.baseSeed,
                         startedAt: ISO8601DateFormatter().string(from: started), seconds: seconds, properties: results)
    }

    /// Returns the command that replays one property of a run exactly.
    public static func replayCommand(_ spec: PropertySpec, options: RunOptions) -> String {
        var command = "spectral-check run --profile \(options.profile.rawValue) --seed \(options.baseSeed) --property \(spec.id)"
        if let dataFolder = options.dataFolder { command += " --data \(dataFolder)" }
        return command + " \(spec.file)"
    }

    func run(_ spec: PropertySpec, options: RunOptions) -> PropertyResult {
        let started = Date()
        let grid = spec.grid(options.profile)
        let metadata = ["property.id": spec.id, "property.predicate": spec.predicate.rawValue,
                        "run.seed": "\(options.baseSeed)"]
        logger.info("property started", metadata: metadata)
        progress.begin(spec.id)
        var result = PropertyResult(
            id: spec.id, predicate: spec.predicate.rawValue, statement: spec.statement, file: spec.file,
            profile: options.profile.rawValue, baseSeed: options.baseSeed, control: spec.control.rawValue,
            outcome: PredicateOutcome(), controlOutcome: PredicateOutcome(), verdict: .error, errorMessage: nil,
            replayCommand: Self.replayCommand(spec, options: options), seconds: 0,
            family: spec.architecture.family, architecture: spec.kernel.summary)
        do {
            let experiment = try Experiment(spec: spec, dataPath: options.dataPath)
            var context = EvaluationContext(grid: grid, baseSeed: options.baseSeed, control: nil, progress: progress)
            result.outcome = try PredicateEngine.evaluate(experiment, context: context)
            progress.begin("\(spec.id) control (\(spec.control.rawValue))")
            context.control = spec.control
            result.controlOutcome = try PredicateEngine.evaluate(experiment, context: context)
            if !result.outcome.passed {
                result.verdict = .violation
            } else if result.controlOutcome.passed {
                result.verdict = .controlUndetected
            } else {
                result.verdict = .pass
            }
        } catch {
            result.verdict = .error
            result.errorMessage = "\(error)"
            logger.error("property failed with an error", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        }
        progress.finish()
        result.seconds = Date().timeIntervalSince(started)
        if Double(grid.budgetSeconds) < result.seconds {
            logger.warning("property exceeded its time budget", metadata: metadata.merging([
                "budget.seconds": "\(grid.budgetSeconds)", "elapsed.seconds": String(format: "%.1f", result.seconds),
            ]) { $1 })
        }
        var finished = metadata
        finished["property.verdict"] = result.verdict.rawValue
        finished["elapsed.seconds"] = String(format: "%.1f", result.seconds)
        if result.verdict == .pass {
            logger.info("property finished", metadata: finished)
        } else {
            finished["replay"] = result.replayCommand
            logger.warning("property finished", metadata: finished)
        }
        return result
    }
}
