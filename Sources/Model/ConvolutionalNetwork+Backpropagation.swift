import Theory

/// The per-layer quantities of one forward-backward pass of a
/// `ConvolutionalNetwork` over a batch of `n` inputs.
///
/// For `l = 1 … L`, `activations[l - 1]` is `A^{l-1}`, the `(n P) × C`
/// input of layer `l` (with `A^0` the inputs, `C = 1`), and
/// `deltas[l - 1]` is `Δ^l`, the `(n P) × m` matrix whose row `i P + p` is
/// `∂f(x_i)/∂h^l(p)`. `activations[L]` is `A^L`, and `pooled` its
/// `n × m` average over positions, the features of the readout.
struct ConvolutionalPass {
    var outputs: [Double]
    var activations: [Matrix]
    var pooled: Matrix
    var deltas: [Matrix]
}

extension ConvolutionalNetwork {
    /// Runs the forward pass over one batch without chunking and keeps
    /// `φ'(H^l)` in `deltas` for a following `backward`.
    func forward(_ inputs: Matrix) -> ConvolutionalPass {
        let activation = architecture.activation
        var activations = [Matrix(rows: inputs.rows * window.positionCount, columns: 1,
                                  storage: inputs.storage)]
        var derivatives: [Matrix] = []
        for layer in 1...architecture.depth {
            let preActivation = convolve(activations[layer - 1], layer: layer,
                                         parameters: parameters)
            activations.append(applying(activation.value, to: preActivation))
            derivatives.append(applying(activation.derivative, to: preActivation))
        }
        let pooled = pool(activations[architecture.depth])
        let outputs = affine(pooled, layer: architecture.layerCount, parameters: parameters).storage
        return ConvolutionalPass(outputs: outputs, activations: activations, pooled: pooled,
                                 deltas: derivatives)
    }

    /// Turns the `φ'(H^l)` that `forward` left in `pass.deltas` into `Δ^l`:
    ///
    ///     Δ^L     = φ'(H^L) ⊙ (s_out / P) 1 wᵀ
    ///     Δ^{l-1} = φ'(H^{l-1}) ⊙ col2im(s_l Δ^l W^l)
    ///
    /// where col2im adds each patch gradient back onto the positions it was
    /// gathered from.
    func backward(_ pass: inout ConvolutionalPass) {
        let depth = architecture.depth
        let readout = parameters.weights[depth].storage
        let scale = architecture.weightScale(layer: depth + 1) / Double(window.positionCount)
        let width = architecture.width
        pass.deltas[depth - 1].storage.withUnsafeMutableBufferPointer { values in
            for row in 0..<(values.count / width) {
                for c in 0..<width { values[row * width + c] *= scale * readout[c] }
            }
        }
        for layer in stride(from: depth, to: 1, by: -1) {
            var patchGradients = Matrix(rows: pass.deltas[layer - 1].rows,
                                        columns: parameters.weights[layer - 1].columns)
            BLAS.gemm(pass.deltas[layer - 1], parameters.weights[layer - 1],
                      alpha: architecture.weightScale(layer: layer), into: &patchGradients)
            let upstream = scatterPatches(patchGradients, channels: width)
            multiplyEntrywise(&pass.deltas[layer - 2], by: upstream)
        }
    }

    /// Runs `forward` and `backward` over one batch.
    func forwardBackward(_ inputs: Matrix) -> ConvolutionalPass {
        var pass = forward(inputs)
        backward(&pass)
        return pass
    }

    /// Computes the loss, the residual `f(X) − y` and `∇_θ Φ` for
    /// `Φ = (1/2n) Σ_i (f(x_i) − y_i)²` in one pass over row chunks.
    /// - Precondition: `inputs` has `P` columns and one row per target, and
    ///   there is at least one target.
    public func lossEvaluation(inputs: Matrix, targets: [Double]) -> LossEvaluation {
        var gradient = NetworkParameters(zerosFor: architecture)
        let (loss, residual) = accumulateLossGradient(inputs: inputs, targets: targets,
                                                      into: &gradient)
        return LossEvaluation(loss: loss, residual: residual, gradient: gradient)
    }

    /// Adds the loss gradient to `gradient` and returns the loss and the
    /// residual `f(X) − y`:
    ///
    ///     ∂Φ/∂W^l = (s_l / n) (diag(r ⊗ 1_P) Δ^l)ᵀ patches(A^{l-1})
    ///     ∂Φ/∂b^l = (σ_b / n) Σ_{i,p} r_i Δ^l(i, p)
    ///     ∂Φ/∂w   = (s_out / n) pooledᵀ r,   ∂Φ/∂b = (σ_b / n) Σ_i r_i
    func accumulateLossGradient(inputs: Matrix, targets: [Double],
                                into gradient: inout NetworkParameters)
        -> (loss: Double, residual: [Double]) {
        checkInputs(inputs)
        precondition(inputs.rows == targets.count,
                     "There are \(inputs.rows) input rows but \(targets.count) targets.")
        precondition(!targets.isEmpty, "The loss needs at least one training input.")
        let n = Double(inputs.rows)
        let positions = window.positionCount
        let depth = architecture.depth
        var residual: [Double] = []
        residual.reserveCapacity(inputs.rows)
        for range in chunkRanges(inputs.rows) {
            let pass = forwardBackward(inputs.rows(range))
            let chunkResidual = zip(pass.outputs, targets[range]).map { $0 - $1 }
            residual.append(contentsOf: chunkResidual)
            let positionResidual = chunkResidual.flatMap {
                [Double](repeating: $0, count: positions)
            }
            for layer in 1...depth {
                var weighted = pass.deltas[layer - 1]
                scaleRows(&weighted, by: positionResidual)
                BLAS.gemm(weighted, transposeA: true, patches(pass.activations[layer - 1]),
                          alpha: architecture.weightScale(layer: layer) / n, beta: 1,
                          into: &gradient.weights[layer - 1])
                let biasPart = BLAS.multiply(pass.deltas[layer - 1], positionResidual,
                                             transpose: true)
                for j in biasPart.indices {
                    gradient.biases[layer - 1][j] += architecture.biasStd / n * biasPart[j]
                }
            }
            let readoutPart = BLAS.multiply(pass.pooled, chunkResidual, transpose: true)
            let readoutScale = architecture.weightScale(layer: depth + 1) / n
            for j in readoutPart.indices {
                gradient.weights[depth].storage[j] += readoutScale * readoutPart[j]
            }
            gradient.biases[depth][0] += architecture.biasStd / n * chunkResidual.reduce(0, +)
        }
        let loss = 0.5 * BLAS.dot(residual, residual) / n
        return (loss, residual)
    }
}
