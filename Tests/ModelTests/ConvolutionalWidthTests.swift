import Foundation
import Model
import Testing
import Theory

/// The analytic convolutional NTK against the empirical NTK of wide
/// networks at initialization.
@Suite("Convolutional NTK at large width")
struct ConvolutionalWidthTests {
    static let cases: [ConvolutionalArchitecture] = [
        ConvolutionalArchitecture(spatialShape: [6], filterSize: 3, width: 1, depth: 2,
                                  activation: .relu, weightStd: 1.4, biasStd: 0.1),
        ConvolutionalArchitecture(spatialShape: [4, 4], filterSize: 3, width: 1, depth: 2,
                                  activation: .erf, weightStd: 1.3, biasStd: 0.2),
    ]

    /// Returns `architecture` with `width` channels.
    static func widened(_ architecture: ConvolutionalArchitecture,
                        to width: Int) -> ConvolutionalArchitecture {
        ConvolutionalArchitecture(spatialShape: architecture.spatialShape,
                                  filterSize: architecture.filterSize, width: width,
                                  depth: architecture.depth, activation: architecture.activation,
                                  weightStd: architecture.weightStd, biasStd: architecture.biasStd)
    }

    /// Returns the empirical NTK Gram matrices of `seeds` networks.
    static func empiricalGrams(_ architecture: ConvolutionalArchitecture, inputs: Matrix,
                               seeds: Range<UInt64>) -> [Matrix] {
        seeds.map { ConvolutionalNetwork(architecture: architecture, seed: $0).ntkGram(inputs) }
    }

    // 30 networks of 512 channels on 4 inputs. The empirical NTK is unbiased
    // up to O(1/m) and fluctuates by O(m^{-1/2}), so each entry's mean over
    // seeds lies within 4 standard errors of the analytic value unless the
    // recursion is wrong. A wrong constant (for example σ_w² in place of
    // σ_w²/Q) moves the entries by tens of standard errors.
    @Test("seed mean within 4 standard errors", arguments: cases)
    func seedMean(architecture: ConvolutionalArchitecture) {
        let wide = Self.widened(architecture, to: 512)
        let inputs = gaussianInputs(rows: 4, dimension: wide.positionCount, seed: 301)
        let analytic = wide.kernel.gram(inputs)
        let grams = Self.empiricalGrams(wide, inputs: inputs, seeds: 0..<30)
        for i in 0..<inputs.rows {
            for j in i..<inputs.rows {
                let samples = grams.map { $0[i, j] }
                let mean = Statistics.mean(samples)
                let standardError = Statistics.standardDeviation(samples) / Double(samples.count).squareRoot()
                #expect(abs(mean - analytic[i, j]) <= 4 * standardError,
                        "(\(i), \(j)): mean \(mean) ± \(standardError), analytic \(analytic[i, j])")
            }
        }
    }

    // The root-mean-square relative Frobenius error over seeds at 64, 256
    // and 1024 channels, whose log-log slope is −1/2 in theory. The entries
    // of one network move together, so the seeds are the effective sample:
    // with 64 seeds the RMS has about 9% relative error and the slope about
    // ±0.05. These seeds give −0.43 for the ReLU signal case and −0.61 for
    // the erf image case (24 seeds, which keep its wider layers under 20 s).
    // A kernel with an O(1) error would flatten the slope towards 0.
    @Test("error shrinks like m^(-1/2)", arguments: cases)
    func widthScaling(architecture: ConvolutionalArchitecture) {
        let widths = [64, 256, 1024]
        var errors: [Double] = []
        for width in widths {
            let wide = Self.widened(architecture, to: width)
            let inputs = gaussianInputs(rows: 4, dimension: wide.positionCount, seed: 311)
            let analytic = wide.kernel.gram(inputs)
            let seedCount: UInt64 = architecture.spatialShape.count == 1 ? 64 : 24
            let grams = Self.empiricalGrams(wide, inputs: inputs, seeds: 100..<(100 + seedCount))
            let squaredErrors = grams.map { gram in
                let difference = zip(gram.storage, analytic.storage).map { $0 - $1 }
                return BLAS.dot(difference, difference)
            }
            errors.append((Statistics.mean(squaredErrors)).squareRoot() / analytic.frobeniusNorm)
        }
        let fit = LineFit(x: widths.map { log(Double($0)) }, y: errors.map { log($0) })
        #expect(fit.slope <= -0.4, "relative errors \(errors) at widths \(widths), slope \(fit.slope)")
        #expect(errors[2] < errors[0], "relative errors \(errors) at widths \(widths)")
    }
}
