import Theory

extension ResidualNetwork {
    /// Computes the directional derivative `J v` of the outputs on the rows
    /// of `inputs` along the parameter direction `v = direction`, without
    /// forming the Jacobian `J`.
    ///
    /// Forward-mode differentiation carries a tangent `ḣᵏ` next to `hᵏ`:
    ///
    ///     ḣ⁰ = (σ_w/√d) V⁰ x + σ_b c⁰
    ///     ḣᵏ = ḣᵏ⁻¹ + α (σ_w/√m) (Vᵏ φ(hᵏ⁻¹) + Wᵏ (φ'(hᵏ⁻¹) ⊙ ḣᵏ⁻¹))
    ///     ḟ  = s_out (v · φ(hᴮ) + w · (φ'(hᴮ) ⊙ ḣᴮ)) + σ_b c
    ///
    /// where `Vᵏ`, `v` and `cᵏ`, `c` are the weight and bias parts of
    /// `direction`.
    /// - Precondition: `inputs` has `d` columns and the shapes of
    ///   `direction` match `architecture`.
    /// - Complexity: O(N (d m + B m²)) for `N` input rows.
    public func jacobianVectorProduct(_ inputs: Matrix,
                                      direction: NetworkParameters) -> [Double] {
        checkInputs(inputs)
        // The tangent network's `affine` and `addBranch` apply the
        // direction's weights with the network's scales.
        let tangentNetwork = ResidualNetwork(architecture: architecture, parameters: direction)
        var result: [Double] = []
        result.reserveCapacity(inputs.rows)
        for range in chunkRanges(inputs.rows) {
            result.append(contentsOf: tangentChunk(inputs.rows(range), tangentNetwork))
        }
        return result
    }

    /// Propagates values and tangents through one chunk of rows.
    private func tangentChunk(_ inputs: Matrix, _ tangentNetwork: ResidualNetwork) -> [Double] {
        let activation = architecture.activation
        var value = affine(inputs, layer: 1)
        var tangent = tangentNetwork.affine(inputs, layer: 1)
        for block in 1...architecture.blocks {
            let branchInput = applying(activation.value, to: value)
            var branchTangent = applying(activation.derivative, to: value)
            multiplyEntrywise(&branchTangent, by: tangent)
            tangentNetwork.addBranch(branchInput, block: block, to: &tangent)
            addBranch(branchTangent, block: block, to: &tangent)
            addBranch(branchInput, block: block, to: &value)
        }
        let readout = architecture.layerCount
        var featureTangent = applying(activation.derivative, to: value)
        multiplyEntrywise(&featureTangent, by: tangent)
        var output = tangentNetwork.affine(applying(activation.value, to: value), layer: readout)
        BLAS.gemm(featureTangent, parameters.weights[readout - 1], transposeB: true,
                  alpha: architecture.weightScale(layer: readout), beta: 1, into: &output)
        return output.storage
    }
}

extension ResidualNetwork: TrainableNetwork {
    public var inputDimension: Int { architecture.inputDimension }

    public func ntkGram(_ inputs: Matrix) -> Matrix {
        ntkGram(inputs, featureBytesLimit: Self.defaultFeatureBytesLimit)
    }

    public func ntkCross(_ x: Matrix, _ y: Matrix) -> Matrix {
        ntkCross(x, y, featureBytesLimit: Self.defaultFeatureBytesLimit)
    }
}
