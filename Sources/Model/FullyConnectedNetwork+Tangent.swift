import Theory

extension FullyConnectedNetwork {
    /// Computes the directional derivative `J v` of the outputs on the rows
    /// of `inputs` along the parameter direction `v = direction`, without
    /// forming the Jacobian `J`.
    ///
    /// Forward-mode differentiation carries a tangent `ḣ^l` next to `h^l`:
    ///
    ///     ḣ^1     = s_1 V^1 x + σ_b c^1
    ///     ḣ^{l+1} = s_{l+1} (V^{l+1} a^l + W^{l+1} (φ'(h^l) ⊙ ḣ^l)) + σ_b c^{l+1}
    ///
    /// where `V^l` and `c^l` are the weight and bias parts of `direction`.
    /// With `direction = ∇Φ` on training inputs `X`, the result on `Z` equals
    /// `(1/n) K(Z, X) (f(X) − y)` for the empirical NTK `K`, at the cost of
    /// one forward pass over `Z`.
    /// - Precondition: `inputs` has `d` columns and the shapes of
    ///   `direction` match `architecture`.
    /// - Complexity: O(N (d m + (L − 1) m²)) for `N` input rows.
    public func jacobianVectorProduct(_ inputs: Matrix,
                                      direction: NetworkParameters) -> [Double] {
        checkInputs(inputs)
        let tangentNetwork = FullyConnectedNetwork(architecture: architecture,
                                                   parameters: direction)
        var result: [Double] = []
        result.reserveCapacity(inputs.rows)
        for range in chunkRanges(inputs.rows) {
            result.append(contentsOf: tangentChunk(inputs.rows(range), tangentNetwork))
        }
        return result
    }

    /// Propagates values and tangents through one chunk of rows.
    ///
    /// `tangentNetwork` carries `direction` as its parameters, so its
    /// `affine` computes `s_l V^l a + σ_b c^l`.
    private func tangentChunk(_ inputs: Matrix,
                              _ tangentNetwork: FullyConnectedNetwork) -> [Double] {
        let activation = architecture.activation
        var value = affine(inputs, layer: 1)
        var tangent = tangentNetwork.affine(inputs, layer: 1)
        for layer in 1...architecture.depth {
            let next = layer + 1
            let layerOutput = applying(activation.value, to: value)
            var tangentOutput = applying(activation.derivative, to: value)
            multiplyEntrywise(&tangentOutput, by: tangent)

            // The direction's bias term enters through its own affine map,
            // and the network's own weights carry the incoming tangent.
            tangent = tangentNetwork.affine(layerOutput, layer: next)
            BLAS.gemm(tangentOutput, parameters.weights[next - 1], transposeB: true,
                      alpha: architecture.weightScale(layer: next), beta: 1, into: &tangent)
            if next <= architecture.depth {
                value = affine(layerOutput, layer: next)
            }
        }
        return tangent.storage
    }
}
