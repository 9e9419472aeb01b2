import Theory

/// The per-layer quantities of one forward-backward pass of a residual
/// network over a batch, indexed like `NetworkParameters.weights`.
///
/// For weight matrix `l`, `layerInputs[l - 1]` contains the rows it multiplies
/// and `deltas[l - 1]` the derivative of `f` with respect to its scaled
/// output, so `∂f/∂W^l = s_l δ (a)ᵀ`. Concretely `layerInputs` is
/// `[X, φ(H⁰), …, φ(Hᴮ)]` and `deltas` is `[Δ⁰, Δ¹, …, Δᴮ, 1]`, where row `i`
/// of `Δᵏ` is `∂f(x_i)/∂hᵏ`. A block's branch output enters `hᵏ` with
/// coefficient 1, so its delta is `Δᵏ`.
struct ResidualPass {
    var outputs: [Double]
    var layerInputs: [Matrix]
    var deltas: [Matrix]
}

extension ResidualNetwork {
    /// Computes the loss, the residual `f(X) − y` and the gradient of
    /// `Φ = (1/2n) Σ_i (f(x_i) − y_i)²` with respect to all weights and
    /// biases in one pass over row chunks.
    /// - Precondition: `inputs` has `d` columns and one row per target, and
    ///   there is at least one target.
    public func lossEvaluation(inputs: Matrix, targets: [Double]) -> LossEvaluation {
        var gradient = NetworkParameters(zerosFor: architecture)
        let (loss, residual) = accumulateLossGradient(inputs: inputs, targets: targets,
                                                      into: &gradient)
        return LossEvaluation(loss: loss, residual: residual, gradient: gradient)
    }

    /// Computes the squared loss `Φ = (1/2n) Σ_i (f(x_i) − y_i)²`.
    /// - Precondition: as for `lossEvaluation(inputs:targets:)`.
    public func loss(inputs: Matrix, targets: [Double]) -> Double {
        checkTraining(inputs, targets)
        let residual = zip(outputs(inputs), targets).map { $0 - $1 }
        return 0.5 * BLAS.dot(residual, residual) / Double(targets.count)
    }

    /// Adds the loss gradient to `gradient` and returns the loss and the
    /// residual `f(X) − y`.
    func accumulateLossGradient(inputs: Matrix, targets: [Double],
                                into gradient: inout NetworkParameters)
        -> (loss: Double, residual: [Double]) {
        checkTraining(inputs, targets)
        let weightScales = layerWeightScales
        var residual: [Double] = []
        residual.reserveCapacity(inputs.rows)
        for range in chunkRanges(inputs.rows) {
            let chunkPass = pass(inputs.rows(range))
            let chunkResidual = zip(chunkPass.outputs, targets[range]).map { $0 - $1 }
            residual.append(contentsOf: chunkResidual)
            accumulateLayerGradients(
                deltas: chunkPass.deltas, layerInputs: chunkPass.layerInputs,
                residual: chunkResidual, weightScales: weightScales,
                biasStd: architecture.biasStd, sampleCount: inputs.rows, into: &gradient)
        }
        let loss = 0.5 * BLAS.dot(residual, residual) / Double(inputs.rows)
        return (loss, residual)
    }

    /// The scale `s_l` of every weight matrix, in order.
    var layerWeightScales: [Double] {
        (1...architecture.layerCount).map { architecture.weightScale(layer: $0) }
    }

    /// Checks the training batch shapes.
    private func checkTraining(_ inputs: Matrix, _ targets: [Double]) {
        checkInputs(inputs)
        precondition(inputs.rows == targets.count,
                     "There are \(inputs.rows) input rows but \(targets.count) targets.")
        precondition(!targets.isEmpty, "The loss needs at least one training input.")
    }

    /// Runs the forward and backward pass over one batch without chunking.
    ///
    /// Backpropagation starts from `Δᴮ = φ'(Hᴮ) ⊙ (s_out 1 wᵀ)` and uses
    /// `Δᵏ⁻¹ = Δᵏ + φ'(Hᵏ⁻¹) ⊙ (α (σ_w/√m) Δᵏ Wᵏ)`, one `gemm` per block,
    /// because `∂hᵏ/∂hᵏ⁻¹ = I + α (σ_w/√m) Wᵏ diag(φ'(hᵏ⁻¹))`.
    func pass(_ inputs: Matrix) -> ResidualPass {
        let activation = architecture.activation
        let blocks = architecture.blocks
        var layerInputs = [inputs]
        // deltas[k] contains φ'(Hᵏ) until the backward pass turns it into Δᵏ
        // in place.
        var deltas: [Matrix] = []
        var state = affine(inputs, layer: 1)
        for block in 0...blocks {
            layerInputs.append(applying(activation.value, to: state))
            deltas.append(applying(activation.derivative, to: state))
            if block < blocks {
                addBranch(layerInputs[block + 1], block: block + 1, to: &state)
            }
        }
        let outputs = affine(layerInputs[blocks + 1], layer: architecture.layerCount).storage

        let readoutScale = architecture.weightScale(layer: architecture.layerCount)
        let readout = parameters.weights[architecture.layerCount - 1].storage
        scaleColumns(&deltas[blocks], by: readout.map { readoutScale * $0 })
        for block in stride(from: blocks, through: 1, by: -1) {
            var upstream = Matrix(rows: inputs.rows, columns: architecture.width)
            BLAS.gemm(deltas[block], parameters.weights[block],
                      alpha: architecture.weightScale(layer: block + 1), into: &upstream)
            multiplyEntrywise(&deltas[block - 1], by: upstream)
            addEntrywise(deltas[block], to: &deltas[block - 1])
        }
        deltas.append(Matrix(rows: inputs.rows, columns: 1, repeating: 1))
        return ResidualPass(outputs: outputs, layerInputs: layerInputs, deltas: deltas)
    }
}

/// Multiplies column `j` of `matrix` by `factors[j]`.
func scaleColumns(_ matrix: inout Matrix, by factors: [Double]) {
    precondition(matrix.columns == factors.count,
                 "Cannot scale \(matrix.columns) columns by \(factors.count) factors.")
    let columns = matrix.columns
    matrix.storage.withUnsafeMutableBufferPointer { values in
        for i in 0..<(values.count / max(columns, 1)) {
            for j in 0..<columns { values[i * columns + j] *= factors[j] }
        }
    }
}

/// Adds `addend` entrywise to `matrix`.
func addEntrywise(_ addend: Matrix, to matrix: inout Matrix) {
    precondition(matrix.rows == addend.rows && matrix.columns == addend.columns,
                 "Entrywise sum of \(matrix.rows)x\(matrix.columns) and "
                     + "\(addend.rows)x\(addend.columns) matrices.")
    addend.storage.withUnsafeBufferPointer { a in
        matrix.storage.withUnsafeMutableBufferPointer { values in
            for i in 0..<values.count { values[i] += a[i] }
        }
    }
}
