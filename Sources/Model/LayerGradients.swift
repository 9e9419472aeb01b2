import Theory

/// Helpers that turn the per-layer quantities of a forward-backward pass
/// into loss gradients and empirical NTK entries. They serve every network
/// family whose trainable layers are affine maps `s_l W^l a^{l-1} + σ_b b^l`,
/// so that `∂f/∂W^l = s_l δ^l (a^{l-1})ᵀ` and `∂f/∂b^l = σ_b δ^l` with
/// `δ^l = ∂f/∂(s_l W^l a^{l-1})`.

/// Adds the loss gradient of one chunk of rows to `gradient`:
///
///     ∂Φ/∂W^l += (s_l / n) (diag(r) Δ^l)ᵀ A^{l-1}
///     ∂Φ/∂b^l += (σ_b / n) (Δ^l)ᵀ r      (layers with a bias only)
///
/// - Parameters:
///   - deltas: `Δ^l` for every layer, one row per input of the chunk.
///   - layerInputs: `A^{l-1}` for every layer, one row per input.
///   - residual: `r = f(X) − y` on the chunk.
///   - weightScales: `s_l` for every layer.
///   - biasStd: `σ_b`.
///   - sampleCount: `n`, the number of rows of the whole batch.
func accumulateLayerGradients(deltas: [Matrix], layerInputs: [Matrix], residual: [Double],
                              weightScales: [Double], biasStd: Double, sampleCount: Int,
                              into gradient: inout NetworkParameters) {
    let n = Double(sampleCount)
    for layer in deltas.indices {
        var weighted = deltas[layer]
        scaleRows(&weighted, by: residual)
        BLAS.gemm(weighted, transposeA: true, layerInputs[layer],
                  alpha: weightScales[layer] / n, beta: 1, into: &gradient.weights[layer])
        if gradient.biases[layer].isEmpty { continue }
        let biasPart = BLAS.multiply(deltas[layer], residual, transpose: true)
        let biasScale = biasStd / n
        for j in biasPart.indices {
            gradient.biases[layer][j] += biasScale * biasPart[j]
        }
    }
}

/// Computes the empirical NTK between two batches from their per-layer
/// quantities, without forming the Jacobian:
///
///     K = Σ_l (Δ^l_x (Δ^l_y)ᵀ) ⊙ (s_l² A^{l-1}_x (A^{l-1}_y)ᵀ + c_l)
///
/// where `c_l` is `σ_b²` for a layer with a bias and 0 for one without.
/// - Complexity: two `gemm` calls per layer.
func gradientKernelBlock(xDeltas: [Matrix], xLayerInputs: [Matrix],
                         yDeltas: [Matrix], yLayerInputs: [Matrix],
                         weightScales: [Double], biasVariances: [Double]) -> Matrix {
    let rows = xDeltas[0].rows
    let columns = yDeltas[0].rows
    var block = Matrix(rows: rows, columns: columns)
    var deltaProduct = Matrix(rows: rows, columns: columns)
    var inputProduct = Matrix(rows: rows, columns: columns)
    for layer in xDeltas.indices {
        let scale = weightScales[layer]
        let biasVariance = biasVariances[layer]
        BLAS.gemm(xDeltas[layer], yDeltas[layer], transposeB: true, into: &deltaProduct)
        BLAS.gemm(xLayerInputs[layer], yLayerInputs[layer], transposeB: true,
                  alpha: scale * scale, into: &inputProduct)
        block.storage.withUnsafeMutableBufferPointer { out in
            deltaProduct.storage.withUnsafeBufferPointer { delta in
                inputProduct.storage.withUnsafeBufferPointer { input in
                    for i in 0..<out.count {
                        out[i] += delta[i] * (input[i] + biasVariance)
                    }
                }
            }
        }
    }
    return block
}
