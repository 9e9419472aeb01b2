import Foundation

/// One checked comparison: a measured value against a bound plus tolerance.
public struct CaseResult: Sendable, Codable, Equatable {
    /// The case label, for example "m=1024 n=400 t=2".
    public var label: String
    /// The case seed, when the case draws random numbers.
    public var seed: UInt64?
    public var measured: Double
    public var bound: Double
    /// Absolute slack added to `bound` before comparing.
    public var tolerance: Double
    public var passed: Bool
    /// A one-line statement of what was compared.
    public var statement: String
    /// Whether the measured value must stay at most or at least the bound.
    public var direction: Direction

    public enum Direction: String, Sendable, Codable {
        /// Passes when measured ≤ bound + tolerance.
        case atMost
        /// Passes when measured > bound − tolerance.
        case atLeast
    }

    public init(label: String, seed: UInt64?, measured: Double, bound: Double, tolerance: Double = 0,
                statement: String, direction: Direction = .atMost, passes: ((Double, Double) -> Bool)? = nil) {
        self.label = label
        self.seed = seed
        self.measured = measured
        self.bound = bound
        self.tolerance = tolerance
        self.statement = statement
        self.direction = direction
        if let passes {
            self.passed = measured.isFinite && passes(measured, bound + tolerance)
        } else if direction == .atMost {
            self.passed = measured.isFinite && measured <= bound + tolerance
        } else {
            self.passed = measured.isFinite && measured > bound - tolerance
        }
    }

    /// The fraction of the allowance used, below 1 when the case passes:
    /// measured / (bound + tolerance) for `atMost`, and
    /// (bound − tolerance) / measured for `atLeast` (infinite when measured ≤ 0).
    public var ratio: Double {
        switch direction {
        case .atMost:
            let allowance = bound + tolerance
            if allowance <= 0 { return measured <= allowance ? 0 : .infinity }
            return measured / allowance
        case .atLeast:
            if measured <= 0 { return .infinity }
            return max(bound - tolerance, 0) / measured
        }
    }
}

/// A fitted scaling exponent with its confidence interval.
public struct ExponentFit: Sendable, Codable, Equatable {
    public var variable: String
    public var time: Double
    public var slope: Double
    public var lower: Double
    public var upper: Double
    public var confidence: Double

    public init(variable: String, time: Double, slope: Double, lower: Double, upper: Double, confidence: Double) {
        self.variable = variable
        self.time = time
        self.slope = slope
        self.lower = lower
        self.upper = upper
        self.confidence = confidence
    }
}

/// A line or point series of a plot.
public struct PlotSeries: Sendable, Codable, Equatable {
    public enum Style: String, Sendable, Codable { case line, dashed, points }
    public var name: String
    public var x: [Double]
    public var y: [Double]
    public var style: Style
    /// Series with the same color index share a color, so a measurement and
    /// its prediction read as a pair; nil takes the next color.
    public var colorIndex: Int?

    public init(name: String, x: [Double], y: [Double], style: Style, colorIndex: Int? = nil) {
        self.name = name
        self.x = x
        self.y = y
        self.style = style
        self.colorIndex = colorIndex
    }
}

/// A plot to render as SVG.
public struct Plot: Sendable, Codable, Equatable {
    public var fileName: String
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logX: Bool
    public var logY: Bool
    public var series: [PlotSeries]
}

/// Everything one predicate evaluation produced.
public struct PredicateOutcome: Sendable, Codable {
    public var cases: [CaseResult] = []
    public var exponents: [ExponentFit] = []
    /// Named figures for the report, for example "effective rank (reference)".
    public var figures: [String: Double] = [:]
    public var plots: [Plot] = []
    /// Sentences for the report, such as where a bound's stopping time fell.
    public var notes: [String] = []

    public init() {}

    public var passed: Bool { !cases.isEmpty && cases.allSatisfy(\.passed) }
    public var worst: CaseResult? { cases.max { $0.ratio < $1.ratio } }
}

/// The verdict of a property: its predicate and its negative control.
public enum Verdict: String, Sendable, Codable {
    /// The predicate passed and its negative control failed.
    case pass
    /// The predicate failed on at least one case.
    case violation
    /// The predicate passed, and so did its negative control, which means the
    /// check failed to detect a known-wrong case.
    case controlUndetected = "control-undetected"
    /// The property could not be evaluated.
    case error
}

/// The result of one property in a run.
public struct PropertyResult: Sendable, Codable {
    public var id: String
    public var predicate: String
    public var statement: String
    public var file: String
    public var profile: String
    public var baseSeed: UInt64
    public var control: String
    public var outcome: PredicateOutcome
    public var controlOutcome: PredicateOutcome
    public var verdict: Verdict
    public var errorMessage: String?
    public var replayCommand: String
    public var seconds: Double
    /// The network family, `fc`, `resnet` or `conv`; nil in results written
    /// before families existed.
    public var family: String?
    /// A one-line description of the architecture.
    public var architecture: String?
}
