import Foundation
import Model
import Theory

/// A one-input-at-a-time residual network written with plain loops,
/// independent of the batched BLAS code, used as the reference in tests.
struct ReferenceResidualNetwork {
    let architecture: ResidualArchitecture
    let parameters: NetworkParameters

    /// Returns `f(x)` and the gradient `∇_θ f(x)` in the flat order
    /// `W⁰`, `b⁰`, `W¹`, …, `Wᴮ`, `w`, `b`.
    func outputAndGradient(_ x: [Double]) -> (output: Double, gradient: [Double]) {
        let a = architecture
        let phi = a.activation
        let m = a.width, d = a.inputDimension, blocks = a.blocks
        let inputScale = a.weightStd / Double(d).squareRoot()
        let branchScale = a.branchScale * a.weightStd / Double(m).squareRoot()
        let readoutScale = a.outputScale == .ntk
            ? a.weightStd / Double(m).squareRoot() : a.weightStd / Double(m)

        // states[k] is hᵏ.
        var states: [[Double]] = []
        let w0 = parameters.weights[0], b0 = parameters.biases[0]
        states.append((0..<m).map { j in
            var sum = 0.0
            for k in 0..<d { sum += w0[j, k] * x[k] }
            return inputScale * sum + a.biasStd * b0[j]
        })
        for block in 1...blocks {
            let w = parameters.weights[block]
            let previous = states[block - 1]
            states.append((0..<m).map { j in
                var sum = 0.0
                for k in 0..<m { sum += w[j, k] * phi.value(previous[k]) }
                return previous[j] + branchScale * sum
            })
        }
        let readout = parameters.weights[blocks + 1]
        var output = a.biasStd * parameters.biases[blocks + 1][0]
        for k in 0..<m { output += readoutScale * readout[0, k] * phi.value(states[blocks][k]) }

        // deltas[k] is ∂f/∂hᵏ.
        var deltas = [[Double]](repeating: [], count: blocks + 1)
        deltas[blocks] = (0..<m).map {
            readoutScale * readout[0, $0] * phi.derivative(states[blocks][$0])
        }
        for block in stride(from: blocks, through: 1, by: -1) {
            let w = parameters.weights[block]
            deltas[block - 1] = (0..<m).map { k in
                var sum = 0.0
                for j in 0..<m { sum += w[j, k] * deltas[block][j] }
                return deltas[block][k]
                    + branchScale * phi.derivative(states[block - 1][k]) * sum
            }
        }

        var gradient: [Double] = []
        for j in 0..<m {
            for k in 0..<d { gradient.append(inputScale * deltas[0][j] * x[k]) }
        }
        gradient.append(contentsOf: deltas[0].map { a.biasStd * $0 })
        for block in 1...blocks {
            for j in 0..<m {
                for k in 0..<m {
                    gradient.append(branchScale * deltas[block][j]
                                        * phi.value(states[block - 1][k]))
                }
            }
        }
        gradient.append(contentsOf: states[blocks].map { readoutScale * phi.value($0) })
        gradient.append(a.biasStd)
        return (output, gradient)
    }

    /// Returns the `n × P` Jacobian of the outputs on the rows of `inputs`.
    func jacobian(_ inputs: Matrix) -> Matrix {
        Matrix((0..<inputs.rows).map { outputAndGradient(inputs.row($0)).gradient })
    }
}

/// Small residual architectures covering blocks, activation, bias, branch
/// scale and output scale.
let smallResidualArchitectures: [ResidualArchitecture] = {
    var cases: [ResidualArchitecture] = []
    for blocks in [1, 3] {
        for activation in Activation.allCases {
            for (biasStd, branchScale) in [(0.0, nil), (0.4, 1.3)] as [(Double, Double?)] {
                for outputScale in NetworkArchitecture.OutputScale.allCases {
                    cases.append(ResidualArchitecture(
                        inputDimension: 3, width: 5, blocks: blocks, activation: activation,
                        weightStd: 1.3, biasStd: biasStd, branchScale: branchScale,
                        outputScale: outputScale))
                }
            }
        }
    }
    return cases
}()
