import Model
import Testing
import Theory

@Suite("Empirical NTK")
struct EmpiricalKernelTests {
    // Inner products over at most 86 parameters in Double, so rounding is
    // near 1e-14 relative, and 1e-12 leaves a wide margin.
    static let exactTolerance = 1e-12

    @Test("Gram equals J Jᵀ", arguments: smallArchitectures)
    func gramEqualsJacobianProduct(architecture: NetworkArchitecture) {
        let network = FullyConnectedNetwork(architecture: architecture, seed: 101)
        let inputs = gaussianInputs(rows: 6, dimension: 3, seed: 102)
        let jacobian = ReferenceNetwork(architecture: architecture,
                                        parameters: network.parameters).jacobian(inputs)
        #expect(jacobian.columns == network.parameterCount)
        let expected = referenceProduct(jacobian, transposing: jacobian)
        let gram = network.ntkGram(inputs)
        #expect(maximumRelativeError(gram.storage, expected.storage) <= Self.exactTolerance,
                "\(architecture)")
        #expect(gram == gram.transposed)
    }

    @Test("cross kernel equals J_x J_yᵀ", arguments: smallArchitectures)
    func crossEqualsJacobianProduct(architecture: NetworkArchitecture) {
        let network = FullyConnectedNetwork(architecture: architecture, seed: 111)
        let x = gaussianInputs(rows: 4, dimension: 3, seed: 112)
        let y = gaussianInputs(rows: 7, dimension: 3, seed: 113)
        let reference = ReferenceNetwork(architecture: architecture,
                                         parameters: network.parameters)
        let expected = referenceProduct(reference.jacobian(x), transposing: reference.jacobian(y))
        let cross = network.ntkCross(x, y)
        #expect(cross.rows == 4)
        #expect(cross.columns == 7)
        #expect(maximumRelativeError(cross.storage, expected.storage) <= Self.exactTolerance)
    }

    @Test("chunks and blocks do not change the kernel")
    func chunkingInvariance() {
        let architecture = NetworkArchitecture(inputDimension: 3, width: 16, depth: 3,
                                               activation: .relu, weightStd: 1.4,
                                               biasStd: 0.2)
        let network = FullyConnectedNetwork(architecture: architecture, seed: 121)
        let x = gaussianInputs(rows: 23, dimension: 3, seed: 122)
        let y = gaussianInputs(rows: 10, dimension: 3, seed: 123)
        let gram = network.ntkGram(x)
        let cross = network.ntkCross(x, y)

        // Chunks of 4 rows, and a limit of one byte, which forces blocks of
        // one chunk, so both the sliced and the recomputed paths run.
        network.rowsPerChunk = 4
        let chunkedGram = network.ntkGram(x, featureBytesLimit: 1)
        let chunkedCross = network.ntkCross(x, y, featureBytesLimit: 1)
        let blockedGram = network.ntkGram(x, featureBytesLimit: 3 * 4 * 8 * 120)
        #expect(maximumRelativeError(chunkedGram.storage, gram.storage) <= Self.exactTolerance)
        #expect(maximumRelativeError(blockedGram.storage, gram.storage) <= Self.exactTolerance)
        #expect(maximumRelativeError(chunkedCross.storage, cross.storage)
                <= Self.exactTolerance)
        #expect(chunkedGram == chunkedGram.transposed)

        // The cross kernel of x with itself is the Gram matrix.
        let selfCross = network.ntkCross(x, x)
        #expect(maximumRelativeError(selfCross.storage, gram.storage) <= Self.exactTolerance)
    }

    @Test("NNGP feature kernel is the readout term", arguments: smallArchitectures)
    func nngpFeatureKernel(architecture: NetworkArchitecture) {
        let network = FullyConnectedNetwork(architecture: architecture, seed: 131)
        let x = gaussianInputs(rows: 5, dimension: 3, seed: 132)
        let y = gaussianInputs(rows: 3, dimension: 3, seed: 133)
        let reference = ReferenceNetwork(architecture: architecture,
                                         parameters: network.parameters)
        // The readout-layer columns of the Jacobian are the last m weight
        // entries and the readout bias.
        let readoutColumns = (network.parameterCount - architecture.width - 1)
            ..< network.parameterCount
        func readoutJacobian(_ inputs: Matrix) -> Matrix {
            let full = reference.jacobian(inputs)
            return Matrix((0..<inputs.rows).map { i in readoutColumns.map { full[i, $0] } })
        }
        let expectedGram = referenceProduct(readoutJacobian(x), transposing: readoutJacobian(x))
        let expectedCross = referenceProduct(readoutJacobian(x),
                                             transposing: readoutJacobian(y))
        let gram = network.nngpFeatureGram(x)
        let cross = network.nngpFeatureCross(x, y)
        #expect(maximumRelativeError(gram.storage, expectedGram.storage) <= Self.exactTolerance)
        #expect(maximumRelativeError(cross.storage, expectedCross.storage)
                <= Self.exactTolerance)
    }

    @Test("mean-field readout term shrinks by the width")
    func meanFieldReadoutTerm() {
        let make = { (scale: NetworkArchitecture.OutputScale) in
            FullyConnectedNetwork(
                architecture: NetworkArchitecture(inputDimension: 3, width: 8, depth: 1,
                                                  activation: .relu, weightStd: 1,
                                                  biasStd: 0, outputScale: scale),
                seed: 141)
        }
        let x = gaussianInputs(rows: 4, dimension: 3, seed: 142)
        let ntk = make(.ntk).nngpFeatureGram(x)
        let meanField = make(.meanField).nngpFeatureGram(x)
        let expected = ntk.storage.map { $0 / 8 }
        #expect(maximumRelativeError(meanField.storage, expected) <= Self.exactTolerance)
    }

    @Test("Jacobian-vector product equals J v", arguments: smallArchitectures)
    func jacobianVectorProduct(architecture: NetworkArchitecture) {
        let network = FullyConnectedNetwork(architecture: architecture, seed: 151)
        network.rowsPerChunk = 3
        let inputs = gaussianInputs(rows: 7, dimension: 3, seed: 152)
        let v = GaussianSource(seed: 153).normals(network.parameterCount)
        let direction = NetworkParameters(architecture: architecture, flattened: v)
        let jacobian = ReferenceNetwork(architecture: architecture,
                                        parameters: network.parameters).jacobian(inputs)
        let expected = BLAS.multiply(jacobian, v)
        let product = network.jacobianVectorProduct(inputs, direction: direction)
        #expect(maximumRelativeError(product, expected) <= Self.exactTolerance)
    }
}
