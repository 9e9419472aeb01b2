import Foundation
import Model
import Testing
import Theory

@Suite("ResidualNetwork")
struct ResidualNetworkTests {
    // Sums of at most a few hundred products in Double, so rounding stays
    // near 1e-14 relative, and 1e-12 leaves a wide margin.
    static let exactTolerance = 1e-12
    // Gram entries sum B + 2 Hadamard terms of gemm products; 1e-10 relative
    // to the largest entry is the tolerance the kernel checks use.
    static let kernelTolerance = 1e-10

    @Test("outputs match the reference", arguments: smallResidualArchitectures)
    func outputsMatchReference(architecture: ResidualArchitecture) {
        let network = ResidualNetwork(architecture: architecture, seed: 11)
        let inputs = gaussianInputs(rows: 6, dimension: 3, seed: 12)
        let reference = ReferenceResidualNetwork(architecture: architecture,
                                                 parameters: network.parameters)
        let expected = (0..<inputs.rows).map {
            reference.outputAndGradient(inputs.row($0)).output
        }
        #expect(maximumRelativeError(network.outputs(inputs), expected) <= Self.exactTolerance,
                "\(architecture)")
        network.rowsPerChunk = 4
        #expect(maximumRelativeError(network.outputs(inputs), expected) <= Self.exactTolerance,
                "\(architecture), chunks of 4")
    }

    @Test("parameters follow the documented draw order")
    func drawOrder() {
        let architecture = ResidualArchitecture(inputDimension: 2, width: 3, blocks: 2,
                                                activation: .relu, weightStd: 1, biasStd: 0)
        let network = ResidualNetwork(architecture: architecture, seed: 7)
        // W⁰ (3x2), b⁰ (3), W¹ (3x3), W² (3x3), w (1x3), b (1).
        #expect(network.parameterCount == 6 + 3 + 9 + 9 + 3 + 1)
        let draws = GaussianSource(seed: 7).normals(network.parameterCount)
        let parameters = network.parameters
        #expect(parameters.weights.count == 4)
        #expect(parameters.weights[0].storage == Array(draws[0..<6]))
        #expect(parameters.biases[0] == Array(draws[6..<9]))
        #expect(parameters.weights[1].storage == Array(draws[9..<18]))
        #expect(parameters.biases[1].isEmpty)
        #expect(parameters.weights[2].storage == Array(draws[18..<27]))
        #expect(parameters.biases[2].isEmpty)
        #expect(parameters.weights[3].storage == Array(draws[27..<30]))
        #expect(parameters.biases[3] == [draws[30]])
        #expect(parameters.flattened == draws)
        #expect(NetworkParameters(architecture: architecture, flattened: draws) == parameters)
        #expect(architecture.branchScale == 1 / 2.0.squareRoot())
    }

    @Test("loss gradient matches central differences", arguments: smallResidualArchitectures)
    func gradientMatchesFiniteDifferences(architecture: ResidualArchitecture) {
        let network = ResidualNetwork(architecture: architecture, seed: 21)
        let inputs = gaussianInputs(rows: 5, dimension: 3, seed: 22)
        let targets = GaussianSource(seed: 23).normals(5)
        let evaluation = network.lossEvaluation(inputs: inputs, targets: targets)
        let gradient = evaluation.gradient.flattened
        let theta = network.parameters.flattened
        // Central differences with step h = 1e-5 have truncation error
        // h² |Φ'''| / 6 ≈ 1e-11 and rounding error ε |Φ| / h ≈ 1e-11 for Φ
        // of order 1. Relative to the largest gradient entry, 1e-6 leaves a
        // wide margin. A ReLU kink within h of a pre-activation would break
        // the differences, and at these seeds there is none.
        let h = 1e-5
        let relativeTolerance = 1e-6
        let probe = network.copy()
        var differences: [Double] = []
        for p in theta.indices {
            var plus = theta
            plus[p] += h
            var minus = theta
            minus[p] -= h
            probe.setParameters(NetworkParameters(architecture: architecture, flattened: plus))
            let lossPlus = probe.loss(inputs: inputs, targets: targets)
            probe.setParameters(NetworkParameters(architecture: architecture, flattened: minus))
            let lossMinus = probe.loss(inputs: inputs, targets: targets)
            differences.append((lossPlus - lossMinus) / (2 * h))
        }
        let error = maximumRelativeError(gradient, differences)
        #expect(error <= relativeTolerance, "\(architecture): relative error \(error)")

        // The loss and residual come from the same pass.
        let outputs = network.outputs(inputs)
        let residual = zip(outputs, targets).map { $0 - $1 }
        #expect(maximumRelativeError(evaluation.residual, residual) <= Self.exactTolerance)
        let loss = 0.5 * residual.reduce(0) { $0 + $1 * $1 } / 5
        #expect(abs(evaluation.loss - loss) <= Self.exactTolerance * loss)
    }

    @Test("loss gradient equals Jacobian transpose residual",
          arguments: smallResidualArchitectures)
    func gradientMatchesJacobian(architecture: ResidualArchitecture) {
        let network = ResidualNetwork(architecture: architecture, seed: 31)
        network.rowsPerChunk = 2
        let inputs = gaussianInputs(rows: 5, dimension: 3, seed: 32)
        let targets = GaussianSource(seed: 33).normals(5)
        let jacobian = ReferenceResidualNetwork(architecture: architecture,
                                                parameters: network.parameters).jacobian(inputs)
        #expect(jacobian.columns == network.parameterCount)
        let residual = zip(network.outputs(inputs), targets).map { $0 - $1 }
        let expected = BLAS.multiply(jacobian, residual, transpose: true).map { $0 / 5 }
        let gradient = network.lossEvaluation(inputs: inputs, targets: targets).gradient
        #expect(maximumRelativeError(gradient.flattened, expected) <= Self.exactTolerance)
    }

    @Test("Jacobian-vector product matches differences of outputs",
          arguments: smallResidualArchitectures)
    func jacobianVectorProduct(architecture: ResidualArchitecture) {
        let network = ResidualNetwork(architecture: architecture, seed: 41)
        network.rowsPerChunk = 3
        let inputs = gaussianInputs(rows: 7, dimension: 3, seed: 42)
        let v = GaussianSource(seed: 43).normals(network.parameterCount)
        let direction = NetworkParameters(architecture: architecture, flattened: v)
        let product = network.jacobianVectorProduct(inputs, direction: direction)

        let jacobian = ReferenceResidualNetwork(architecture: architecture,
                                                parameters: network.parameters).jacobian(inputs)
        #expect(maximumRelativeError(product, BLAS.multiply(jacobian, v)) <= Self.exactTolerance)

        // Central differences along v with h = 1e-5: truncation h² |f'''| ≈
        // 1e-10 and rounding ε |f| / h ≈ 1e-11, so 1e-6 relative to the
        // largest entry leaves a wide margin.
        let h = 1e-5
        let plus = network.copy()
        plus.moveParameters(along: direction, scaledBy: h)
        let minus = network.copy()
        minus.moveParameters(along: direction, scaledBy: -h)
        let differences = zip(plus.outputs(inputs), minus.outputs(inputs)).map {
            ($0 - $1) / (2 * h)
        }
        let error = maximumRelativeError(product, differences)
        #expect(error <= 1e-6, "\(architecture): relative error \(error)")
    }

    @Test("NTK Gram equals J Jᵀ and is symmetric", arguments: smallResidualArchitectures)
    func gramEqualsJacobianProduct(architecture: ResidualArchitecture) {
        let network = ResidualNetwork(architecture: architecture, seed: 51)
        let inputs = gaussianInputs(rows: 6, dimension: 3, seed: 52)
        let jacobian = ReferenceResidualNetwork(architecture: architecture,
                                                parameters: network.parameters).jacobian(inputs)
        let expected = referenceProduct(jacobian, transposing: jacobian)
        let gram = network.ntkGram(inputs)
        #expect(maximumRelativeError(gram.storage, expected.storage) <= Self.kernelTolerance,
                "\(architecture)")
        #expect(gram == gram.transposed)
    }

    @Test("NTK cross kernel equals J_x J_yᵀ", arguments: smallResidualArchitectures)
    func crossEqualsJacobianProduct(architecture: ResidualArchitecture) {
        let network = ResidualNetwork(architecture: architecture, seed: 61)
        let x = gaussianInputs(rows: 4, dimension: 3, seed: 62)
        let y = gaussianInputs(rows: 7, dimension: 3, seed: 63)
        let reference = ReferenceResidualNetwork(architecture: architecture,
                                                 parameters: network.parameters)
        let expected = referenceProduct(reference.jacobian(x), transposing: reference.jacobian(y))
        let cross = network.ntkCross(x, y)
        #expect(cross.rows == 4)
        #expect(cross.columns == 7)
        #expect(maximumRelativeError(cross.storage, expected.storage) <= Self.kernelTolerance)
    }

    @Test("chunks and blocks do not change the NTK")
    func chunkingInvariance() {
        let architecture = ResidualArchitecture(inputDimension: 3, width: 16, blocks: 3,
                                                activation: .relu, weightStd: 1.4, biasStd: 0.2)
        let network = ResidualNetwork(architecture: architecture, seed: 71)
        let x = gaussianInputs(rows: 23, dimension: 3, seed: 72)
        let y = gaussianInputs(rows: 10, dimension: 3, seed: 73)
        let gram = network.ntkGram(x)
        let cross = network.ntkCross(x, y)

        // Chunks of 4 rows, and a limit of one byte, which forces blocks of
        // one chunk, so both the sliced and the recomputed paths run. A
        // limit of three chunks' features gives blocks of three chunks.
        network.rowsPerChunk = 4
        let chunkedGram = network.ntkGram(x, featureBytesLimit: 1)
        let chunkedCross = network.ntkCross(x, y, featureBytesLimit: 1)
        let blockedGram = network.ntkGram(x, featureBytesLimit: 3 * 4 * 8 * (3 + 8 * 16 + 1))
        #expect(maximumRelativeError(chunkedGram.storage, gram.storage) <= Self.exactTolerance)
        #expect(maximumRelativeError(blockedGram.storage, gram.storage) <= Self.exactTolerance)
        #expect(maximumRelativeError(chunkedCross.storage, cross.storage) <= Self.exactTolerance)
        #expect(chunkedGram == chunkedGram.transposed)
        #expect(blockedGram == blockedGram.transposed)

        // The cross kernel of x with itself is the Gram matrix.
        let selfCross = network.ntkCross(x, x)
        #expect(maximumRelativeError(selfCross.storage, gram.storage) <= Self.exactTolerance)
    }

    @Test("NNGP feature kernel is the readout term", arguments: smallResidualArchitectures)
    func nngpFeatureKernel(architecture: ResidualArchitecture) {
        let network = ResidualNetwork(architecture: architecture, seed: 81)
        network.rowsPerChunk = 2
        let x = gaussianInputs(rows: 5, dimension: 3, seed: 82)
        // The readout columns of the Jacobian are the last m weight entries
        // and the readout bias.
        let readoutColumns = (network.parameterCount - architecture.width - 1)
            ..< network.parameterCount
        let full = ReferenceResidualNetwork(architecture: architecture,
                                            parameters: network.parameters).jacobian(x)
        let readout = Matrix((0..<x.rows).map { i in readoutColumns.map { full[i, $0] } })
        let expected = referenceProduct(readout, transposing: readout)
        let gram = network.nngpFeatureGram(x)
        #expect(maximumRelativeError(gram.storage, expected.storage) <= Self.exactTolerance)
        #expect(gram == gram.transposed)
    }

    @Test("mean-field readout divides by the square root of the width")
    func meanFieldReadout() {
        let width = 9
        let make = { (scale: NetworkArchitecture.OutputScale) in
            ResidualNetwork(
                architecture: ResidualArchitecture(inputDimension: 3, width: width, blocks: 2,
                                                   activation: .erf, weightStd: 1.2,
                                                   biasStd: 0.5, outputScale: scale),
                seed: 91)
        }
        let ntk = make(.ntk), meanField = make(.meanField)
        #expect(ntk.parameters == meanField.parameters)
        let inputs = gaussianInputs(rows: 5, dimension: 3, seed: 92)
        // Only the weight part of the readout is rescaled, and the bias term
        // σ_b b is shared.
        let readoutBias = 0.5 * ntk.parameters.biases[3][0]
        let expected = ntk.outputs(inputs).map {
            ($0 - readoutBias) / Double(width).squareRoot() + readoutBias
        }
        #expect(maximumRelativeError(meanField.outputs(inputs), expected) <= Self.exactTolerance)
    }

    @Test("gradient steps decrease the loss", arguments: Activation.allCases)
    func stepDecreasesLoss(activation: Activation) {
        let architecture = ResidualArchitecture(inputDimension: 3, width: 64, blocks: 3,
                                                activation: activation, weightStd: 1.2,
                                                biasStd: 0.1)
        let network = ResidualNetwork(architecture: architecture, seed: 101)
        let inputs = gaussianInputs(rows: 8, dimension: 3, seed: 102)
        let targets = (0..<8).map { sin(inputs[$0, 0]) + inputs[$0, 1] * inputs[$0, 2] }
        let initial = network.loss(inputs: inputs, targets: targets)
        var previous = initial
        for k in 0..<50 {
            let before = network.step(learningRate: 0.1, inputs: inputs, targets: targets)
            #expect(before == previous, "step \(k)")
            let after = network.loss(inputs: inputs, targets: targets)
            #expect(after < before, "step \(k)")
            previous = after
        }
        #expect(previous < 0.5 * initial, "\(activation): \(initial) to \(previous)")
    }

    @Test("steps move the parameters by the gradient")
    func stepsMoveByGradient() {
        let architecture = smallResidualArchitectures[13]
        let network = ResidualNetwork(architecture: architecture, seed: 111)
        let start = network.copy()
        let inputs = gaussianInputs(rows: 4, dimension: 3, seed: 112)
        let targets = [0.5, -0.2, 0.1, 0.3]
        #expect(network.parameterDistance(to: start.parameters) == 0)

        // Two steps, so the second reuses the first step's gradient buffer.
        for _ in 0..<2 {
            let before = network.parameters
            let gradient = network.lossEvaluation(inputs: inputs, targets: targets).gradient
            network.step(learningRate: 0.3, inputs: inputs, targets: targets)
            let expected = before.adding(gradient, scaledBy: -0.3)
            #expect(network.parameterDistance(to: expected) <= Self.exactTolerance * before.norm)
            let distance = network.parameterDistance(to: before)
            #expect(abs(distance - 0.3 * gradient.norm) <= Self.exactTolerance * distance)
        }
        // The copy kept its own parameters.
        #expect(start.parameterDistance(to: start.parameters) == 0)
        #expect(network.parameterDistance(to: start.parameters) > 0)
    }

    @Test("trainer accepts a residual network")
    func trainerIntegration() throws {
        let architecture = ResidualArchitecture(inputDimension: 3, width: 32, blocks: 2,
                                                activation: .tanh, weightStd: 1.2, biasStd: 0.1)
        let network = ResidualNetwork(architecture: architecture, seed: 121)
        let inputs = gaussianInputs(rows: 6, dimension: 3, seed: 122)
        let targets = (0..<6).map { cos(inputs[$0, 0]) }
        let trainer = GradientDescentTrainer(learningRate: 0.1, recordsTrainingGram: true)
        let trajectory = try trainer.train(network, inputs: inputs, targets: targets,
                                           times: [0, 1])
        #expect(trajectory.snapshots.count == 2)
        #expect(trajectory.stepCount == 10)
        let last = trajectory.snapshots[1]
        #expect(last.parameterDistance > 0)
        let residual = zip(network.outputs(inputs), targets).map { $0 - $1 }
        #expect(maximumRelativeError(last.trainingResidual, residual) <= Self.exactTolerance)
    }

    @Test("wrong input dimension stops the process")
    func inputDimensionPrecondition() async {
        await #expect(processExitsWith: .failure) {
            let architecture = ResidualArchitecture(inputDimension: 3, width: 4, blocks: 1,
                                                    activation: .relu, weightStd: 1, biasStd: 0)
            _ = ResidualNetwork(architecture: architecture, seed: 1)
                .outputs(Matrix(rows: 2, columns: 4))
        }
    }

    @Test("seven blocks stop the process")
    func blockCountPrecondition() async {
        await #expect(processExitsWith: .failure) {
            _ = ResidualArchitecture(inputDimension: 3, width: 4, blocks: 7, activation: .relu,
                                     weightStd: 1, biasStd: 0)
        }
    }

    @Test("decoding rejects a zero branch scale")
    func decodingRejectsBranchScale() throws {
        let architecture = ResidualArchitecture(inputDimension: 3, width: 8, blocks: 2,
                                                activation: .gelu, weightStd: 1.1, biasStd: 0.2)
        let decoded = try JSONDecoder().decode(ResidualArchitecture.self,
                                               from: try JSONEncoder().encode(architecture))
        #expect(decoded == architecture)
        let json = """
            {"inputDimension": 3, "width": 8, "blocks": 2, "activation": "relu",
             "weightStd": 1, "biasStd": 0, "branchScale": 0, "outputScale": "ntk"}
            """
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ResidualArchitecture.self, from: Data(json.utf8))
        }
    }
}
