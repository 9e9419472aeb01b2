import Foundation
import Model
import Theory

/// What a predicate evaluation needs besides the experiment.
public struct EvaluationContext {
    public var grid: CaseGrid
    public var baseSeed: UInt64
    /// The negative control to apply, or nil for the predicate itself.
    public var control: ControlKind?
    public var progress: ProgressReporter

    /// The seed of case `index` for `purpose` ("run" for checks).
    public func seed(_ spec: PropertySpec, _ purpose: String, _ index: Int) -> UInt64 {
        CaseSeed.derive(base: baseSeed, property: spec.id, purpose: purpose, index: index)
    }

    /// The kernel kind the kinetics are compared against: the NNGP under the
    /// NNGP control, else the NTK.
    var comparisonKind: KernelKind { control == .nngp ? .nngp : .ntk }

    /// The readout scale of trained networks: mean-field under that control.
    var outputScale: NetworkArchitecture.OutputScale { control == .meanField ? .meanField : .ntk }
}

/// Evaluates a property's predicate, or its negative control.
public enum PredicateEngine {
    public static func evaluate(_ experiment: Experiment, context: EvaluationContext) throws -> PredicateOutcome {
        switch experiment.spec.predicate {
        case .traceIdentity: return try TraceIdentityPredicate.evaluate(experiment, context)
        case .funkHecke: return try FunkHeckePredicate.evaluate(experiment, context)
        case .ntkAtInitialization: return try InitialKernelPredicate.evaluate(experiment, context)
        case .dampedDeviations: return try DampedDeviationsPredicate.evaluate(experiment, context)
        case .mainBound: return try MainBoundPredicate.evaluate(experiment, context)
        case .widthExponent: return try WidthExponentPredicate.evaluate(experiment, context)
        case .sampleExponent: return try SampleExponentPredicate.evaluate(experiment, context)
        case .effectiveRank: return try EffectiveRankPredicate.evaluate(experiment, context)
        case .stepSizeOrder: return try StepSizeOrderPredicate.evaluate(experiment, context)
        case .parity: return try ParityPredicate.evaluate(experiment, context)
        case .widthOfOrderN: return try WidthOfOrderNPredicate.evaluate(experiment, context)
        case .drift: return try DriftPredicate.evaluate(experiment, context)
        case .spectralBias: return try SpectralBiasPredicate.evaluate(experiment, context)
        }
    }
}

/// Formats a number for labels and messages with up to 4 significant digits.
func short(_ x: Double) -> String {
    if x == x.rounded() && abs(x) < 1e6 { return String(Int(x)) }
    return String(format: "%.4g", x)
}
