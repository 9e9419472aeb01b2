import Checker
import Model
import Theory

/// The cases of the convolutional and residual network families.
extension BenchmarkCase {
    /// Number of digit images in the convolutional case, the first rows of
    /// `data/digits/digits.csv`.
    static let digitImageCount = 500
    /// Euclidean norm of every digit image after scaling, the default of
    /// `DigitsDataset.scaled`.
    static let digitImageNorm = 8.0
    /// Number of training inputs of the residual case.
    static let residualSampleCount = 500

    /// Times the NTK Gram of `ConvolutionalKernel` (3 layers, 3 × 3 filters,
    /// circular padding) on the scaled digit images.
    static func runConvolutionalNTKGram(repeats: Int) -> CaseReport {
        let inputs = scaledDigitImages()
        let kernel = ConvolutionalKernel(activation: .relu, depth: 3, spatialShape: [8, 8],
                                         filterSize: 3, weightStd: weightStd, biasStd: biasStd)
        return measure(repeats: repeats, body: { kernel.gram(inputs, kind: .ntk) },
                       checksums: matrixChecksums)
    }

    /// Times `stepCount` calls of `ResidualNetwork.step`, each repeat
    /// restarting from the same parameters, with the checksums of the
    /// gradient-descent case.
    static func runResidualTraining(repeats: Int) -> CaseReport {
        let architecture = ResidualArchitecture(inputDimension: inputDimension, width: 512,
                                                blocks: 2, activation: .relu,
                                                weightStd: weightStd, biasStd: biasStd,
                                                branchScale: 1 / Double(2).squareRoot())
        let flat = DeterministicValues.values(architecture.parameterCount,
                                              salt: DeterministicValues.parameterSalt)
        let initialParameters = NetworkParameters(architecture: architecture, flattened: flat)
        let network = ResidualNetwork(architecture: architecture, parameters: initialParameters)
        let inputs = DeterministicValues.matrix(rows: residualSampleCount, columns: inputDimension,
                                                salt: DeterministicValues.inputSalt)
        let targets = DeterministicValues.values(residualSampleCount,
                                                 salt: DeterministicValues.targetSalt)
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

    /// Loads the first `digitImageCount` digit images and scales each to
    /// norm `digitImageNorm`. `peers.py` repeats the scaling operation by
    /// operation, so both sides get the same bits.
    private static func scaledDigitImages() -> Matrix {
        do {
            let images = try DigitsDataset.load().images
            return try DigitsDataset.scaled(images.rows(0..<digitImageCount),
                                            toNorm: digitImageNorm)
        } catch {
            fatalError("Loading the digit images failed: \(error). Run spectral-bench inside "
                           + "the repository, or set \(DigitsDataset.dataFolderVariable) to the "
                           + "folder that contains digits/digits.csv.")
        }
    }
}
