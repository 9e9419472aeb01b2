import Foundation
import Model
import Theory

/// A one-input-at-a-time network written with plain loops, independent of
/// the batched BLAS code, used as the reference in tests.
struct ReferenceNetwork {
    let architecture: NetworkArchitecture
    let parameters: NetworkParameters

    /// Weight scales written out from the definition: `σ_w/√d` for layer 1,
    /// `σ_w/√m` for hidden layers, and `σ_w/√m` or `σ_w/m` for the readout.
    var scales: [Double] {
        let a = architecture
        let hidden = a.weightStd / Double(a.width).squareRoot()
        let readout = a.outputScale == .ntk ? hidden : a.weightStd / Double(a.width)
        return [a.weightStd / Double(a.inputDimension).squareRoot()]
            + Array(repeating: hidden, count: a.depth - 1) + [readout]
    }

    /// Returns `f(x)` and the gradient `∇_θ f(x)` in the flat order
    /// `W^1`, `b^1`, …, `W^{L+1}`, `b^{L+1}`.
    func outputAndGradient(_ x: [Double]) -> (output: Double, gradient: [Double]) {
        let layers = architecture.depth + 1
        let phi = architecture.activation
        let s = scales
        var activations = [x]
        var preActivations: [[Double]] = []
        for l in 0..<layers {
            let w = parameters.weights[l]
            let b = parameters.biases[l]
            var h = [Double](repeating: 0, count: w.rows)
            for j in 0..<w.rows {
                var sum = 0.0
                for k in 0..<w.columns { sum += w[j, k] * activations[l][k] }
                h[j] = s[l] * sum + architecture.biasStd * b[j]
            }
            preActivations.append(h)
            activations.append(h.map(phi.value))
        }

        // deltas[l] is ∂f/∂h^{l+1}.
        var deltas = [[Double]](repeating: [], count: layers)
        deltas[layers - 1] = [1]
        for l in stride(from: layers - 2, through: 0, by: -1) {
            let w = parameters.weights[l + 1]
            deltas[l] = (0..<w.columns).map { k in
                var sum = 0.0
                for j in 0..<w.rows { sum += s[l + 1] * w[j, k] * deltas[l + 1][j] }
                return phi.derivative(preActivations[l][k]) * sum
            }
        }

        var gradient: [Double] = []
        for l in 0..<layers {
            for j in deltas[l].indices {
                for k in activations[l].indices {
                    gradient.append(s[l] * deltas[l][j] * activations[l][k])
                }
            }
            gradient.append(contentsOf: deltas[l].map { architecture.biasStd * $0 })
        }
        return (preActivations[layers - 1][0], gradient)
    }

    /// Returns the `n × P` Jacobian of the outputs on the rows of `inputs`.
    func jacobian(_ inputs: Matrix) -> Matrix {
        Matrix((0..<inputs.rows).map { outputAndGradient(inputs.row($0)).gradient })
    }
}

/// Returns `a bᵀ` with plain loops.
func referenceProduct(_ a: Matrix, transposing b: Matrix) -> Matrix {
    var c = Matrix(rows: a.rows, columns: b.rows)
    for i in 0..<a.rows {
        for j in 0..<b.rows {
            var sum = 0.0
            for k in 0..<a.columns { sum += a[i, k] * b[j, k] }
            c[i, j] = sum
        }
    }
    return c
}

/// Returns the largest absolute entry of `a − b` divided by the largest
/// absolute entry of `b`.
func maximumRelativeError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "Compared vectors differ in length.")
    let scale = b.map(abs).max() ?? 0
    let error = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    return scale > 0 ? error / scale : error
}

/// Returns `rows × d` standard normal inputs drawn from `seed`.
func gaussianInputs(rows: Int, dimension: Int, seed: UInt64) -> Matrix {
    Matrix(rows: rows, columns: dimension,
           storage: GaussianSource(seed: seed).normals(rows * dimension))
}

/// Small architectures covering depth, activation, bias and output scale.
let smallArchitectures: [NetworkArchitecture] = {
    var cases: [NetworkArchitecture] = []
    for depth in 1...3 {
        for activation in Activation.allCases {
            for biasStd in [0.0, 0.4] {
                for outputScale in NetworkArchitecture.OutputScale.allCases {
                    cases.append(NetworkArchitecture(
                        inputDimension: 3, width: 5, depth: depth, activation: activation,
                        weightStd: 1.3, biasStd: biasStd, outputScale: outputScale))
                }
            }
        }
    }
    return cases
}()
