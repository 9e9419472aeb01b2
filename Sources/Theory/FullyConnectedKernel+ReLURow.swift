/// A vectorized ReLU path for Gram matrix rows.
///
/// The ReLU recursion of `FullyConnectedKernel` evaluates one angle per
/// entry and layer. Here four entries of a row share each instruction
/// through `SIMD4<Double>`, and the branches of
/// `GaussianExpectations.angle` become lane selections, so the data-
/// dependent branch on the reduced ratio no longer mispredicts. Every lane
/// performs the same operations in the same order as the scalar path, so
/// the results agree with it bit for bit.
extension FullyConnectedKernel {
    typealias Lanes = SIMD4<Double>

    /// Fills `out[j]` for `j` in `columns` (a range whose length is a
    /// multiple of 4) of row `i`.
    /// - Parameters:
    ///   - rowVariances: Σ^l(x_i, x_i) for l = 1 … depth.
    ///   - columnVariances: layer-major Σ^l(x_j, x_j): entry
    ///     `l * columnCount + j`.
    ///   - dots: ⟨x_i, x_j⟩ for the row, indexed by j.
    @inline(__always)
    func fillReLURow(columns: Range<Int>, rowVariances: UnsafePointer<Double>,
                     columnVariances: UnsafePointer<Double>, columnCount: Int,
                     dots: UnsafePointer<Double>, inputDimension: Double, wantNTK: Bool,
                     out: UnsafeMutablePointer<Double>) {
        let weightVariance = Lanes(repeating: self.weightVariance)
        let biasVariance = Lanes(repeating: self.biasVariance)
        let dimension = Lanes(repeating: inputDimension)
        var j = columns.lowerBound
        while j < columns.upperBound {
            let dot = Lanes(dots[j], dots[j + 1], dots[j + 2], dots[j + 3])
            var c = weightVariance * dot / dimension + biasVariance
            var theta = c
            for l in 0..<depth {
                let a = Lanes(repeating: rowVariances[l])
                let base = columnVariances + l * columnCount + j
                let b = Lanes(base[0], base[1], base[2], base[3])
                let pair = GaussianExpectations.reluPair(q11: a, q22: b, q12: c)
                c = weightVariance * pair.value + biasVariance
                theta = c + weightVariance * pair.derivative * theta
            }
            let result = wantNTK ? theta : c
            out[j] = result[0]
            out[j + 1] = result[1]
            out[j + 2] = result[2]
            out[j + 3] = result[3]
            j += 4
        }
    }

    /// Computes `GaussianExpectations.angle(y, x)` in each lane.
    @inline(__always)
    static func angle(_ y: Lanes, _ x: Lanes) -> Lanes {
        GaussianExpectations.angle(y, x)
    }
}

/// The ReLU expectations for four pairs at once, shared by the fully
/// connected and the convolutional Gram matrices.
extension GaussianExpectations {
    /// Evaluates `pair(.relu, q11:q22:q12:)` in each lane, with the same
    /// operations in the same order, so each lane equals the scalar result.
    @inline(__always)
    static func reluPair(q11: SIMD4<Double>, q22: SIMD4<Double>,
                         q12: SIMD4<Double>) -> (value: SIMD4<Double>, derivative: SIMD4<Double>) {
        let determinant = q11 * q22 - q12 * q12
        let s = determinant.replacing(with: 0, where: determinant .< 0).squareRoot()
        let complement = SIMD4<Double>(repeating: Double.pi) - angle(s, q12)
        return ((s + complement * q12) / (2 * Double.pi), complement / (2 * Double.pi))
    }

    /// Computes `angle(y, x)` in each lane, with the same operations.
    @inline(__always)
    static func angle(_ y: SIMD4<Double>, _ x: SIMD4<Double>) -> SIMD4<Double> {
        typealias Lanes = SIMD4<Double>
        let ax = x.replacing(with: -x, where: x .< 0)
        let big = y.replacing(with: ax, where: ax .> y)
        let small = y.replacing(with: ax, where: ax .< y)
        var a = small / big
        let tanPiOver12 = 0.267_949_192_431_122_7
        let root3 = 1.732_050_807_568_877_2
        let reduce = a .> Lanes(repeating: tanPiOver12)
        a = a.replacing(with: (root3 * a - 1) / (a + root3), where: reduce)
        let offset = Lanes(repeating: 0).replacing(with: Double.pi / 6, where: reduce)
        var theta = offset + a * atanSeries(a * a)
        theta = theta.replacing(with: Double.pi / 2 - theta, where: y .> ax)
        theta = theta.replacing(with: Double.pi - theta, where: x .< 0)
        return theta.replacing(with: Double.pi / 2, where: big .== 0)
    }
}
