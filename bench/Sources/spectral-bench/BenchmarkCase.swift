import Model
import Theory

/// The timed computations. `peers.py` runs the same five on the same
/// inputs, so the names, sizes and scales here must match the ones there.
///
/// All networks use ReLU in the NTK parameterization with `σ_w = √2` (so
/// `σ_w² = 2`) and `σ_b = 0.1`.
enum BenchmarkCase: String, CaseIterable {
    /// Infinite-width NTK Gram of 3 hidden layers on 2000 inputs of
    /// dimension 64.
    case ntkGram = "ntk_gram"
    /// 100 full-batch gradient-descent steps of a width-2048 network with 2
    /// hidden layers on 512 inputs of dimension 64.
    case gradientDescent = "gradient_descent"
    /// Empirical NTK Gram of a width-1024 network with 3 hidden layers on
    /// 512 inputs of dimension 64.
    case empiricalNTK = "empirical_ntk"
    /// Infinite-width NTK Gram of a convolutional network with 3 layers of
    /// 3 × 3 circular filters on 500 digit images of 8 × 8 pixels.
    case convolutionalNTKGram = "conv_ntk_gram"
    /// 100 full-batch gradient-descent steps of a width-512 residual network
    /// with 2 blocks on 500 inputs of dimension 64.
    case residualTraining = "resnet_training"

    static let inputDimension = 64
    static let weightStd = Double(2).squareRoot()
    static let biasStd = 0.1
    /// Learning rate `η` of the gradient-descent case.
    static let learningRate = 0.5
    static let stepCount = 100

    /// Runs the case with one warm-up and `repeats` timed runs.
    func run(repeats: Int) -> CaseReport {
        switch self {
        case .ntkGram: return Self.runNTKGram(repeats: repeats)
        case .gradientDescent: return Self.runGradientDescent(repeats: repeats)
        case .empiricalNTK: return Self.runEmpiricalNTK(repeats: repeats)
        case .convolutionalNTKGram: return Self.runConvolutionalNTKGram(repeats: repeats)
        case .residualTraining: return Self.runResidualTraining(repeats: repeats)
        }
    }

    private static func runNTKGram(repeats: Int) -> CaseReport {
        let inputs = DeterministicValues.matrix(rows: 2000, columns: inputDimension,
                                                salt: DeterministicValues.inputSalt)
        let kernel = FullyConnectedKernel(activation: .relu, depth: 3, weightStd: weightStd,
                                          biasStd: biasStd)
        return measure(repeats: repeats, body: { kernel.gram(inputs, kind: .ntk) },
                       checksums: matrixChecksums)
    }

    /// Times `stepCount` calls of `step`, each restarting from the same
    /// parameters. The checksums are the loss before the first step, the loss
    /// after the last one and the norm of the final parameters.
    private static func runGradientDescent(repeats: Int) -> CaseReport {
        let network = makeNetwork(width: 2048, depth: 2)
        let initialParameters = network.parameters
        let inputs = DeterministicValues.matrix(rows: 512, columns: inputDimension,
                                                salt: DeterministicValues.inputSalt)
        let targets = DeterministicValues.values(512, salt: DeterministicValues.targetSalt)
        return measure(
            repeats: repeats,
            prepare: { network.setParameters(initialParameters) },
            body: { () -> Double in
                var initialLoss = Double.nan
                for step in 0..<stepCount {
                    let loss = network.step(learningRate: learningRate, inputs: inputs,
                                            targets: targets)
                    if step == 0 { initialLoss = loss }
                }
                return initialLoss
            },
            checksums: { initialLoss in
                ["initial_loss": initialLoss,
                 "final_loss": network.loss(inputs: inputs, targets: targets),
                 "parameter_norm": network.parameters.norm]
            })
    }

    private static func runEmpiricalNTK(repeats: Int) -> CaseReport {
        let network = makeNetwork(width: 1024, depth: 3)
        let inputs = DeterministicValues.matrix(rows: 512, columns: inputDimension,
                                                salt: DeterministicValues.inputSalt)
        return measure(repeats: repeats, body: { network.ntkGram(inputs) },
                       checksums: matrixChecksums)
    }

    /// Builds a network whose parameters come from the deterministic
    /// parameter stream, in `NetworkParameters.flattened` order.
    private static func makeNetwork(width: Int, depth: Int) -> FullyConnectedNetwork {
        let architecture = NetworkArchitecture(inputDimension: inputDimension, width: width,
                                               depth: depth, activation: .relu,
                                               weightStd: weightStd, biasStd: biasStd)
        let flat = DeterministicValues.values(architecture.parameterCount,
                                              salt: DeterministicValues.parameterSalt)
        return FullyConnectedNetwork(
            architecture: architecture,
            parameters: NetworkParameters(architecture: architecture, flattened: flat))
    }
}
