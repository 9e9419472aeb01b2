import Theory

extension ResidualNetwork {
    /// Default memory limit, in bytes, for the per-layer inputs and
    /// backpropagated derivatives that `ntkGram` and `ntkCross` keep for one
    /// block of rows of their first argument.
    public static let defaultFeatureBytesLimit = 512 << 20

    /// Computes the empirical NTK Gram matrix `K(x_i, x_j) = ⟨∇_θ f(x_i),
    /// ∇_θ f(x_j)⟩` of the rows of `inputs`. See `ntkCross` for the method.
    /// Only blocks on or above the diagonal are computed, and the upper
    /// triangle is copied down, so the result is exactly symmetric.
    /// - Precondition: `inputs.columns == architecture.inputDimension`.
    public func ntkGram(_ inputs: Matrix,
                        featureBytesLimit: Int = defaultFeatureBytesLimit) -> Matrix {
        checkInputs(inputs)
        let n = inputs.rows
        var gram = Matrix(rows: n, columns: n)
        for block in blockRanges(n, featureBytesLimit: featureBytesLimit) {
            let blockPass = stackedPass(inputs, rows: block)
            for chunk in chunkRanges(n) where chunk.lowerBound >= block.lowerBound {
                let chunkPass: ResidualPass
                if chunk.upperBound <= block.upperBound {
                    let offset = block.lowerBound
                    chunkPass = slice(blockPass,
                                      rows: (chunk.lowerBound - offset)..<(chunk.upperBound - offset))
                } else {
                    chunkPass = pass(inputs.rows(chunk))
                }
                writeBlock(kernelBlock(blockPass, chunkPass), into: &gram,
                           rowOffset: block.lowerBound, columnOffset: chunk.lowerBound)
            }
        }
        for i in 0..<n {
            for j in 0..<i { gram[i, j] = gram[j, i] }
        }
        return gram
    }

    /// Computes the empirical NTK `K(x_i, y_j) = ⟨∇_θ f(x_i), ∇_θ f(y_j)⟩`
    /// between the rows of `x` and of `y` without forming the Jacobian:
    ///
    ///     K = (Δ⁰_x (Δ⁰_y)ᵀ) ⊙ ((σ_w²/d) X Yᵀ + σ_b²)
    ///       + Σ_{k=1}^{B} (Δᵏ_x (Δᵏ_y)ᵀ) ⊙ ((α² σ_w²/m) φ(Hᵏ⁻¹_x) φ(Hᵏ⁻¹_y)ᵀ)
    ///       + s_out² φ(Hᴮ_x) φ(Hᴮ_y)ᵀ + σ_b²
    ///
    /// with `Δᵏ` as in `ResidualPass`. The rows of `x` are taken in blocks
    /// whose per-layer quantities fit in `featureBytesLimit`, and the rows
    /// of `y` in chunks of `rowsPerChunk`, recomputed once per block.
    /// - Precondition: both inputs have `d` columns.
    /// - Complexity: O(n_x n_y (d + B m)) for the products, plus one pass
    ///   over `y` per block of `x`.
    public func ntkCross(_ x: Matrix, _ y: Matrix,
                         featureBytesLimit: Int = defaultFeatureBytesLimit) -> Matrix {
        checkInputs(x)
        checkInputs(y)
        var kernel = Matrix(rows: x.rows, columns: y.rows)
        for block in blockRanges(x.rows, featureBytesLimit: featureBytesLimit) {
            let blockPass = stackedPass(x, rows: block)
            for chunk in chunkRanges(y.rows) {
                writeBlock(kernelBlock(blockPass, pass(y.rows(chunk))), into: &kernel,
                           rowOffset: block.lowerBound, columnOffset: chunk.lowerBound)
            }
        }
        return kernel
    }

    /// Computes the readout layer's share of the empirical NTK,
    /// `s_out² ⟨φ(hᴮ(x_i)), φ(hᴮ(x_j))⟩ + σ_b²`, an empirical NNGP kernel of
    /// the last features used as a negative control.
    ///
    /// This stores the `n × m` last features at once.
    /// - Precondition: `inputs.columns == architecture.inputDimension`.
    public func nngpFeatureGram(_ inputs: Matrix) -> Matrix {
        checkInputs(inputs)
        var features = Matrix(rows: inputs.rows, columns: architecture.width)
        for range in chunkRanges(inputs.rows) {
            copyRows(lastFeatures(inputs.rows(range)), into: &features, at: range.lowerBound)
        }
        let readoutScale = architecture.weightScale(layer: architecture.layerCount)
        var gram = BLAS.gram(features, alpha: readoutScale * readoutScale)
        addConstant(architecture.biasVariance, to: &gram)
        return gram
    }

    /// Splits `0..<count` into blocks of whole chunks whose per-layer
    /// quantities take at most `featureBytesLimit` bytes, with at least one
    /// chunk per block.
    private func blockRanges(_ count: Int, featureBytesLimit: Int) -> [Range<Int>] {
        // Layer inputs d + (B + 1) m and deltas (B + 1) m + 1 per row.
        let m = architecture.width
        let doublesPerRow = architecture.inputDimension + 2 * (architecture.blocks + 1) * m + 1
        let bytesPerRow = doublesPerRow * MemoryLayout<Double>.stride
        let chunksPerBlock = max(1, featureBytesLimit / (bytesPerRow * rowsPerChunk))
        let blockRows = chunksPerBlock * rowsPerChunk
        return stride(from: 0, to: count, by: blockRows).map {
            $0..<min($0 + blockRows, count)
        }
    }

    /// Runs the pass over `rows` of `inputs` chunk by chunk and stacks the
    /// per-layer quantities.
    private func stackedPass(_ inputs: Matrix, rows: Range<Int>) -> ResidualPass {
        var stacked: ResidualPass?
        for chunk in chunkRanges(rows.count) {
            let global = (rows.lowerBound + chunk.lowerBound)..<(rows.lowerBound + chunk.upperBound)
            let chunkPass = pass(inputs.rows(global))
            if stacked == nil {
                stacked = ResidualPass(
                    outputs: [],
                    layerInputs: chunkPass.layerInputs.map {
                        Matrix(rows: rows.count, columns: $0.columns)
                    },
                    deltas: chunkPass.deltas.map { Matrix(rows: rows.count, columns: $0.columns) })
            }
            stacked!.outputs.append(contentsOf: chunkPass.outputs)
            for layer in chunkPass.layerInputs.indices {
                copyRows(chunkPass.layerInputs[layer], into: &stacked!.layerInputs[layer],
                         at: chunk.lowerBound)
                copyRows(chunkPass.deltas[layer], into: &stacked!.deltas[layer],
                         at: chunk.lowerBound)
            }
        }
        return stacked!
    }

    /// Returns the rows `rows` of every matrix of `full`.
    private func slice(_ full: ResidualPass, rows: Range<Int>) -> ResidualPass {
        ResidualPass(outputs: Array(full.outputs[rows]),
                     layerInputs: full.layerInputs.map { $0.rows(rows) },
                     deltas: full.deltas.map { $0.rows(rows) })
    }

    /// Computes the kernel of `ntkCross` between two passes. Only the input
    /// layer and the readout have biases.
    private func kernelBlock(_ x: ResidualPass, _ y: ResidualPass) -> Matrix {
        let biasVariances = (1...architecture.layerCount).map {
            $0 == 1 || $0 == architecture.layerCount ? architecture.biasVariance : 0
        }
        return gradientKernelBlock(xDeltas: x.deltas, xLayerInputs: x.layerInputs,
                                   yDeltas: y.deltas, yLayerInputs: y.layerInputs,
                                   weightScales: layerWeightScales, biasVariances: biasVariances)
    }
}
