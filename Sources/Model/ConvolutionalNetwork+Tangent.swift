import Theory

extension ConvolutionalNetwork {
    /// Computes the directional derivative `J v` of the outputs on the rows
    /// of `inputs` along the parameter direction `v = direction`, without
    /// forming the Jacobian `J`.
    ///
    /// Forward-mode differentiation carries a tangent `ḣ^l` next to `h^l`:
    ///
    ///     ḣ^1     = s_1 patches(x) (V^1)ᵀ + σ_b c^1
    ///     ḣ^{l+1} = s_{l+1} (patches(a^l) (V^{l+1})ᵀ
    ///               + patches(φ'(h^l) ⊙ ḣ^l) (W^{l+1})ᵀ) + σ_b c^{l+1}
    ///     ḟ       = s_out (pool(a^L) vᵀ + pool(φ'(h^L) ⊙ ḣ^L) wᵀ) + σ_b c
    ///
    /// where `V^l`, `c^l`, `v` and `c` are the parts of `direction`.
    /// - Precondition: `inputs` has `P` columns and the shapes of
    ///   `direction` match `architecture`.
    /// - Complexity: about twice the cost of `outputs`.
    public func jacobianVectorProduct(_ inputs: Matrix,
                                      direction: NetworkParameters) -> [Double] {
        checkInputs(inputs)
        // Validates the shapes of `direction`.
        _ = ConvolutionalNetwork(architecture: architecture, parameters: direction)
        var result: [Double] = []
        result.reserveCapacity(inputs.rows)
        for range in chunkRanges(inputs.rows) {
            result.append(contentsOf: tangentChunk(inputs.rows(range), direction: direction))
        }
        return result
    }

    /// Propagates values and tangents through one chunk of rows.
    private func tangentChunk(_ inputs: Matrix, direction: NetworkParameters) -> [Double] {
        let activation = architecture.activation
        let depth = architecture.depth
        let input = Matrix(rows: inputs.rows * window.positionCount, columns: 1,
                           storage: inputs.storage)
        var value = convolve(input, layer: 1, parameters: parameters)
        var tangent = convolve(input, layer: 1, parameters: direction)
        for layer in 1...depth {
            let layerOutput = applying(activation.value, to: value)
            var tangentOutput = applying(activation.derivative, to: value)
            multiplyEntrywise(&tangentOutput, by: tangent)
            let next = layer + 1
            if next <= depth {
                tangent = convolve(layerOutput, layer: next, parameters: direction)
                BLAS.gemm(patches(tangentOutput), parameters.weights[next - 1], transposeB: true,
                          alpha: architecture.weightScale(layer: next), beta: 1, into: &tangent)
                value = convolve(layerOutput, layer: next, parameters: parameters)
            } else {
                tangent = affine(pool(layerOutput), layer: next, parameters: direction)
                BLAS.gemm(pool(tangentOutput), parameters.weights[next - 1], transposeB: true,
                          alpha: architecture.weightScale(layer: next), beta: 1, into: &tangent)
            }
        }
        return tangent.storage
    }
}
