import Foundation
import Model
import Testing
import Theory

/// Statistical checks that the empirical NTK and NNGP of residual networks
/// at initialization approach `ResidualKernel` as the width grows.
@Suite("Residual kernels at large width")
struct ResidualWidthLimitTests {
    struct Case: Sendable, CustomStringConvertible {
        let activation: Activation
        let blocks: Int
        var description: String { "\(activation), \(blocks) blocks" }
    }

    static let widths = [128, 512, 2048]
    static let seedCount = 16

    /// Per-seed kernels of one width: the upper triangles of the empirical
    /// NTK and NNGP feature Gram matrices, and their relative Frobenius
    /// errors against the analytic kernels.
    struct WidthSample {
        var ntkEntries: [[Double]] = []
        var nngpEntries: [[Double]] = []
        var ntkErrors: [Double] = []
        var nngpErrors: [Double] = []
    }

    static func sample(_ testCase: Case, width: Int, inputs: Matrix,
                       analyticNTK: Matrix, analyticNNGP: Matrix) -> WidthSample {
        let architecture = ResidualArchitecture(
            inputDimension: inputs.columns, width: width, blocks: testCase.blocks,
            activation: testCase.activation, weightStd: 1.3, biasStd: 0.2)
        var sample = WidthSample()
        for seed in 0..<seedCount {
            let network = ResidualNetwork(architecture: architecture,
                                          seed: UInt64(1000 * width + seed))
            let ntk = network.ntkGram(inputs)
            let nngp = network.nngpFeatureGram(inputs)
            sample.ntkEntries.append(upperTriangle(ntk))
            sample.nngpEntries.append(upperTriangle(nngp))
            sample.ntkErrors.append(relativeFrobeniusError(ntk, analyticNTK))
            sample.nngpErrors.append(relativeFrobeniusError(nngp, analyticNNGP))
        }
        return sample
    }

    // Four points on the sphere of radius √3. Each seed draws a network of
    // 3 m + B m² + m + 1 parameters; at m = 2048 and B = 3 that is 12.6
    // million draws, so the test takes a few seconds in release builds.
    @Test("empirical kernels converge at rate m^(-1/2)",
          arguments: [Case(activation: .relu, blocks: 2), Case(activation: .tanh, blocks: 3)])
    func convergence(testCase: Case) {
        let inputs = Quadrature.sphereSamplePoints(dimension: 3, count: 4, seed: 5)
        let kernel = ResidualArchitecture(
            inputDimension: 3, width: 1, blocks: testCase.blocks,
            activation: testCase.activation, weightStd: 1.3, biasStd: 0.2).kernel
        #expect(kernel.quadratureAccuracyProblem(inputs: inputs) == nil)
        let analyticNTK = kernel.gram(inputs, kind: .ntk)
        let analyticNNGP = kernel.gram(inputs, kind: .nngp)
        let samples = Self.widths.map {
            Self.sample(testCase, width: $0, inputs: inputs, analyticNTK: analyticNTK,
                        analyticNNGP: analyticNNGP)
        }

        // The fluctuations of the empirical kernels have standard deviation
        // of order m^(-1/2), so the mean relative error over seeds falls
        // with slope -1/2 in log m. The O(1/m) bias only steepens it.
        let logWidths = Self.widths.map { log(Double($0)) }
        let ntkSlope = LineFit(x: logWidths,
                               y: samples.map { log(Statistics.mean($0.ntkErrors)) }).slope
        let nngpSlope = LineFit(x: logWidths,
                                y: samples.map { log(Statistics.mean($0.nngpErrors)) }).slope
        #expect(ntkSlope <= -0.4, "\(testCase): NTK error slope \(ntkSlope)")
        #expect(nngpSlope <= -0.4, "\(testCase): NNGP error slope \(nngpSlope)")

        // At the largest width, the mean over seeds of every entry lies
        // within 4 standard errors of the analytic value. The bias of order
        // 1/m = 5e-4 is far below one standard error there.
        let widest = samples.last!
        let analyticEntries = (ntk: Self.upperTriangle(analyticNTK),
                               nngp: Self.upperTriangle(analyticNNGP))
        for entry in analyticEntries.ntk.indices {
            for (name, values, analytic) in [
                ("NTK", widest.ntkEntries.map { $0[entry] }, analyticEntries.ntk[entry]),
                ("NNGP", widest.nngpEntries.map { $0[entry] }, analyticEntries.nngp[entry]),
            ] {
                let mean = Statistics.mean(values)
                let standardError = Statistics.standardDeviation(values)
                    / Double(values.count).squareRoot()
                #expect(abs(mean - analytic) <= 4 * standardError,
                        """
                        \(testCase) \(name) entry \(entry): mean \(mean), \
                        analytic \(analytic), standard error \(standardError)
                        """)
            }
        }
    }

    static func upperTriangle(_ matrix: Matrix) -> [Double] {
        (0..<matrix.rows).flatMap { i in (i..<matrix.columns).map { matrix[i, $0] } }
    }

    static func relativeFrobeniusError(_ a: Matrix, _ b: Matrix) -> Double {
        let difference = Matrix(rows: a.rows, columns: a.columns,
                                storage: zip(a.storage, b.storage).map { $0 - $1 })
        return difference.frobeniusNorm / b.frobeniusNorm
    }
}
