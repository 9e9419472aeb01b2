import Theory

extension FullyConnectedNetwork {
    /// Default memory limit, in bytes, for the per-layer activations and
    /// backpropagated derivatives that `ntkGram` and `ntkCross` keep for one
    /// block of rows of their first argument.
    public static let defaultFeatureBytesLimit = 512 << 20

    /// Computes the empirical NTK Gram matrix `K(x_i, x_j) = ⟨∇_θ f(x_i),
    /// ∇_θ f(x_j)⟩` of the rows of `inputs`. See `ntkCross` for the method.
    /// The result is exactly symmetric.
    /// - Precondition: `inputs.columns == architecture.inputDimension`.
    public func ntkGram(_ inputs: Matrix,
                        featureBytesLimit: Int = defaultFeatureBytesLimit) -> Matrix {
        checkInputs(inputs)
        let n = inputs.rows
        var gram = Matrix(rows: n, columns: n)
        for block in blockRanges(n, featureBytesLimit: featureBytesLimit) {
            let blockPass = stackedPass(inputs, rows: block)
            for chunk in chunkRanges(n) where chunk.lowerBound >= block.lowerBound {
                let chunkPass: NetworkPass
                if chunk.upperBound <= block.upperBound {
                    let offset = block.lowerBound
                    let local = (chunk.lowerBound - offset)..<(chunk.upperBound - offset)
                    chunkPass = slice(blockPass, rows: local)
                } else {
                    chunkPass = pass(inputs.rows(chunk), keepingPreActivations: false)
                }
                let entries = kernelBlock(blockPass, chunkPass)
                writeBlock(entries, into: &gram, rowOffset: block.lowerBound,
                      columnOffset: chunk.lowerBound)
            }
        }
        // Every pair i <= j lies in a computed block, so the upper triangle
        // is complete and is copied down.
        for i in 0..<n {
            for j in 0..<i { gram[i, j] = gram[j, i] }
        }
        return gram
    }

    /// Computes the empirical NTK `K(x_i, y_j) = ⟨∇_θ f(x_i), ∇_θ f(y_j)⟩`
    /// between the rows of `x` and of `y` without forming the Jacobian:
    ///
    ///     K = Σ_{l=1}^{L+1} (Δ^l_x (Δ^l_y)ᵀ) ⊙ (s_l² A^{l-1}_x (A^{l-1}_y)ᵀ + σ_b²)
    ///
    /// with `Δ^l` and `A^{l-1}` as in `NetworkPass` and `s_l` the weight
    /// scale of layer `l` (so `s_l² = σ_w²/d`, `σ_w²/m`, or the squared
    /// readout scale). The rows of `x` are taken in blocks whose features
    /// fit in `featureBytesLimit`, and the rows of `y` in chunks of
    /// `rowsPerChunk`, whose features are recomputed once per block.
    /// - Precondition: both inputs have `d` columns.
    /// - Complexity: O(n_x n_y (d + L m)) for the products, plus one pass over
    ///   `y` per block of `x`.
    /// - SeeAlso: Jacot, Gabriel & Hongler (2018), "Neural Tangent Kernel",
    ///   NeurIPS 31, Sec. 4.
    public func ntkCross(_ x: Matrix, _ y: Matrix,
                         featureBytesLimit: Int = defaultFeatureBytesLimit) -> Matrix {
        checkInputs(x)
        checkInputs(y)
        var kernel = Matrix(rows: x.rows, columns: y.rows)
        for block in blockRanges(x.rows, featureBytesLimit: featureBytesLimit) {
            let blockPass = stackedPass(x, rows: block)
            for chunk in chunkRanges(y.rows) {
                let chunkPass = pass(y.rows(chunk), keepingPreActivations: false)
                writeBlock(kernelBlock(blockPass, chunkPass), into: &kernel,
                      rowOffset: block.lowerBound, columnOffset: chunk.lowerBound)
            }
        }
        return kernel
    }

    /// Computes the readout-layer term of the empirical NTK,
    /// `s_{L+1}² ⟨a^L(x_i), a^L(x_j)⟩ + σ_b²`, an empirical NNGP-like kernel
    /// of the last hidden features used as a negative control.
    ///
    /// This stores the `n × m` last hidden activations at once.
    /// - Precondition: `inputs.columns == architecture.inputDimension`.
    public func nngpFeatureGram(_ inputs: Matrix) -> Matrix {
        let features = lastHiddenActivations(inputs)
        let readoutScale = architecture.weightScale(layer: architecture.layerCount)
        var gram = BLAS.gram(features, alpha: readoutScale * readoutScale)
        addConstant(architecture.biasVariance, to: &gram)
        return gram
    }

    /// Computes `s_{L+1}² ⟨a^L(x_i), a^L(y_j)⟩ + σ_b²` between the rows of `x`
    /// and of `y`, the cross version of `nngpFeatureGram`.
    /// - Precondition: both inputs have `d` columns.
    public func nngpFeatureCross(_ x: Matrix, _ y: Matrix) -> Matrix {
        let readoutScale = architecture.weightScale(layer: architecture.layerCount)
        var kernel = BLAS.product(lastHiddenActivations(x), lastHiddenActivations(y),
                                  transposeB: true, alpha: readoutScale * readoutScale)
        addConstant(architecture.biasVariance, to: &kernel)
        return kernel
    }

    /// Computes `A^L`, the `n × m` last hidden activations, over row chunks.
    func lastHiddenActivations(_ inputs: Matrix) -> Matrix {
        checkInputs(inputs)
        var result = Matrix(rows: inputs.rows, columns: architecture.width)
        for range in chunkRanges(inputs.rows) {
            var activation = inputs.rows(range)
            for layer in 1...architecture.depth {
                activation = applying(architecture.activation.value,
                                      to: affine(activation, layer: layer))
            }
            copyRows(activation, into: &result, at: range.lowerBound)
        }
        return result
    }

    /// Splits `0..<count` into blocks of whole chunks whose features take at
    /// most `featureBytesLimit` bytes, with at least one chunk per block.
    private func blockRanges(_ count: Int, featureBytesLimit: Int) -> [Range<Int>] {
        let widths = architecture.layerWidths
        let doublesPerRow = (1...architecture.layerCount).reduce(0) {
            $0 + widths[$1 - 1] + widths[$1]
        }
        let bytesPerRow = doublesPerRow * MemoryLayout<Double>.stride
        let chunksPerBlock = max(1, featureBytesLimit / (bytesPerRow * rowsPerChunk))
        let blockRows = chunksPerBlock * rowsPerChunk
        return stride(from: 0, to: count, by: blockRows).map {
            $0..<min($0 + blockRows, count)
        }
    }

    /// Runs the pass over `rows` of `inputs` chunk by chunk and stacks the
    /// activations and derivatives.
    private func stackedPass(_ inputs: Matrix, rows: Range<Int>) -> NetworkPass {
        let widths = architecture.layerWidths
        var stacked = NetworkPass(
            outputs: [],
            preActivations: [],
            activations: (0...architecture.depth).map {
                Matrix(rows: rows.count, columns: widths[$0])
            },
            deltas: (1...architecture.layerCount).map {
                Matrix(rows: rows.count, columns: widths[$0])
            })
        for chunk in chunkRanges(rows.count) {
            let global = (rows.lowerBound + chunk.lowerBound)..<(rows.lowerBound + chunk.upperBound)
            let chunkPass = pass(inputs.rows(global), keepingPreActivations: false)
            stacked.outputs.append(contentsOf: chunkPass.outputs)
            for layer in stacked.activations.indices {
                copyRows(chunkPass.activations[layer], into: &stacked.activations[layer],
                         at: chunk.lowerBound)
            }
            for layer in stacked.deltas.indices {
                copyRows(chunkPass.deltas[layer], into: &stacked.deltas[layer],
                         at: chunk.lowerBound)
            }
        }
        return stacked
    }

    /// Returns the rows `rows` of every matrix of `full`.
    private func slice(_ full: NetworkPass, rows: Range<Int>) -> NetworkPass {
        NetworkPass(outputs: Array(full.outputs[rows]), preActivations: [],
                    activations: full.activations.map { $0.rows(rows) },
                    deltas: full.deltas.map { $0.rows(rows) })
    }

    /// Computes `Σ_l (Δ^l_x (Δ^l_y)ᵀ) ⊙ (s_l² A^{l-1}_x (A^{l-1}_y)ᵀ + σ_b²)`
    /// for two passes.
    private func kernelBlock(_ x: NetworkPass, _ y: NetworkPass) -> Matrix {
        let layers = 1...architecture.layerCount
        return gradientKernelBlock(
            xDeltas: x.deltas, xLayerInputs: x.activations,
            yDeltas: y.deltas, yLayerInputs: y.activations,
            weightScales: layers.map { architecture.weightScale(layer: $0) },
            biasVariances: layers.map { _ in architecture.biasVariance })
    }
}

/// Copies `block` into `matrix` with its top-left entry at
/// `(rowOffset, columnOffset)`.
func writeBlock(_ block: Matrix, into matrix: inout Matrix, rowOffset: Int,
                columnOffset: Int) {
    for i in 0..<block.rows {
        let target = (rowOffset + i) * matrix.columns + columnOffset
        let source = i * block.columns
        matrix.storage.replaceSubrange(target..<(target + block.columns),
                                       with: block.storage[source..<(source + block.columns)])
    }
}

/// Copies all rows of `rows` into `matrix` starting at row `start`.
func copyRows(_ rows: Matrix, into matrix: inout Matrix, at start: Int) {
    precondition(rows.columns == matrix.columns,
                 "Cannot copy rows of \(rows.columns) columns into \(matrix.columns) columns.")
    let offset = start * matrix.columns
    matrix.storage.replaceSubrange(offset..<(offset + rows.storage.count), with: rows.storage)
}

/// Adds `constant` to every entry of `matrix`.
func addConstant(_ constant: Double, to matrix: inout Matrix) {
    matrix.storage.withUnsafeMutableBufferPointer { values in
        for i in 0..<values.count { values[i] += constant }
    }
}
