import Foundation
import Model
import Testing
import Theory

@Suite("FullyConnectedNetwork")
struct FullyConnectedNetworkTests {
    // Sums of a few dozen products in Double, so rounding stays near
    // 1e-15 relative, and 1e-12 leaves a wide margin.
    static let exactTolerance = 1e-12

    @Test("outputs match the reference", arguments: smallArchitectures)
    func outputsMatchReference(architecture: NetworkArchitecture) {
        let network = FullyConnectedNetwork(architecture: architecture, seed: 11)
        let inputs = gaussianInputs(rows: 6, dimension: 3, seed: 12)
        let reference = ReferenceNetwork(architecture: architecture,
                                         parameters: network.parameters)
        let expected = (0..<inputs.rows).map { reference.outputAndGradient(inputs.row($0)).output }
        let error = maximumRelativeError(network.outputs(inputs), expected)
        #expect(error <= Self.exactTolerance, "\(architecture)")
    }

    @Test("same seed gives same outputs")
    func sameSeedSameOutputs() {
        let architecture = smallArchitectures[5]
        let inputs = gaussianInputs(rows: 4, dimension: 3, seed: 3)
        let first = FullyConnectedNetwork(architecture: architecture, seed: 42)
        let second = FullyConnectedNetwork(architecture: architecture, seed: 42)
        let other = FullyConnectedNetwork(architecture: architecture, seed: 43)
        #expect(first.parameters == second.parameters)
        #expect(first.outputs(inputs) == second.outputs(inputs))
        #expect(first.outputs(inputs) != other.outputs(inputs))
    }

    @Test("parameters follow the documented draw order")
    func drawOrder() {
        let architecture = NetworkArchitecture(
            inputDimension: 2, width: 3, depth: 1, activation: .relu, weightStd: 1, biasStd: 0)
        let network = FullyConnectedNetwork(architecture: architecture, seed: 7)
        let draws = GaussianSource(seed: 7).normals(architecture.parameterCount)
        // W^1 (3x2, row-major), b^1 (3), W^2 (1x3), b^2 (1).
        #expect(network.parameters.weights[0].storage == Array(draws[0..<6]))
        #expect(network.parameters.biases[0] == Array(draws[6..<9]))
        #expect(network.parameters.weights[1].storage == Array(draws[9..<12]))
        #expect(network.parameters.biases[1] == [draws[12]])
        #expect(network.parameters.flattened == draws)
        #expect(network.parameterCount == 13)
    }

    @Test("chunk size does not change outputs")
    func chunkingInvariance() {
        let architecture = smallArchitectures[17]
        let inputs = gaussianInputs(rows: 11, dimension: 3, seed: 5)
        let network = FullyConnectedNetwork(architecture: architecture, seed: 9)
        let whole = network.outputs(inputs)
        network.rowsPerChunk = 3
        let error = maximumRelativeError(network.outputs(inputs), whole)
        #expect(error <= Self.exactTolerance)
    }

    @Test("mean-field readout divides by the square root of the width",
          arguments: [0.0, 0.5])
    func meanFieldReadout(biasStd: Double) {
        let width = 9
        let ntk = NetworkArchitecture(inputDimension: 3, width: width, depth: 2,
                                      activation: .erf, weightStd: 1.2, biasStd: biasStd,
                                      outputScale: .ntk)
        let meanField = NetworkArchitecture(inputDimension: 3, width: width, depth: 2,
                                            activation: .erf, weightStd: 1.2,
                                            biasStd: biasStd, outputScale: .meanField)
        let inputs = gaussianInputs(rows: 5, dimension: 3, seed: 21)
        let ntkNetwork = FullyConnectedNetwork(architecture: ntk, seed: 4)
        let meanFieldNetwork = FullyConnectedNetwork(architecture: meanField, seed: 4)
        #expect(ntkNetwork.parameters == meanFieldNetwork.parameters)

        // Only the weight part of the readout is rescaled, and the bias term
        // σ_b b^{L+1} is shared.
        let readoutBias = biasStd * ntkNetwork.parameters.biases[2][0]
        let expected = ntkNetwork.outputs(inputs).map {
            ($0 - readoutBias) / Double(width).squareRoot() + readoutBias
        }
        let error = maximumRelativeError(meanFieldNetwork.outputs(inputs), expected)
        #expect(error <= Self.exactTolerance)
        #expect(meanField.weightScale(layer: 3) == 1.2 / Double(width))
        #expect(ntk.weightScale(layer: 3) == 1.2 / Double(width).squareRoot())
    }

    @Test("backpropagation matches the reference", arguments: smallArchitectures)
    func backpropagationMatchesReference(architecture: NetworkArchitecture) {
        let network = FullyConnectedNetwork(architecture: architecture, seed: 31)
        let inputs = gaussianInputs(rows: 4, dimension: 3, seed: 32)
        let pass = network.forwardBackward(inputs)
        #expect(pass.activations.count == architecture.depth + 1)
        #expect(pass.preActivations.count == architecture.depth)
        #expect(pass.deltas.count == architecture.depth + 1)
        #expect(pass.activations[0] == inputs)
        #expect(pass.deltas[architecture.depth].storage == [1, 1, 1, 1])

        // The Jacobian row built from the pass must match the reference.
        let reference = ReferenceNetwork(architecture: architecture,
                                         parameters: network.parameters)
        for i in 0..<inputs.rows {
            var row: [Double] = []
            for layer in 1...architecture.layerCount {
                let delta = pass.deltas[layer - 1].row(i)
                let activation = pass.activations[layer - 1].row(i)
                let scale = architecture.weightScale(layer: layer)
                for dj in delta { row.append(contentsOf: activation.map { scale * dj * $0 }) }
                row.append(contentsOf: delta.map { architecture.biasStd * $0 })
            }
            let expected = reference.outputAndGradient(inputs.row(i)).gradient
            #expect(maximumRelativeError(row, expected) <= Self.exactTolerance, "row \(i)")
        }
    }

    @Test("loss gradient equals Jacobian transpose residual", arguments: smallArchitectures)
    func lossGradientMatchesJacobian(architecture: NetworkArchitecture) {
        let network = FullyConnectedNetwork(architecture: architecture, seed: 41)
        network.rowsPerChunk = 2
        let inputs = gaussianInputs(rows: 5, dimension: 3, seed: 42)
        let targets = GaussianSource(seed: 43).normals(5)
        let jacobian = ReferenceNetwork(architecture: architecture,
                                        parameters: network.parameters).jacobian(inputs)
        let residual = zip(network.outputs(inputs), targets).map { $0 - $1 }
        let expected = BLAS.multiply(jacobian, residual, transpose: true).map { $0 / 5 }
        let gradient = network.lossGradient(inputs: inputs, targets: targets).flattened
        #expect(maximumRelativeError(gradient, expected) <= Self.exactTolerance)
    }

    @Test("loss gradient matches central differences", arguments: smallArchitectures)
    func lossGradientMatchesFiniteDifferences(architecture: NetworkArchitecture) {
        let network = FullyConnectedNetwork(architecture: architecture, seed: 51)
        let inputs = gaussianInputs(rows: 5, dimension: 3, seed: 52)
        let targets = GaussianSource(seed: 53).normals(5)
        let gradient = network.lossGradient(inputs: inputs, targets: targets).flattened
        let theta = network.parameters.flattened
        // Central differences with step h = 1e-5 have truncation error
        // h² |Φ'''| / 6 ≈ 1e-11 and rounding error ε |Φ| / h ≈ 1e-11 for
        // Φ of order 1, so 1e-7 absolute leaves a factor of 10⁴.
        let h = 1e-5
        let tolerance = 1e-7
        let probe = network.copy()
        for p in theta.indices {
            var plus = theta
            plus[p] += h
            var minus = theta
            minus[p] -= h
            probe.setParameters(NetworkParameters(architecture: architecture, flattened: plus))
            let lossPlus = probe.loss(inputs: inputs, targets: targets)
            probe.setParameters(NetworkParameters(architecture: architecture, flattened: minus))
            let lossMinus = probe.loss(inputs: inputs, targets: targets)
            let difference = (lossPlus - lossMinus) / (2 * h)
            #expect(abs(difference - gradient[p]) <= tolerance,
                    "parameter \(p), \(architecture)")
        }
    }

    @Test("gradient step decreases the loss", arguments: Activation.allCases)
    func stepDecreasesLoss(activation: Activation) {
        let architecture = NetworkArchitecture(inputDimension: 3, width: 64, depth: 2,
                                               activation: activation, weightStd: 1.4,
                                               biasStd: 0.1)
        let network = FullyConnectedNetwork(architecture: architecture, seed: 61)
        let inputs = gaussianInputs(rows: 8, dimension: 3, seed: 62)
        let targets = (0..<8).map { sin(inputs[$0, 0]) + inputs[$0, 1] * inputs[$0, 2] }
        let initial = network.loss(inputs: inputs, targets: targets)
        var previous = initial
        for k in 0..<50 {
            let before = network.step(learningRate: 0.2, inputs: inputs, targets: targets)
            #expect(before == previous, "step \(k)")
            let after = network.loss(inputs: inputs, targets: targets)
            #expect(after < before, "step \(k)")
            previous = after
        }
        #expect(previous < 0.5 * initial)
    }

    @Test("parameter distance after one step")
    func parameterDistance() {
        let architecture = smallArchitectures[9]
        let network = FullyConnectedNetwork(architecture: architecture, seed: 71)
        let start = network.copy()
        let inputs = gaussianInputs(rows: 4, dimension: 3, seed: 72)
        let targets = [0.5, -0.2, 0.1, 0.3]
        let gradient = network.lossGradient(inputs: inputs, targets: targets)
        #expect(network.parameterDistance(to: start) == 0)
        network.step(learningRate: 0.3, inputs: inputs, targets: targets)
        let distance = network.parameterDistance(to: start)
        let expected = 0.3 * gradient.norm
        #expect(abs(distance - expected) <= Self.exactTolerance * expected)
        #expect(network.parameterDistance(to: start.parameters) == distance)
    }
}
