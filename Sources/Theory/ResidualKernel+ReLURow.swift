/// A vectorized ReLU path for rows of residual kernel matrices, the
/// residual counterpart of `FullyConnectedKernel.fillReLURow`.
extension ResidualKernel {
    /// Fills `out[j]` for `j` in `columns` (a range whose length is a
    /// multiple of 4) of one row. Each lane performs the operations of the
    /// scalar recursion in `fill` in the same order, so the results agree
    /// with it bit for bit.
    /// - Parameters:
    ///   - rowVariances: Σᵏ(x_i, x_i) for k = 0 … blocks.
    ///   - columnVariances: layer-major Σᵏ(x_j, x_j): entry
    ///     `k * columnCount + j`.
    ///   - dots: ⟨x_i, x_j⟩ for the row, indexed by j.
    @inline(__always)
    func fillReLURow(columns: Range<Int>, rowVariances: UnsafePointer<Double>,
                     columnVariances: UnsafePointer<Double>, columnCount: Int,
                     dots: UnsafePointer<Double>, inputDimension: Double, wantNTK: Bool,
                     out: UnsafeMutablePointer<Double>) {
        typealias Lanes = SIMD4<Double>
        let weightVariance = Lanes(repeating: self.weightVariance)
        let biasVariance = Lanes(repeating: self.biasVariance)
        let branchVariance = Lanes(repeating: self.branchVariance)
        let dimension = Lanes(repeating: inputDimension)
        var j = columns.lowerBound
        while j < columns.upperBound {
            let dot = Lanes(dots[j], dots[j + 1], dots[j + 2], dots[j + 3])
            var c = weightVariance * dot / dimension + biasVariance
            var theta = c
            for l in 0...blocks {
                let a = Lanes(repeating: rowVariances[l])
                let base = columnVariances + l * columnCount + j
                let b = Lanes(base[0], base[1], base[2], base[3])
                let (value, derivative) = GaussianExpectations.reluPair(q11: a, q22: b, q12: c)
                if l < blocks {
                    theta = theta * (1 + branchVariance * derivative) + branchVariance * value
                    c = c + branchVariance * value
                } else {
                    let nngp = weightVariance * value + biasVariance
                    c = nngp
                    theta = nngp + weightVariance * derivative * theta
                }
            }
            let result = wantNTK ? theta : c
            out[j] = result[0]
            out[j + 1] = result[1]
            out[j + 2] = result[2]
            out[j + 3] = result[3]
            j += 4
        }
    }
}
