/// The per-pair recursion of `ConvolutionalKernel` on raw buffers.
///
/// Every position matrix below is P × P and row-major, with entry
/// `p * P + p'` belonging to position p of the first input and p' of the
/// second.
extension ConvolutionalKernel {
    /// The parts of each input that the pair recursion needs, computed once
    /// per input: the input read through the window, offset-major
    /// (`patches[(i Q + k) P + p]` is x_i(p + offset k)), and the diagonal
    /// variances (`variances[(i L + l) P + p]` is Σ^{l+1}_{x_i x_i}(p, p)).
    struct InputSummaries {
        var patches: [Double]
        var variances: [Double]

        init(_ inputs: Matrix, kernel: ConvolutionalKernel) {
            let window = CircularWindow(spatialShape: kernel.spatialShape,
                                        filterSize: kernel.filterSize)
            let positions = window.positionCount, offsets = window.windowSize
            let depth = kernel.depth
            let weightVariance = kernel.weightVariance, biasVariance = kernel.biasVariance
            let windowScale = weightVariance / Double(offsets)
            patches = [Double](repeating: 0, count: inputs.rows * offsets * positions)
            variances = [Double](repeating: 0, count: inputs.rows * depth * positions)
            var diagonal = [Double](repeating: 0, count: positions)
            for i in 0..<inputs.rows {
                let x = inputs.row(i)
                for k in 0..<offsets {
                    for p in 0..<positions {
                        patches[(i * offsets + k) * positions + p] =
                            x[window.neighborsByOffset[k * positions + p]]
                    }
                }
                // Σ¹(p, p), summed over offsets in the order the pair
                // recursion uses, so equal inputs give equal covariances.
                for p in 0..<positions {
                    var sum = 0.0
                    for k in 0..<offsets {
                        let value = x[window.neighbors[p * offsets + k]]
                        sum += value * value
                    }
                    diagonal[p] = windowScale * sum + biasVariance
                }
                for l in 0..<depth {
                    for p in 0..<positions {
                        variances[(i * depth + l) * positions + p] = diagonal[p]
                    }
                    guard l + 1 < depth else { break }
                    let expectations = diagonal.map {
                        GaussianExpectations.diagonal(kernel.activation, variance: $0).value
                    }
                    for p in 0..<positions {
                        var sum = 0.0
                        for k in 0..<offsets { sum += expectations[window.neighbors[p * offsets + k]] }
                        diagonal[p] = windowScale * sum + biasVariance
                    }
                }
            }
        }
    }

    /// Calls `body` with the base addresses of the patches and variances of
    /// two summaries.
    func withPointers<R>(
        _ rows: InputSummaries, _ columns: InputSummaries,
        _ body: (UnsafePointer<Double>, UnsafePointer<Double>,
                 UnsafePointer<Double>, UnsafePointer<Double>) -> R
    ) -> R {
        rows.patches.withUnsafeBufferPointer { rowPatches in
            rows.variances.withUnsafeBufferPointer { rowVariances in
                columns.patches.withUnsafeBufferPointer { columnPatches in
                    columns.variances.withUnsafeBufferPointer { columnVariances in
                        body(rowPatches.baseAddress!, rowVariances.baseAddress!,
                             columnPatches.baseAddress!, columnVariances.baseAddress!)
                    }
                }
            }
        }
    }

    /// One thread's workspace for the pair recursion: the index tables of
    /// the window and four P × P buffers, allocated once and reused for
    /// every pair the thread evaluates.
    final class PairRecursion {
        let activation: Activation
        let depth: Int
        let positions: Int
        let offsets: Int
        let weightVariance: Double
        let biasVariance: Double
        /// `neighbors[p * Q + k]`, as in `CircularWindow`.
        let neighbors: UnsafeMutablePointer<Int>
        /// `neighborsByOffset[k * P + p]`, as in `CircularWindow`.
        let neighborsByOffset: UnsafeMutablePointer<Int>
        /// Σ^l(p, p'), then Σ^{l+1} after each window sum.
        let sigma: UnsafeMutablePointer<Double>
        /// Θ^l(p, p').
        let theta: UnsafeMutablePointer<Double>
        /// K^l(p, p').
        let expectation: UnsafeMutablePointer<Double>
        /// K̇^l(p, p') Θ^l(p, p').
        let derivativeTheta: UnsafeMutablePointer<Double>

        init(kernel: ConvolutionalKernel, window: CircularWindow) {
            activation = kernel.activation
            depth = kernel.depth
            positions = window.positionCount
            offsets = window.windowSize
            weightVariance = kernel.weightVariance
            biasVariance = kernel.biasVariance
            neighbors = .allocate(capacity: positions * offsets)
            neighbors.initialize(from: window.neighbors, count: positions * offsets)
            neighborsByOffset = .allocate(capacity: positions * offsets)
            neighborsByOffset.initialize(from: window.neighborsByOffset, count: positions * offsets)
            let area = positions * positions
            sigma = .allocate(capacity: area)
            theta = .allocate(capacity: area)
            expectation = .allocate(capacity: area)
            derivativeTheta = .allocate(capacity: area)
        }

        deinit {
            neighbors.deallocate()
            neighborsByOffset.deallocate()
            sigma.deallocate()
            theta.deallocate()
            expectation.deallocate()
            derivativeTheta.deallocate()
        }

        /// Evaluates the kernel of one pair from the summaries of its two
        /// inputs (`InputSummaries` layout, one input each). `sameInput`
        /// marks a Gram diagonal entry, where equal positions take the exact
        /// one-variable expectations.
        func evaluate(xPatches: UnsafePointer<Double>, yPatches: UnsafePointer<Double>,
                      xVariances: UnsafePointer<Double>, yVariances: UnsafePointer<Double>,
                      sameInput: Bool, wantNTK: Bool) -> Double {
            inputCovariance(xPatches, yPatches)
            var total = (nngp: 0.0, ntk: 0.0)
            for l in 0..<depth {
                expectations(xVariances + l * positions, yVariances + l * positions,
                             sameInput: sameInput, wantNTK: wantNTK)
                if l + 1 < depth {
                    nextCovariances(wantNTK: wantNTK)
                } else {
                    total = pooledReadout(wantNTK: wantNTK)
                }
            }
            return wantNTK ? total.ntk : total.nngp
        }

        /// Sets Σ¹ = (σ_w²/Q) Σ_k x(p+k) y(p'+k) + σ_b², and Θ¹ = Σ¹.
        private func inputCovariance(_ xPatches: UnsafePointer<Double>,
                                     _ yPatches: UnsafePointer<Double>) {
            let positions = positions, offsets = offsets
            let scale = weightVariance / Double(offsets), bias = biasVariance
            for p in 0..<positions {
                let row = sigma + p * positions
                row.update(repeating: 0, count: positions)
                for k in 0..<offsets {
                    let value = xPatches[k * positions + p]
                    let other = yPatches + k * positions
                    for q in 0..<positions { row[q] += value * other[q] }
                }
                for q in 0..<positions { row[q] = scale * row[q] + bias }
            }
            theta.update(from: sigma, count: positions * positions)
        }

        /// Sets K^l = E[φ(u)φ(v)] and, for the NTK, K̇^l Θ^l at every pair of
        /// positions, from Σ^l in `sigma` and the diagonal variances.
        private func expectations(_ xVariances: UnsafePointer<Double>,
                                  _ yVariances: UnsafePointer<Double>,
                                  sameInput: Bool, wantNTK: Bool) {
            let positions = positions
            for p in 0..<positions {
                let a = xVariances[p]
                let row = p * positions
                var start = 0
                if activation == .relu {
                    let lanesA = SIMD4<Double>(repeating: a)
                    let vectorEnd = positions / 4 * 4
                    while start < vectorEnd {
                        let c = SIMD4<Double>(UnsafeBufferPointer(start: sigma + row + start, count: 4))
                        let b = SIMD4<Double>(UnsafeBufferPointer(start: yVariances + start, count: 4))
                        let pair = GaussianExpectations.reluPair(q11: lanesA, q22: b, q12: c)
                        for lane in 0..<4 { expectation[row + start + lane] = pair.value[lane] }
                        if wantNTK {
                            let t = SIMD4<Double>(UnsafeBufferPointer(start: theta + row + start, count: 4))
                            let product = pair.derivative * t
                            for lane in 0..<4 { derivativeTheta[row + start + lane] = product[lane] }
                        }
                        start += 4
                    }
                }
                for q in start..<positions {
                    let pair = GaussianExpectations.pair(activation, q11: a, q22: yVariances[q],
                                                         q12: sigma[row + q])
                    expectation[row + q] = pair.value
                    if wantNTK { derivativeTheta[row + q] = pair.derivative * theta[row + q] }
                }
                if sameInput {
                    let pair = GaussianExpectations.diagonal(activation, variance: a)
                    expectation[row + p] = pair.value
                    if wantNTK { derivativeTheta[row + p] = pair.derivative * theta[row + p] }
                }
            }
        }

        /// Sets Σ^{l+1} = (σ_w²/Q) Σ_k K^l(p+k, p'+k) + σ_b² and, for the
        /// NTK, Θ^{l+1} = Σ^{l+1} + (σ_w²/Q) Σ_k (K̇^l Θ^l)(p+k, p'+k).
        private func nextCovariances(wantNTK: Bool) {
            let positions = positions, offsets = offsets
            let scale = weightVariance / Double(offsets), bias = biasVariance
            for p in 0..<positions {
                let sigmaRow = sigma + p * positions
                let thetaRow = theta + p * positions
                sigmaRow.update(repeating: 0, count: positions)
                if wantNTK { thetaRow.update(repeating: 0, count: positions) }
                for k in 0..<offsets {
                    let sourceRow = neighbors[p * offsets + k] * positions
                    let columns = neighborsByOffset + k * positions
                    let values = expectation + sourceRow
                    if wantNTK {
                        let products = derivativeTheta + sourceRow
                        for q in 0..<positions {
                            let column = columns[q]
                            sigmaRow[q] += values[column]
                            thetaRow[q] += products[column]
                        }
                    } else {
                        for q in 0..<positions { sigmaRow[q] += values[columns[q]] }
                    }
                }
                for q in 0..<positions {
                    sigmaRow[q] = scale * sigmaRow[q] + bias
                    if wantNTK { thetaRow[q] = sigmaRow[q] + scale * thetaRow[q] }
                }
            }
        }

        /// Returns the readout after global average pooling:
        /// NNGP = (σ_w²/P²) Σ K^L + σ_b² and NTK = NNGP + (σ_w²/P²) Σ K̇^L Θ^L.
        private func pooledReadout(wantNTK: Bool) -> (nngp: Double, ntk: Double) {
            let area = positions * positions
            var valueSum = 0.0, productSum = 0.0
            for e in 0..<area { valueSum += expectation[e] }
            if wantNTK {
                for e in 0..<area { productSum += derivativeTheta[e] }
            }
            let scale = weightVariance / Double(area)
            let nngp = scale * valueSum + biasVariance
            return (nngp, nngp + scale * productSum)
        }
    }
}
