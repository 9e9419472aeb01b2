import CGSL
import Theory

extension ConvolutionalNetwork {
    /// The two ways of contracting the empirical NTK. Both give the same
    /// kernel up to rounding and differ in cost.
    public enum EmpiricalKernelMethod: String, CaseIterable, Sendable {
        /// Forms per-input gradient rows `∇_θ f(x_i)` for a block of inputs
        /// (per layer `s_l Δ_iᵀ patches_i`, one small `gemm` each) and
        /// multiplies the blocks. About `N` operations per pair of inputs for
        /// `N` parameters, plus recomputing gradient rows of later blocks.
        case jacobian
        /// Sums over pairs of positions without per-input gradients:
        /// `K = Σ_l Σ_{p,p'} ⟨δ^l_x(p), δ^l_y(p')⟩ (s_l² ⟨patch_x(p),
        /// patch_y(p')⟩ + σ_b²)` plus the readout term. About
        /// `P² Σ_l (m + C_{l-1} Q)` operations per pair of inputs, so it wins
        /// when `P²` is small against the width.
        case positionPairs
    }

    /// The method `ntkGram(_:)` and `ntkCross(_:_:)` use: the one with the
    /// smaller estimated operation count per pair of inputs at the default
    /// feature-bytes limit.
    public var preferredKernelMethod: EmpiricalKernelMethod {
        let positions = Double(window.positionCount)
        let blockRows = Double(blockRowCount(method: .jacobian,
                                             featureBytesLimit: Self.defaultFeatureBytesLimit))
        // Each block recomputes the gradient rows of the later inputs, at
        // about P operations per parameter and row.
        let jacobianCost = Double(parameterCount) * (1 + positions / blockRows)
        let widths = (1...architecture.depth).map {
            Double(architecture.width + architecture.inputChannels(layer: $0) * architecture.windowSize)
        }
        let pairCost = positions * positions * widths.reduce(0, +) + Double(architecture.width)
        return jacobianCost <= pairCost ? .jacobian : .positionPairs
    }

    public func ntkGram(_ inputs: Matrix) -> Matrix {
        ntkGram(inputs, featureBytesLimit: Self.defaultFeatureBytesLimit,
                method: preferredKernelMethod)
    }

    public func ntkCross(_ x: Matrix, _ y: Matrix) -> Matrix {
        ntkCross(x, y, featureBytesLimit: Self.defaultFeatureBytesLimit,
                 method: preferredKernelMethod)
    }

    /// Computes the empirical NTK Gram matrix `K(x_i, x_j) = ⟨∇_θ f(x_i),
    /// ∇_θ f(x_j)⟩` of the rows of `inputs`, exactly symmetric.
    ///
    /// The rows are taken in blocks whose features fit in
    /// `featureBytesLimit`. Each block is contracted with itself and with
    /// the later blocks, whose features are recomputed, and the upper
    /// triangle is copied down.
    /// - Precondition: `inputs.columns == architecture.positionCount`.
    public func ntkGram(_ inputs: Matrix, featureBytesLimit: Int,
                        method: EmpiricalKernelMethod) -> Matrix {
        checkInputs(inputs)
        let n = inputs.rows
        var gram = Matrix(rows: n, columns: n)
        let blockRows = blockRowCount(method: method, featureBytesLimit: featureBytesLimit)
        for start in stride(from: 0, to: n, by: blockRows) {
            let block = start..<min(start + blockRows, n)
            let features = kernelFeatures(inputs, rows: block, method: method)
            writeBlock(kernelBlock(features, features, method: method), into: &gram,
                  rowOffset: block.lowerBound, columnOffset: block.lowerBound)
            for later in stride(from: block.upperBound, to: n, by: blockRows) {
                let columns = later..<min(later + blockRows, n)
                let laterFeatures = kernelFeatures(inputs, rows: columns, method: method)
                writeBlock(kernelBlock(features, laterFeatures, method: method), into: &gram,
                      rowOffset: block.lowerBound, columnOffset: columns.lowerBound)
            }
        }
        for i in 0..<n {
            for j in 0..<i { gram[i, j] = gram[j, i] }
        }
        return gram
    }

    /// Computes the empirical NTK `K(x_i, y_j) = ⟨∇_θ f(x_i), ∇_θ f(y_j)⟩`
    /// between the rows of `x` and of `y` by `method`, keeping the features
    /// of one block of rows of each side within `featureBytesLimit`.
    /// - Precondition: both inputs have `P` columns.
    public func ntkCross(_ x: Matrix, _ y: Matrix, featureBytesLimit: Int,
                         method: EmpiricalKernelMethod) -> Matrix {
        checkInputs(x)
        checkInputs(y)
        var kernel = Matrix(rows: x.rows, columns: y.rows)
        let blockRows = blockRowCount(method: method, featureBytesLimit: featureBytesLimit)
        for start in stride(from: 0, to: x.rows, by: blockRows) {
            let block = start..<min(start + blockRows, x.rows)
            let features = kernelFeatures(x, rows: block, method: method)
            for columnStart in stride(from: 0, to: y.rows, by: blockRows) {
                let columns = columnStart..<min(columnStart + blockRows, y.rows)
                let other = kernelFeatures(y, rows: columns, method: method)
                writeBlock(kernelBlock(features, other, method: method), into: &kernel,
                      rowOffset: block.lowerBound, columnOffset: columns.lowerBound)
            }
        }
        return kernel
    }

    /// Computes the readout layer's share of the empirical NTK,
    /// `s_out² ⟨pool(a^L(x_i)), pool(a^L(x_j))⟩ + σ_b²`, an empirical NNGP
    /// kernel of the pooled features used as a negative control. It is
    /// exactly symmetric and stores the `n × m` pooled features.
    /// - Precondition: `inputs.columns == architecture.positionCount`.
    public func nngpFeatureGram(_ inputs: Matrix) -> Matrix {
        let readoutScale = architecture.weightScale(layer: architecture.layerCount)
        var gram = BLAS.gram(pooledFeatures(inputs), alpha: readoutScale * readoutScale)
        addConstant(architecture.biasVariance, to: &gram)
        return gram
    }

    /// Computes `s_out² ⟨pool(a^L(x_i)), pool(a^L(y_j))⟩ + σ_b²`, the cross
    /// version of `nngpFeatureGram`.
    /// - Precondition: both inputs have `P` columns.
    public func nngpFeatureCross(_ x: Matrix, _ y: Matrix) -> Matrix {
        let readoutScale = architecture.weightScale(layer: architecture.layerCount)
        var kernel = BLAS.product(pooledFeatures(x), pooledFeatures(y), transposeB: true,
                                  alpha: readoutScale * readoutScale)
        addConstant(architecture.biasVariance, to: &kernel)
        return kernel
    }

    /// Computes the `n × m` pooled last-layer activations over row chunks.
    func pooledFeatures(_ inputs: Matrix) -> Matrix {
        checkInputs(inputs)
        var storage: [Double] = []
        storage.reserveCapacity(inputs.rows * architecture.width)
        for range in chunkRanges(inputs.rows) {
            storage.append(contentsOf: forward(inputs.rows(range)).pooled.storage)
        }
        return Matrix(rows: inputs.rows, columns: architecture.width, storage: storage)
    }

    /// Returns how many inputs one feature block holds: the features of
    /// `method` for that many rows take at most `featureBytesLimit` bytes,
    /// with at least one row.
    func blockRowCount(method: EmpiricalKernelMethod, featureBytesLimit: Int) -> Int {
        let doublesPerRow: Int
        switch method {
        case .jacobian:
            doublesPerRow = parameterCount
        case .positionPairs:
            let channels = (1...architecture.depth).reduce(0) {
                $0 + architecture.inputChannels(layer: $1) + architecture.width
            }
            doublesPerRow = window.positionCount * channels + architecture.width
        }
        return max(1, featureBytesLimit / (doublesPerRow * MemoryLayout<Double>.stride))
    }
}

/// The features of a block of inputs from which `kernelBlock` contracts the
/// empirical NTK: gradient rows for `.jacobian`, or the stacked
/// forward-backward pass for `.positionPairs`.
struct EmpiricalKernelFeatures {
    var jacobian: Matrix?
    var pass: ConvolutionalPass?
}

extension ConvolutionalNetwork {
    /// Computes the features of `rows` of `inputs`, running the passes over
    /// chunks of `rowsPerChunk` inputs.
    func kernelFeatures(_ inputs: Matrix, rows: Range<Int>,
                        method: EmpiricalKernelMethod) -> EmpiricalKernelFeatures {
        switch method {
        case .jacobian:
            var jacobian = Matrix(rows: rows.count, columns: parameterCount)
            for chunk in chunkRanges(rows.count) {
                let global = (rows.lowerBound + chunk.lowerBound)..<(rows.lowerBound + chunk.upperBound)
                writeGradientRows(forwardBackward(inputs.rows(global)), into: &jacobian,
                                  startingAt: chunk.lowerBound)
            }
            return EmpiricalKernelFeatures(jacobian: jacobian, pass: nil)
        case .positionPairs:
            var stacked: ConvolutionalPass?
            for chunk in chunkRanges(rows.count) {
                let global = (rows.lowerBound + chunk.lowerBound)..<(rows.lowerBound + chunk.upperBound)
                var pass = forwardBackward(inputs.rows(global))
                // A^L enters the kernel only through `pooled`.
                pass.activations.removeLast()
                stacked = stacked.map { appending(pass, to: $0) } ?? pass
            }
            return EmpiricalKernelFeatures(jacobian: nil, pass: stacked)
        }
    }

    /// Writes `∇_θ f(x_i)` in the flat parameter order into rows
    /// `start ..< start + n` of `jacobian` for the `n` inputs of `pass`:
    /// `s_l Δ_iᵀ patches_i` for `W^l`, `σ_b Σ_p δ_i(p)` for `b^l`,
    /// `s_out pool(a^L)_i` for `w` and `σ_b` for `b`.
    private func writeGradientRows(_ pass: ConvolutionalPass, into jacobian: inout Matrix,
                                   startingAt start: Int) {
        let positions = window.positionCount, width = architecture.width
        let inputs = pass.outputs.count
        let columns = jacobian.columns
        let biasStd = architecture.biasStd
        var offset = 0
        for layer in 1...architecture.depth {
            let layerPatches = patches(pass.activations[layer - 1])
            let patchWidth = layerPatches.columns
            let scale = architecture.weightScale(layer: layer)
            pass.deltas[layer - 1].storage.withUnsafeBufferPointer { deltas in
                layerPatches.storage.withUnsafeBufferPointer { patchValues in
                    jacobian.storage.withUnsafeMutableBufferPointer { output in
                        for i in 0..<inputs {
                            let row = output.baseAddress! + (start + i) * columns + offset
                            let inputDeltas = deltas.baseAddress! + i * positions * width
                            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
                                        Int32(width), Int32(patchWidth), Int32(positions), scale,
                                        inputDeltas, Int32(width),
                                        patchValues.baseAddress! + i * positions * patchWidth,
                                        Int32(patchWidth), 0, row, Int32(patchWidth))
                            let biasRow = row + width * patchWidth
                            for c in 0..<width {
                                var sum = 0.0
                                for p in 0..<positions { sum += inputDeltas[p * width + c] }
                                biasRow[c] = biasStd * sum
                            }
                        }
                    }
                }
            }
            offset += width * (patchWidth + 1)
        }
        let readoutScale = architecture.weightScale(layer: architecture.layerCount)
        for i in 0..<inputs {
            let row = (start + i) * columns + offset
            for c in 0..<width {
                jacobian.storage[row + c] = readoutScale * pass.pooled.storage[i * width + c]
            }
            jacobian.storage[row + width] = biasStd
        }
    }

    /// Returns `first` with the rows of `second` appended to every matrix.
    private func appending(_ second: ConvolutionalPass,
                           to first: ConvolutionalPass) -> ConvolutionalPass {
        func stacked(_ a: Matrix, _ b: Matrix) -> Matrix {
            Matrix(rows: a.rows + b.rows, columns: a.columns, storage: a.storage + b.storage)
        }
        return ConvolutionalPass(
            outputs: first.outputs + second.outputs,
            activations: zip(first.activations, second.activations).map(stacked),
            pooled: stacked(first.pooled, second.pooled),
            deltas: zip(first.deltas, second.deltas).map(stacked))
    }

    /// Contracts the features of two blocks into their kernel block.
    func kernelBlock(_ x: EmpiricalKernelFeatures, _ y: EmpiricalKernelFeatures,
                     method: EmpiricalKernelMethod) -> Matrix {
        switch method {
        case .jacobian:
            return BLAS.product(x.jacobian!, y.jacobian!, transposeB: true)
        case .positionPairs:
            return positionPairBlock(x.pass!, y.pass!)
        }
    }

    /// Computes `Σ_l Σ_{p,p'} (Δ^l_x Δ^l_yᵀ) ⊙ (s_l² patches_x patches_yᵀ +
    /// σ_b²)` summed over the position pairs of each input pair, plus the
    /// readout term `s_out² pooled_x pooled_yᵀ + σ_b²`. The position
    /// products are formed for tiles of inputs whose `(tile P)²` products
    /// stay near 16 MiB.
    private func positionPairBlock(_ x: ConvolutionalPass, _ y: ConvolutionalPass) -> Matrix {
        let positions = window.positionCount
        let rows = x.outputs.count, columns = y.outputs.count
        let readoutScale = architecture.weightScale(layer: architecture.layerCount)
        var block = BLAS.product(x.pooled, y.pooled, transposeB: true,
                                 alpha: readoutScale * readoutScale)
        addConstant(architecture.biasVariance, to: &block)
        let tile = max(1, 1448 / positions)
        let biasVariance = architecture.biasVariance
        for layer in 1...architecture.depth {
            let scale = architecture.weightScale(layer: layer)
            for rowStart in stride(from: 0, to: rows, by: tile) {
                let rowTile = rowStart..<min(rowStart + tile, rows)
                let positionRows = (rowTile.lowerBound * positions)..<(rowTile.upperBound * positions)
                let xPatches = patches(x.activations[layer - 1].rows(positionRows))
                let xDeltas = x.deltas[layer - 1].rows(positionRows)
                for columnStart in stride(from: 0, to: columns, by: tile) {
                    let columnTile = columnStart..<min(columnStart + tile, columns)
                    let positionColumns = (columnTile.lowerBound * positions)
                        ..< (columnTile.upperBound * positions)
                    let deltaProduct = BLAS.product(xDeltas, y.deltas[layer - 1].rows(positionColumns),
                                                    transposeB: true)
                    let patchProduct = BLAS.product(
                        xPatches, patches(y.activations[layer - 1].rows(positionColumns)),
                        transposeB: true, alpha: scale * scale)
                    let stride = deltaProduct.columns
                    for i in rowTile {
                        for j in columnTile {
                            var sum = 0.0
                            let base = (i - rowStart) * positions * stride + (j - columnStart) * positions
                            for p in 0..<positions {
                                for q in 0..<positions {
                                    let e = base + p * stride + q
                                    sum += deltaProduct.storage[e] * (patchProduct.storage[e] + biasVariance)
                                }
                            }
                            block[i, j] += sum
                        }
                    }
                }
            }
        }
        return block
    }
}
