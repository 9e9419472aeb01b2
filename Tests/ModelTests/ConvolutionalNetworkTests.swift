import Foundation
import Model
import Testing
import Theory

/// Small architectures covering both grid kinds, depth, activation, bias
/// and output scale.
let smallConvolutionalArchitectures: [ConvolutionalArchitecture] = {
    var cases: [ConvolutionalArchitecture] = []
    for (shape, depth) in [([5], 1), ([6], 2), ([3, 4], 2), ([3, 3], 3)] {
        for activation in [Activation.relu, .erf, .gelu] {
            for biasStd in [0.0, 0.4] {
                for outputScale in NetworkArchitecture.OutputScale.allCases {
                    cases.append(ConvolutionalArchitecture(
                        spatialShape: shape, filterSize: 3, width: 4, depth: depth,
                        activation: activation, weightStd: 1.3, biasStd: biasStd,
                        outputScale: outputScale))
                }
            }
        }
    }
    return cases
}()

@Suite("Convolutional network")
struct ConvolutionalNetworkTests {
    // Sums over at most a few thousand products in Double, so rounding is
    // near 1e-14 relative, and 1e-10 leaves a wide margin.
    static let exactTolerance = 1e-10

    @Test("outputs and Jacobian match loops", arguments: smallConvolutionalArchitectures)
    func matchesReference(architecture: ConvolutionalArchitecture) {
        let network = ConvolutionalNetwork(architecture: architecture, seed: 201)
        let inputs = gaussianInputs(rows: 5, dimension: architecture.positionCount, seed: 202)
        let reference = ReferenceConvolutionalNetwork(architecture: architecture,
                                                      parameters: network.parameters)
        let expectedOutputs = (0..<inputs.rows).map { reference.outputAndGradient(inputs.row($0)).output }
        #expect(maximumRelativeError(network.outputs(inputs), expectedOutputs) <= Self.exactTolerance)

        let jacobian = reference.jacobian(inputs)
        #expect(jacobian.columns == network.parameterCount)
        let expected = referenceProduct(jacobian, transposing: jacobian)
        for method in ConvolutionalNetwork.EmpiricalKernelMethod.allCases {
            let gram = network.ntkGram(inputs, featureBytesLimit: 1 << 20, method: method)
            #expect(maximumRelativeError(gram.storage, expected.storage) <= Self.exactTolerance,
                    "\(method)")
            #expect(gram == gram.transposed, "\(method)")
        }
        #expect(network.ntkGram(inputs) == network.ntkGram(inputs).transposed)
    }

    @Test("cross kernel and blocks agree with Gram")
    func crossAndBlocks() {
        let architecture = ConvolutionalArchitecture(spatialShape: [3, 4], filterSize: 3, width: 6,
                                                     depth: 2, activation: .relu, weightStd: 1.4,
                                                     biasStd: 0.2)
        let network = ConvolutionalNetwork(architecture: architecture, seed: 211)
        let x = gaussianInputs(rows: 11, dimension: 12, seed: 212)
        let y = gaussianInputs(rows: 4, dimension: 12, seed: 213)
        let reference = ReferenceConvolutionalNetwork(architecture: architecture,
                                                      parameters: network.parameters)
        let expectedCross = referenceProduct(reference.jacobian(x), transposing: reference.jacobian(y))
        let gram = network.ntkGram(x)
        // Chunks of 2 inputs, and one-byte feature limits, which force blocks
        // of one input, so every block and chunk boundary is crossed.
        network.rowsPerChunk = 2
        for method in ConvolutionalNetwork.EmpiricalKernelMethod.allCases {
            let cross = network.ntkCross(x, y, featureBytesLimit: 1, method: method)
            #expect(maximumRelativeError(cross.storage, expectedCross.storage) <= Self.exactTolerance,
                    "\(method)")
            let blockedGram = network.ntkGram(x, featureBytesLimit: 1, method: method)
            #expect(maximumRelativeError(blockedGram.storage, gram.storage) <= Self.exactTolerance,
                    "\(method)")
            #expect(blockedGram == blockedGram.transposed, "\(method)")
            let selfCross = network.ntkCross(x, x, featureBytesLimit: 1 << 20, method: method)
            #expect(maximumRelativeError(selfCross.storage, gram.storage) <= Self.exactTolerance,
                    "\(method)")
        }
    }

    @Test("loss gradient matches finite differences")
    func gradientFiniteDifferences() {
        let architecture = ConvolutionalArchitecture(spatialShape: [3, 3], filterSize: 3, width: 3,
                                                     depth: 2, activation: .erf, weightStd: 1.2,
                                                     biasStd: 0.3)
        let network = ConvolutionalNetwork(architecture: architecture, seed: 221)
        network.rowsPerChunk = 2
        let inputs = gaussianInputs(rows: 5, dimension: 9, seed: 222)
        let targets = [0.3, -0.2, 0.5, 0.1, -0.4]
        let evaluation = network.lossEvaluation(inputs: inputs, targets: targets)
        let analytic = evaluation.gradient.flattened
        let base = network.parameters.flattened
        // Central differences have error O(h²) ≈ 1e-10 at h = 1e-5 and
        // rounding near 1e-16 / 1e-5 = 1e-11, so 1e-7 of the gradient scale
        // is loose enough.
        let h = 1e-5
        var numeric: [Double] = []
        for index in base.indices {
            var plus = base, minus = base
            plus[index] += h
            minus[index] -= h
            numeric.append((loss(architecture, plus, inputs, targets)
                            - loss(architecture, minus, inputs, targets)) / (2 * h))
        }
        #expect(maximumRelativeError(analytic, numeric) <= 1e-7)
        let outputs = network.outputs(inputs)
        #expect(evaluation.residual == zip(outputs, targets).map { $0 - $1 })
        #expect(abs(evaluation.loss - loss(architecture, base, inputs, targets)) <= 1e-15)

        // The gradient is (1/n) Jᵀ r.
        let jacobian = ReferenceConvolutionalNetwork(architecture: architecture,
                                                     parameters: network.parameters).jacobian(inputs)
        let fromJacobian = BLAS.multiply(jacobian, evaluation.residual, transpose: true)
            .map { $0 / 5 }
        #expect(maximumRelativeError(analytic, fromJacobian) <= Self.exactTolerance)
    }

    @Test("step moves against the gradient")
    func stepDirection() {
        let architecture = ConvolutionalArchitecture(spatialShape: [6], filterSize: 3, width: 5,
                                                     depth: 2, activation: .relu, weightStd: 1.4,
                                                     biasStd: 0.1)
        let network = ConvolutionalNetwork(architecture: architecture, seed: 231)
        let start = network.copy()
        let inputs = gaussianInputs(rows: 4, dimension: 6, seed: 232)
        let targets = [1.0, -1.0, 0.5, 0.0]
        let gradient = network.lossEvaluation(inputs: inputs, targets: targets).gradient
        let lossBefore = network.step(learningRate: 0.1, inputs: inputs, targets: targets)
        let expected = start.parameters.adding(gradient, scaledBy: -0.1)
        #expect(maximumRelativeError(network.parameters.flattened, expected.flattened) <= 1e-15)
        #expect(abs(network.parameterDistance(to: start.parameters) - 0.1 * gradient.norm)
                <= 1e-12 * gradient.norm)
        // A second step reuses the gradient buffer and must still be exact.
        let secondGradient = network.lossEvaluation(inputs: inputs, targets: targets).gradient
        let before = network.parameters
        let lossMiddle = network.step(learningRate: 0.1, inputs: inputs, targets: targets)
        #expect(lossMiddle < lossBefore)
        let expectedSecond = before.adding(secondGradient, scaledBy: -0.1)
        #expect(maximumRelativeError(network.parameters.flattened, expectedSecond.flattened) <= 1e-15)
        // The copy did not move.
        #expect(start.parameterDistance(to: start.parameters) == 0)
    }

    @Test("JVP matches Jacobian and differences", arguments: [Activation.relu, .tanh])
    func jacobianVectorProduct(activation: Activation) {
        let architecture = ConvolutionalArchitecture(spatialShape: [3, 4], filterSize: 3, width: 4,
                                                     depth: 3, activation: activation,
                                                     weightStd: 1.3, biasStd: 0.2)
        let network = ConvolutionalNetwork(architecture: architecture, seed: 241)
        network.rowsPerChunk = 3
        let inputs = gaussianInputs(rows: 7, dimension: 12, seed: 242)
        let direction = NetworkParameters(drawnFrom: GaussianSource(seed: 243),
                                          architecture: architecture)
        let jvp = network.jacobianVectorProduct(inputs, direction: direction)
        let jacobian = ReferenceConvolutionalNetwork(architecture: architecture,
                                                     parameters: network.parameters).jacobian(inputs)
        let expected = BLAS.multiply(jacobian, direction.flattened)
        #expect(maximumRelativeError(jvp, expected) <= Self.exactTolerance)

        // Central differences along the direction. ReLU is piecewise linear,
        // so a step that crosses no kink gives the derivative to rounding.
        let h = 1e-6
        let plus = network.copy(), minus = network.copy()
        plus.moveParameters(along: direction, scaledBy: h)
        minus.moveParameters(along: direction, scaledBy: -h)
        let numeric = zip(plus.outputs(inputs), minus.outputs(inputs)).map { ($0 - $1) / (2 * h) }
        #expect(maximumRelativeError(jvp, numeric) <= 1e-6)
    }

    @Test("NNGP feature kernel is the readout term")
    func nngpFeatureKernel() {
        let architecture = ConvolutionalArchitecture(spatialShape: [5], filterSize: 3, width: 4,
                                                     depth: 2, activation: .erf, weightStd: 1.3,
                                                     biasStd: 0.4, outputScale: .meanField)
        let network = ConvolutionalNetwork(architecture: architecture, seed: 251)
        let x = gaussianInputs(rows: 5, dimension: 5, seed: 252)
        let y = gaussianInputs(rows: 3, dimension: 5, seed: 253)
        let reference = ReferenceConvolutionalNetwork(architecture: architecture,
                                                      parameters: network.parameters)
        // The readout columns of the Jacobian are the last m + 1 entries.
        let readoutColumns = (network.parameterCount - architecture.width - 1)..<network.parameterCount
        func readoutJacobian(_ inputs: Matrix) -> Matrix {
            let full = reference.jacobian(inputs)
            return Matrix((0..<inputs.rows).map { i in readoutColumns.map { full[i, $0] } })
        }
        let expectedGram = referenceProduct(readoutJacobian(x), transposing: readoutJacobian(x))
        let gram = network.nngpFeatureGram(x)
        #expect(maximumRelativeError(gram.storage, expectedGram.storage) <= Self.exactTolerance)
        #expect(gram == gram.transposed)
        let expectedCross = referenceProduct(readoutJacobian(x), transposing: readoutJacobian(y))
        let cross = network.nngpFeatureCross(x, y)
        #expect(maximumRelativeError(cross.storage, expectedCross.storage) <= Self.exactTolerance)
    }

    @Test("one position and q = 1 equal fully connected", arguments: [1, 3])
    func equalsFullyConnected(depth: Int) {
        let conv = ConvolutionalArchitecture(spatialShape: [1], filterSize: 1, width: 7, depth: depth,
                                             activation: .tanh, weightStd: 1.3, biasStd: 0.2)
        let dense = NetworkArchitecture(inputDimension: 1, width: 7, depth: depth, activation: .tanh,
                                        weightStd: 1.3, biasStd: 0.2)
        let convolutional = ConvolutionalNetwork(architecture: conv, seed: 261)
        let fullyConnected = FullyConnectedNetwork(architecture: dense, seed: 261)
        #expect(convolutional.parameters == fullyConnected.parameters)
        let inputs = gaussianInputs(rows: 6, dimension: 1, seed: 262)
        let targets = [0.1, 0.2, -0.3, 0.4, 0.0, -0.1]
        #expect(maximumRelativeError(convolutional.outputs(inputs), fullyConnected.outputs(inputs))
                <= 1e-14)
        #expect(maximumRelativeError(convolutional.ntkGram(inputs).storage,
                                     fullyConnected.ntkGram(inputs).storage) <= 1e-13)
        let convGradient = convolutional.lossEvaluation(inputs: inputs, targets: targets).gradient
        let denseGradient = fullyConnected.lossEvaluation(inputs: inputs, targets: targets).gradient
        #expect(maximumRelativeError(convGradient.flattened, denseGradient.flattened) <= 1e-13)
    }

    @Test("architecture shapes and validation")
    func architectureShapes() throws {
        let architecture = ConvolutionalArchitecture(spatialShape: [8, 8], filterSize: 3, width: 16,
                                                     depth: 3, activation: .relu, weightStd: 1.4,
                                                     biasStd: 0.1)
        #expect(architecture.positionCount == 64)
        #expect(architecture.windowSize == 9)
        #expect(architecture.parameterCount == 16 * 10 + 2 * 16 * (144 + 1) + 17)
        #expect(architecture.weightScale(layer: 1) == 1.4 / 3)
        #expect(architecture.weightScale(layer: 2) == 1.4 / 12)
        #expect(architecture.weightScale(layer: 4) == 1.4 / 4)
        let encoded = try JSONEncoder().encode(architecture)
        #expect(try JSONDecoder().decode(ConvolutionalArchitecture.self, from: encoded) == architecture)
        let invalid = String(decoding: encoded, as: UTF8.self)
            .replacingOccurrences(of: "\"filterSize\":3", with: "\"filterSize\":4")
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ConvolutionalArchitecture.self, from: Data(invalid.utf8))
        }
    }
}

/// Returns `Φ = (1/2n) Σ (f(x_i) − y_i)²` at the flat parameters `theta`.
private func loss(_ architecture: ConvolutionalArchitecture, _ theta: [Double], _ inputs: Matrix,
                  _ targets: [Double]) -> Double {
    var offset = 0
    var weights: [Matrix] = [], biases: [[Double]] = []
    for shape in architecture.weightShapes {
        let count = shape.rows * shape.columns
        weights.append(Matrix(rows: shape.rows, columns: shape.columns,
                              storage: Array(theta[offset..<(offset + count)])))
        offset += count
        biases.append(Array(theta[offset..<(offset + shape.rows)]))
        offset += shape.rows
    }
    let network = ConvolutionalNetwork(architecture: architecture,
                                       parameters: NetworkParameters(weights: weights, biases: biases))
    let residual = zip(network.outputs(inputs), targets).map { $0 - $1 }
    return 0.5 * BLAS.dot(residual, residual) / Double(targets.count)
}
