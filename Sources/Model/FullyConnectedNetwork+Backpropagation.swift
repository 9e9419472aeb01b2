import Theory

/// The per-layer quantities of one forward-backward pass over a batch.
///
/// Row `i` of every matrix belongs to input row `i`. For `l = 1 … L + 1`,
/// `activations[l - 1]` is `A^{l-1}` (with `A^0` the inputs), the input of
/// layer `l`, and `deltas[l - 1]` is `Δ^l`, whose row `i` is
/// `δ^l(x_i) = ∂f(x_i)/∂h^l`. The gradient of `f(x_i)` with respect to
/// `W^l` is `s_l δ^l(x_i) a^{l-1}(x_i)ᵀ` and with respect to `b^l` is
/// `σ_b δ^l(x_i)`.
public struct NetworkPass: Sendable {
    /// Outputs `f(x_i)`.
    public var outputs: [Double]
    /// Pre-activations `H^1 … H^L`, each `n × m`, or empty when the pass was
    /// computed without them.
    public var preActivations: [Matrix]
    /// Layer inputs `A^0 … A^L`: `A^0` is `n × d`, the others `n × m`.
    public var activations: [Matrix]
    /// Backpropagated derivatives `Δ^1 … Δ^{L+1}`. The last one, `Δ^{L+1}`,
    /// is an `n × 1` column of ones.
    public var deltas: [Matrix]
}

/// The squared loss, its residual and its gradient at the current
/// parameters.
public struct LossEvaluation: Sendable {
    /// `Φ = (1/2n) Σ_i r_i²`.
    public var loss: Double
    /// `r_i = f(x_i) − y_i`.
    public var residual: [Double]
    /// `∇_θ Φ`.
    public var gradient: NetworkParameters

    public init(loss: Double, residual: [Double], gradient: NetworkParameters) {
        self.loss = loss
        self.residual = residual
        self.gradient = gradient
    }
}

extension FullyConnectedNetwork {
    /// Runs a forward and a backward pass over all rows of `inputs` at once.
    ///
    /// Backpropagation uses `δ^{L+1} = 1` and
    /// `δ^l = φ'(h^l) ⊙ (s_{l+1} (W^{l+1})ᵀ δ^{l+1})`, batched as one `gemm`
    /// per layer. This method does not chunk the rows, so it stores
    /// `O(n (d + 3 L m))` doubles.
    /// - Precondition: `inputs.columns == architecture.inputDimension`.
    public func forwardBackward(_ inputs: Matrix) -> NetworkPass {
        checkInputs(inputs)
        return pass(inputs, keepingPreActivations: true)
    }

    /// Computes the squared loss `Φ = (1/2n) Σ_i (f(x_i) − y_i)²`.
    /// - Precondition: `inputs` has `d` columns and one row per target, and
    ///   there is at least one target.
    public func loss(inputs: Matrix, targets: [Double]) -> Double {
        let residual = zip(outputs(checkedTraining(inputs, targets)), targets).map { $0 - $1 }
        return 0.5 * BLAS.dot(residual, residual) / Double(targets.count)
    }

    /// Computes the gradient of `Φ = (1/2n) Σ_i (f(x_i) − y_i)²` with respect
    /// to all weights and biases:
    ///
    ///     ∂Φ/∂W^l = (s_l / n) (diag(r) Δ^l)ᵀ A^{l-1}
    ///     ∂Φ/∂b^l = (σ_b / n) (Δ^l)ᵀ r
    ///
    /// with `r = f(X) − y`, accumulated over row chunks with `gemm`.
    /// - Precondition: `inputs` has `d` columns and one row per target, and
    ///   there is at least one target.
    public func lossGradient(inputs: Matrix, targets: [Double]) -> NetworkParameters {
        lossEvaluation(inputs: inputs, targets: targets).gradient
    }

    /// Computes the loss, the residual `f(X) − y` and the loss gradient in
    /// one pass over row chunks.
    public func lossEvaluation(inputs: Matrix, targets: [Double]) -> LossEvaluation {
        var gradient = NetworkParameters(zerosFor: architecture)
        let (loss, residual) = accumulateLossGradient(inputs: inputs, targets: targets, into: &gradient)
        return LossEvaluation(loss: loss, residual: residual, gradient: gradient)
    }

    /// Adds the loss gradient to `gradient` and returns the loss and the
    /// residual `f(X) − y`. Callers that pass a zeroed buffer they keep
    /// across steps avoid allocating the gradient every step.
    func accumulateLossGradient(inputs: Matrix, targets: [Double],
                                into gradient: inout NetworkParameters) -> (loss: Double, residual: [Double]) {
        _ = checkedTraining(inputs, targets)
        let n = Double(inputs.rows)
        let weightScales = (1...architecture.layerCount).map { architecture.weightScale(layer: $0) }
        var residual: [Double] = []
        residual.reserveCapacity(inputs.rows)
        for range in chunkRanges(inputs.rows) {
            let chunkPass = pass(inputs.rows(range), keepingPreActivations: false)
            let chunkResidual = zip(chunkPass.outputs, targets[range]).map { $0 - $1 }
            residual.append(contentsOf: chunkResidual)
            accumulateLayerGradients(deltas: chunkPass.deltas, layerInputs: chunkPass.activations,
                                     residual: chunkResidual, weightScales: weightScales,
                                     biasStd: architecture.biasStd, sampleCount: inputs.rows,
                                     into: &gradient)
        }
        let loss = 0.5 * BLAS.dot(residual, residual) / n
        return (loss, residual)
    }

    /// Checks the training batch shapes and returns `inputs`.
    private func checkedTraining(_ inputs: Matrix, _ targets: [Double]) -> Matrix {
        checkInputs(inputs)
        precondition(inputs.rows == targets.count,
                     "There are \(inputs.rows) input rows but \(targets.count) targets.")
        precondition(!targets.isEmpty, "The loss needs at least one training input.")
        return inputs
    }

    /// Runs the forward and backward pass over one batch without chunking.
    func pass(_ inputs: Matrix, keepingPreActivations: Bool) -> NetworkPass {
        let depth = architecture.depth
        let activation = architecture.activation
        var activations = [inputs]
        var preActivations: [Matrix] = []
        // derivatives[l - 1] contains φ'(H^l) until the backward pass turns it
        // into Δ^l in place.
        var derivatives: [Matrix] = []
        for layer in 1...depth {
            let preActivation = affine(activations[layer - 1], layer: layer)
            activations.append(applying(activation.value, to: preActivation))
            derivatives.append(applying(activation.derivative, to: preActivation))
            if keepingPreActivations { preActivations.append(preActivation) }
        }
        let outputs = affine(activations[depth], layer: depth + 1).storage

        var deltas = derivatives
        deltas.append(Matrix(rows: inputs.rows, columns: 1, repeating: 1))
        for layer in stride(from: depth, through: 1, by: -1) {
            var upstream = Matrix(rows: inputs.rows, columns: architecture.width)
            BLAS.gemm(deltas[layer], parameters.weights[layer],
                      alpha: architecture.weightScale(layer: layer + 1), into: &upstream)
            multiplyEntrywise(&deltas[layer - 1], by: upstream)
        }
        return NetworkPass(outputs: outputs, preActivations: preActivations,
                           activations: activations, deltas: deltas)
    }
}

/// Multiplies row `i` of `matrix` by `factors[i]`.
func scaleRows(_ matrix: inout Matrix, by factors: [Double]) {
    precondition(matrix.rows == factors.count,
                 "Cannot scale \(matrix.rows) rows by \(factors.count) factors.")
    let columns = matrix.columns
    matrix.storage.withUnsafeMutableBufferPointer { values in
        for i in 0..<factors.count {
            for j in 0..<columns { values[i * columns + j] *= factors[i] }
        }
    }
}
