import Theory

/// The state of a network recorded at one requested training time.
public struct TrainingSnapshot: Sendable {
    /// The time that was requested.
    public var requestedTime: Double
    /// Index `k` of the gradient-descent step, `round(requestedTime / η)`.
    public var step: Int
    /// Time `t = k η` of the recorded state, which can differ from
    /// `requestedTime` by up to `η / 2`.
    public var time: Double
    /// Residual on the training inputs, `f(X; θ_k) − y`.
    public var trainingResidual: [Double]
    /// Residual on the evaluation inputs, `f(Z; θ_k) − y_Z`, or `nil` when
    /// training had no evaluation inputs.
    public var evaluationResidual: [Double]?
    /// Euclidean distance `‖θ_k − θ_0‖` over all weights and biases.
    public var parameterDistance: Double
    /// Empirical NTK Gram matrix `K_k(X, X)` of the training inputs, or
    /// `nil` unless the trainer records it.
    public var trainingGram: Matrix?
}

/// Per-step records for checking the damped-deviations identity of gradient
/// descent on the evaluation inputs `Z`.
///
/// With `Δθ_k = −η ∇Φ(θ_k)` the update of step `k`, a Taylor expansion gives
///
///     f(Z; θ_{k+1}) − f(Z; θ_k)
///         = −η operatorTerms[k] + secondDifferences[k] + O(‖Δθ_k‖³)
///
/// so summing the steps reproduces the residual on `Z` up to third-order
/// terms.
public struct StepTrace: Sendable {
    /// `f(X; θ_k) − y` for `k = 0 … K`.
    public var trainingResiduals: [[Double]]
    /// `f(Z; θ_k) − y_Z` for `k = 0 … K`.
    public var evaluationResiduals: [[Double]]
    /// `(1/n) K_k(Z, X) (f(X; θ_k) − y)` for `k = 0 … K − 1`: the empirical
    /// NTK operator at `θ_k` applied to the training residual, evaluated on
    /// `Z`. It is computed as the Jacobian-vector product `J_Z ∇Φ(θ_k)`,
    /// which is the same quantity.
    public var operatorTerms: [[Double]]
    /// `½ (f(Z; θ_k + Δθ_k) + f(Z; θ_k − Δθ_k) − 2 f(Z; θ_k))` for
    /// `k = 0 … K − 1`.
    public var secondDifferences: [[Double]]
}

/// The records of one gradient-descent run.
public struct TrainingTrajectory: Sendable {
    /// Learning rate `η`.
    public var learningRate: Double
    /// Number of steps taken, the largest requested step.
    public var stepCount: Int
    /// One snapshot per requested time, sorted by step. Requests that round
    /// to the same step get one snapshot each.
    public var snapshots: [TrainingSnapshot]
    /// Per-step records, or `nil` unless the trainer records every step.
    public var stepTrace: StepTrace?
}

/// A failure of a gradient-descent run.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// A residual became NaN or infinite at `step`, so the run diverged.
    case diverged(step: Int, learningRate: Double, inputs: String)

    public var description: String {
        switch self {
        case let .diverged(step, learningRate, inputs):
            return "Gradient descent diverged at step \(step) with learning rate "
                + "\(learningRate): the residual on the \(inputs) inputs is not finite. "
                + "Use a smaller learning rate."
        }
    }
}
