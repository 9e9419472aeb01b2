import Foundation
import Model
import Theory

/// A one-input-at-a-time convolutional network written with plain loops
/// and its own circular indexing, independent of the batched im2col code,
/// used as the reference in tests.
struct ReferenceConvolutionalNetwork {
    let architecture: ConvolutionalArchitecture
    let parameters: NetworkParameters

    /// Returns the position `p + offset k` on the grid, wrapping each axis,
    /// with offsets numbered row-major over the q^D offset grid.
    func neighbor(_ p: Int, _ k: Int) -> Int {
        let q = architecture.filterSize, radius = (q - 1) / 2
        let shape = architecture.spatialShape
        if shape.count == 1 {
            return ((p + k - radius) % shape[0] + shape[0]) % shape[0]
        }
        let (height, width) = (shape[0], shape[1])
        let row = ((p / width + k / q - radius) % height + height) % height
        let column = ((p % width + k % q - radius) % width + width) % width
        return row * width + column
    }

    /// Returns `f(x)` and `∇_θ f(x)` in the flat order `W^1`, `b^1`, …,
    /// `w`, `b`.
    func outputAndGradient(_ x: [Double]) -> (output: Double, gradient: [Double]) {
        let a = architecture
        let positions = a.positionCount, offsets = a.windowSize, depth = a.depth
        let phi = a.activation
        // activations[l][c][p] is a^l_c(p); activations[0] is the input.
        var activations: [[[Double]]] = [[x]]
        var preActivations: [[[Double]]] = []
        for layer in 1...depth {
            let w = parameters.weights[layer - 1], b = parameters.biases[layer - 1]
            let channels = a.inputChannels(layer: layer)
            let scale = a.weightScale(layer: layer)
            var h = [[Double]](repeating: [Double](repeating: 0, count: positions), count: a.width)
            for out in 0..<a.width {
                for p in 0..<positions {
                    var sum = 0.0
                    for k in 0..<offsets {
                        for c in 0..<channels {
                            sum += w[out, k * channels + c] * activations[layer - 1][c][neighbor(p, k)]
                        }
                    }
                    h[out][p] = scale * sum + a.biasStd * b[out]
                }
            }
            preActivations.append(h)
            activations.append(h.map { $0.map(phi.value) })
        }
        let readout = parameters.weights[depth], readoutScale = a.weightScale(layer: depth + 1)
        let pooled = activations[depth].map { $0.reduce(0, +) / Double(positions) }
        var output = a.biasStd * parameters.biases[depth][0]
        for c in 0..<a.width { output += readoutScale * readout[0, c] * pooled[c] }

        // deltas[l - 1][c][p] is ∂f/∂h^l_c(p).
        var deltas = [[[Double]]](repeating: [], count: depth)
        deltas[depth - 1] = (0..<a.width).map { c in
            (0..<positions).map { p in
                phi.derivative(preActivations[depth - 1][c][p]) * readoutScale * readout[0, c]
                    / Double(positions)
            }
        }
        for layer in stride(from: depth, to: 1, by: -1) {
            let w = parameters.weights[layer - 1], scale = a.weightScale(layer: layer)
            var upstream = [[Double]](repeating: [Double](repeating: 0, count: positions),
                                      count: a.width)
            for out in 0..<a.width {
                for p in 0..<positions {
                    for k in 0..<offsets {
                        for c in 0..<a.width {
                            upstream[c][neighbor(p, k)] += scale * w[out, k * a.width + c]
                                * deltas[layer - 1][out][p]
                        }
                    }
                }
            }
            deltas[layer - 2] = (0..<a.width).map { c in
                (0..<positions).map { p in
                    phi.derivative(preActivations[layer - 2][c][p]) * upstream[c][p]
                }
            }
        }

        var gradient: [Double] = []
        for layer in 1...depth {
            let channels = a.inputChannels(layer: layer), scale = a.weightScale(layer: layer)
            for out in 0..<a.width {
                for k in 0..<offsets {
                    for c in 0..<channels {
                        var sum = 0.0
                        for p in 0..<positions {
                            sum += deltas[layer - 1][out][p] * activations[layer - 1][c][neighbor(p, k)]
                        }
                        gradient.append(scale * sum)
                    }
                }
            }
            for out in 0..<a.width {
                gradient.append(a.biasStd * deltas[layer - 1][out].reduce(0, +))
            }
        }
        gradient.append(contentsOf: pooled.map { readoutScale * $0 })
        gradient.append(a.biasStd)
        return (output, gradient)
    }

    /// Returns the `n × N` Jacobian of the outputs on the rows of `inputs`.
    func jacobian(_ inputs: Matrix) -> Matrix {
        Matrix((0..<inputs.rows).map { outputAndGradient(inputs.row($0)).gradient })
    }
}
