import Model
import Theory

/// The predicate a property checks.
public enum PredicateKind: String, CaseIterable, Sendable, Codable {
    /// Σ λ_i of the quadrature operator equals ∫ K(x, x) dρ, and on the
    /// sphere Σ_k N(d, k) μ_k equals κ(1).
    case traceIdentity = "trace-identity"
    /// Quadrature eigenvalues equal the Funk–Hecke eigenvalues on the sphere.
    case funkHecke = "funk-hecke"
    /// The empirical NTK of wide networks at initialization equals the
    /// analytic NTK within a stated number of standard errors over seeds.
    case ntkAtInitialization = "ntk-at-init"
    /// The damped-deviations identity and the per-mode inequality hold on a
    /// recorded gradient-descent trajectory.
    case dampedDeviations = "damped-deviations"
    /// ‖r_t − e^{−tT} r_0‖ / ‖r_0‖ ≤ ε(t) with calibrated constants.
    case mainBound = "main-bound"
    /// The width part of the gap shrinks like m^{−1/2} or faster.
    case widthExponent = "width-exponent"
    /// The sample part of the gap shrinks like n^{−1/2} or faster.
    case sampleExponent = "sample-exponent"
    /// Tr(G_0)/λ_max(G_0) is flat in n and close to E K(x, x)/λ_1.
    case effectiveRank = "effective-rank"
    /// Gradient descent approaches gradient flow at first order: halving the
    /// step halves the distance between trajectories.
    case stepSizeOrder = "step-size-order"
    /// One bias-free hidden ReLU layer has μ_k = 0 for odd k ≥ 3 on the
    /// sphere; a bias or a second layer makes them positive.
    case parity
    /// With the width tied to the sample size, m = c·n for at least three
    /// ratios c, the gap at fixed t shrinks as n grows.
    case widthOfOrderN = "width-of-order-n"
    /// Parameter travel ‖θ_t − θ_0‖ ≤ C t with C flat in m, and NTK drift
    /// ‖G_t − G_0‖_F / n shrinking like m^{−1/2}.
    case drift
    /// On points outside the training set, each well-separated top
    /// eigenspace of T decays like e^{−λ_k t}, and the learned fraction is
    /// ordered by eigenvalue.
    case spectralBias = "spectral-bias"

    /// The negative controls that make sense for this predicate.
    public var allowedControls: [ControlKind] {
        switch self {
        case .mainBound, .widthExponent, .widthOfOrderN: return [.meanField, .nngp]
        case .drift: return [.meanField]
        case .stepSizeOrder: return [.unstableStep]
        case .parity: return [.addedBias]
        default: return [.nngp]
        }
    }

    /// Tolerance keys this predicate reads, with their allowed ranges. The
    /// ranges exclude values that would make a check vacuous, for example a
    /// relative tolerance of 1 on an identity that is exact up to rounding.
    var toleranceKeys: [(String, ClosedRange<Double>)] {
        switch self {
        case .traceIdentity: return [("relative", 0...1e-6), ("tailFactor", 1...10)]
        case .funkHecke: return [("errorFactor", 1...10), ("absolute", 0...1e-8)]
        case .ntkAtInitialization: return [("standardErrors", 1...5)]
        case .dampedDeviations: return [("nonlinearityFactor", 1...4)]
        case .mainBound: return [("standardErrors", 0...10)]
        case .widthExponent, .sampleExponent: return [("exponentAllowance", 0...0.2), ("confidence", 0.5...0.9999)]
        case .effectiveRank: return [("relative", 0...0.3)]
        case .stepSizeOrder: return [("ratioAllowance", 0...0.5)]
        case .parity: return [("vanishing", 0...1e-6)]
        case .widthOfOrderN: return [("confidence", 0.5...0.9999)]
        case .drift: return [("travelSlopeAllowance", 0...0.25), ("exponentAllowance", 0...0.2), ("confidence", 0.5...0.9999)]
        case .spectralBias: return [("relative", 0...0.5), ("predictionFloor", 0.01...0.9)]
        }
    }

    var needsTraining: Bool {
        switch self {
        case .dampedDeviations, .mainBound, .widthExponent, .stepSizeOrder, .widthOfOrderN, .drift, .spectralBias:
            return true
        default: return false
        }
    }
}

/// What a negative control replaces; a control must make the predicate fail.
public enum ControlKind: String, CaseIterable, Sendable, Codable {
    /// The readout multiplies by σ_w/m instead of σ_w/√m, which leaves the
    /// kernel regime.
    case meanField = "mean-field"
    /// The NNGP kernel stands where the NTK belongs.
    case nngp
    /// Gradient descent steps past the stability limit: η λ_max(G_0/n) = 2.5.
    case unstableStep = "unstable-step"
    /// A bias of standard deviation 0.5 is added to the declared kernel.
    case addedBias = "added-bias"
}

/// A named run size.
public enum Profile: String, CaseIterable, Sendable, Codable {
    case ci
    case nightly
}

/// Widths, sample sizes and seed count of one profile or calibration grid.
public struct CaseGrid: Sendable, Equatable {
    /// Widths m; empty for width-of-order-n, which uses `widthRatios`.
    public var widths: [Int]
    /// Ratios c of width-of-order-n, whose widths are m = round(c·n).
    public var widthRatios: [Double] = []
    public var sampleSizes: [Int]
    /// How many seeds each case runs; case seeds derive from the run's base seed.
    public var seedCount: Int
    /// Wall-clock budget in seconds; exceeding it is logged as a warning.
    public var budgetSeconds: Int
}

/// The input distribution ρ and its quadrature.
public enum DistributionSpec: Sendable, Equatable {
    /// The circle S¹ with `nodes` equispaced nodes.
    case circle(nodes: Int)
    /// S² with a Gauss–Legendre × equispaced product rule.
    case sphere2(polar: Int, azimuthal: Int)
    /// S^{d−1} represented by `nodes` i.i.d. samples.
    case sphereSample(dimension: Int, nodes: Int)
    /// The 8×8 digit images, each scaled to Euclidean norm `norm`, with equal weights.
    case digits(norm: Double)

    public var dimension: Int {
        switch self {
        case .circle: return 2
        case .sphere2: return 3
        case let .sphereSample(d, _): return d
        case .digits: return 64
        }
    }

    /// Whether ρ is the uniform measure on a sphere, so Funk–Hecke applies.
    /// The squared norm of every input: d on the sphere of radius √d, and
    /// norm² for the scaled digit images.
    public var inputSquaredNorm: Double {
        if case let .digits(norm) = self { return norm * norm }
        return Double(dimension)
    }

    public var isSphere: Bool {
        if case .digits = self { return false }
        return true
    }
}

/// The function f* the network learns.
public enum TargetSpec: Sendable, Equatable {
    /// f*(x) = Σ c_k √N(d, k) P_k(⟨x/|x|, e_d⟩): zonal harmonics about the last
    /// coordinate axis, each of unit L² norm on the sphere.
    case zonal(terms: [(degree: Int, coefficient: Double)])
    /// ±1 labels: +1 for the listed digit classes, −1 otherwise.
    case labels(positive: [Int])

    public static func == (lhs: TargetSpec, rhs: TargetSpec) -> Bool {
        switch (lhs, rhs) {
        case let (.zonal(a), .zonal(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.degree == $1.degree && $0.coefficient == $1.coefficient }
        case let (.labels(a), .labels(b)): return a == b
        default: return false
        }
    }
}

/// Calibrated constants of the working bound
/// ε(t) = t (1 + t) (C_m / √m + C_n √(log(2/δ) / n)).
public struct BoundConstants: Sendable, Equatable {
    public var widthConstant: Double
    public var sampleConstant: Double
    /// The fingerprint of the configuration the constants were fitted for.
    public var fingerprint: String

    public init(widthConstant: Double, sampleConstant: Double, fingerprint: String) {
        self.widthConstant = widthConstant
        self.sampleConstant = sampleConstant
        self.fingerprint = fingerprint
    }
}

/// One declared property, read from a file under properties/.
public struct PropertySpec: Sendable {
    public var id: String
    public var predicate: PredicateKind
    public var statement: String
    public var architecture: ArchitectureSpec
    public var distribution: DistributionSpec
    public var target: TargetSpec?
    /// Gradient-descent step η; time t = k η.
    public var learningRate: Double?
    public var times: [Double]
    /// Failure probability δ of the bound.
    public var delta: Double
    public var maxDegree: Int?
    public var tolerance: [String: Double]
    public var toleranceReason: String
    public var control: ControlKind
    public var profiles: [Profile: CaseGrid]
    public var calibration: CaseGrid?
    public var constants: BoundConstants?
    /// The hash of the keys that calibrated constants depend on, computed at
    /// load time; see `Calibration.fingerprintKeys`.
    public var configurationFingerprint: String
    /// The file the property came from.
    public var file: String

    /// The infinite-width kernel of the architecture.
    public var kernel: any NeuralKernel { architecture.kernel }

    public func grid(_ profile: Profile) -> CaseGrid { profiles[profile]! }

    public func tolerance(_ key: String) -> Double {
        guard let value = tolerance[key] else {
            preconditionFailure("Property \(id) has no tolerance \(key); the loader should have required it.")
        }
        return value
    }
}
