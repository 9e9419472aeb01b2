import Theory

/// Full-batch gradient descent on `Φ(θ) = (1/2n) Σ_i (f(x_i; θ) − y_i)²`,
/// the Euler discretization of gradient flow with time `t = k η` after `k`
/// steps of learning rate `η`.
public struct GradientDescentTrainer: Sendable {
    /// Learning rate `η`.
    public var learningRate: Double
    /// Whether each snapshot stores the empirical NTK Gram matrix of the
    /// training inputs, at `O(n² (d + L m))` cost per snapshot.
    public var recordsTrainingGram: Bool
    /// Whether every step is recorded in a `StepTrace`. Each step then costs
    /// three extra forward passes and one Jacobian-vector product over the
    /// evaluation inputs, which must be given.
    public var recordsEveryStep: Bool

    /// Creates a trainer.
    /// - Precondition: `learningRate` is finite and positive.
    public init(learningRate: Double, recordsTrainingGram: Bool = false,
                recordsEveryStep: Bool = false) {
        precondition(learningRate.isFinite && learningRate > 0,
                     "The learning rate must be finite and positive, got \(learningRate).")
        self.learningRate = learningRate
        self.recordsTrainingGram = recordsTrainingGram
        self.recordsEveryStep = recordsEveryStep
    }

    /// Returns the step `round(time / learningRate)` whose time `k η` is
    /// nearest to `time`, rounding halves away from zero.
    /// - Precondition: `time` is finite and non-negative.
    public static func step(nearestTo time: Double, learningRate: Double) -> Int {
        precondition(time.isFinite && time >= 0,
                     "A requested time must be finite and non-negative, got \(time).")
        let step = (time / learningRate).rounded(.toNearestOrAwayFromZero)
        precondition(step < Double(Int.max),
                     "The requested time \(time) needs more than Int.max steps of "
                         + "learning rate \(learningRate).")
        return Int(step)
    }

    /// Trains `network` in place up to the largest requested time and records
    /// a snapshot at each requested time.
    ///
    /// Each requested time `t` is snapped to step `k = round(t / η)`, and the
    /// snapshot records the state after `k` steps, at time `k η`.
    /// - Parameters:
    ///   - network: The network to train. Its parameters at the call are
    ///     `θ_0`.
    ///   - inputs: Training inputs `X`, one per row (`n × d`).
    ///   - targets: Training targets `y`, one per row of `inputs`.
    ///   - times: Requested times, in any order.
    ///   - evaluationInputs: Optional inputs `Z` (for example quadrature
    ///     nodes, `N × d`) on which residuals are recorded.
    ///   - evaluationTargets: Targets on `Z`, required when `Z` is given.
    ///   - progress: Called after each step with the number of steps done
    ///     and the total.
    /// - Throws: `TrainingError.diverged` when a residual on `X` or `Z`
    ///   becomes NaN or infinite.
    /// - Precondition: the shapes agree, `times` is not empty, and
    ///   evaluation inputs are given when `recordsEveryStep` is set.
    public func train(_ network: any TrainableNetwork, inputs: Matrix, targets: [Double],
                      times: [Double], evaluationInputs: Matrix? = nil,
                      evaluationTargets: [Double]? = nil,
                      progress: ((_ step: Int, _ total: Int) -> Void)? = nil)
        throws -> TrainingTrajectory
    {
        precondition(!times.isEmpty, "Training needs at least one requested time.")
        precondition((evaluationInputs == nil) == (evaluationTargets == nil),
                     "Evaluation inputs and evaluation targets must be given together.")
        if let z = evaluationInputs, let yz = evaluationTargets {
            precondition(z.rows == yz.count,
                         "There are \(z.rows) evaluation inputs but \(yz.count) targets.")
        }
        precondition(!recordsEveryStep || evaluationInputs != nil,
                     "Recording every step needs evaluation inputs.")

        let requests = times.map { ($0, Self.step(nearestTo: $0, learningRate: learningRate)) }
            .sorted { $0.1 < $1.1 }
        var run = Run(trainer: self, network: network, inputs: inputs, targets: targets,
                      evaluationInputs: evaluationInputs, evaluationTargets: evaluationTargets,
                      stepCount: requests.last!.1)
        var snapshots: [TrainingSnapshot] = []
        var nextRequest = 0
        for k in 0...run.stepCount {
            try run.evaluate(step: k)
            while nextRequest < requests.count && requests[nextRequest].1 == k {
                snapshots.append(try run.snapshot(requestedTime: requests[nextRequest].0, step: k))
                nextRequest += 1
            }
            if k == run.stepCount { break }
            try run.advance(step: k)
            progress?(k + 1, run.stepCount)
        }
        return TrainingTrajectory(learningRate: learningRate, stepCount: run.stepCount,
                                  snapshots: snapshots, stepTrace: run.trace)
    }
}

extension GradientDescentTrainer {
    /// The mutable state of one call to `train`.
    private struct Run {
        let trainer: GradientDescentTrainer
        let network: any TrainableNetwork
        let inputs: Matrix
        let targets: [Double]
        let evaluationInputs: Matrix?
        let evaluationTargets: [Double]?
        let stepCount: Int
        let initialParameters: NetworkParameters
        var trace: StepTrace?
        /// Loss evaluation at the current step.
        var current: LossEvaluation?
        /// Outputs `f(Z; θ_k)` at the current step, when already computed.
        var evaluationOutputs: [Double]?

        init(trainer: GradientDescentTrainer, network: any TrainableNetwork, inputs: Matrix,
             targets: [Double], evaluationInputs: Matrix?, evaluationTargets: [Double]?,
             stepCount: Int) {
            self.trainer = trainer
            self.network = network
            self.inputs = inputs
            self.targets = targets
            self.evaluationInputs = evaluationInputs
            self.evaluationTargets = evaluationTargets
            self.stepCount = stepCount
            self.initialParameters = network.parameters
            if trainer.recordsEveryStep {
                trace = StepTrace(trainingResiduals: [], evaluationResiduals: [],
                                  operatorTerms: [], secondDifferences: [])
            }
        }

        /// Computes the loss, residual and gradient at step `k`, and the
        /// outputs on `Z` when every step is recorded.
        mutating func evaluate(step k: Int) throws {
            let evaluation = network.lossEvaluation(inputs: inputs, targets: targets)
            try checkFinite(evaluation.residual, step: k, inputs: "training")
            current = evaluation
            guard trace != nil, let z = evaluationInputs, let yz = evaluationTargets else {
                return
            }
            let outputs = evaluationOutputs ?? network.outputs(z)
            let residual = zip(outputs, yz).map { $0 - $1 }
            try checkFinite(residual, step: k, inputs: "evaluation")
            evaluationOutputs = outputs
            trace!.trainingResiduals.append(evaluation.residual)
            trace!.evaluationResiduals.append(residual)
        }

        /// Records the state at the current step.
        mutating func snapshot(requestedTime: Double, step k: Int) throws -> TrainingSnapshot {
            var evaluationResidual: [Double]?
            if let z = evaluationInputs, let yz = evaluationTargets {
                let outputs = evaluationOutputs ?? network.outputs(z)
                evaluationOutputs = outputs
                evaluationResidual = zip(outputs, yz).map { $0 - $1 }
                try checkFinite(evaluationResidual!, step: k, inputs: "evaluation")
            }
            return TrainingSnapshot(
                requestedTime: requestedTime, step: k, time: Double(k) * trainer.learningRate,
                trainingResidual: current!.residual, evaluationResidual: evaluationResidual,
                parameterDistance: network.parameterDistance(to: initialParameters),
                trainingGram: trainer.recordsTrainingGram ? network.ntkGram(inputs) : nil)
        }

        /// Applies the update of step `k`, recording its operator term and
        /// second difference when every step is recorded.
        mutating func advance(step k: Int) throws {
            let gradient = current!.gradient
            let learningRate = trainer.learningRate
            if trace != nil, let z = evaluationInputs {
                let outputs = evaluationOutputs!
                let operatorTerm = network.jacobianVectorProduct(z, direction: gradient)
                // θ_k − Δθ_k = θ_k + η ∇Φ, evaluated on a copy so that the
                // trained parameters see exactly one update per step.
                let mirrored = network.copy()
                mirrored.moveParameters(along: gradient, scaledBy: learningRate)
                let minusOutputs = mirrored.outputs(z)
                network.moveParameters(along: gradient, scaledBy: -learningRate)
                let plusOutputs = network.outputs(z)
                var secondDifference = [Double](repeating: 0, count: outputs.count)
                for i in outputs.indices {
                    secondDifference[i] = 0.5 * (plusOutputs[i] + minusOutputs[i]
                        - 2 * outputs[i])
                }
                trace!.operatorTerms.append(operatorTerm)
                trace!.secondDifferences.append(secondDifference)
                evaluationOutputs = plusOutputs
            } else {
                network.moveParameters(along: gradient, scaledBy: -learningRate)
                evaluationOutputs = nil
            }
            current = nil
        }

        private func checkFinite(_ residual: [Double], step k: Int, inputs: String) throws {
            if !residual.allSatisfy(\.isFinite) {
                throw TrainingError.diverged(step: k, learningRate: trainer.learningRate,
                                             inputs: inputs)
            }
        }
    }
}
