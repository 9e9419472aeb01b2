import Foundation
import Model
import Testing

@Suite("NetworkArchitecture")
struct NetworkArchitectureTests {
    let architecture = NetworkArchitecture(
        inputDimension: 4, width: 16, depth: 2, activation: .erf, weightStd: 1.5,
        biasStd: 0.1, outputScale: .ntk)

    @Test("layer widths and parameter count")
    func widthsAndCount() {
        #expect(architecture.layerWidths == [4, 16, 16, 1])
        // 16 (4 + 1) + 16 (16 + 1) + 1 (16 + 1)
        #expect(architecture.parameterCount == 80 + 272 + 17)
    }

    @Test("weight scales per layer")
    func weightScales() {
        #expect(architecture.weightScale(layer: 1) == 1.5 / 2)
        #expect(architecture.weightScale(layer: 2) == 1.5 / 4)
        #expect(architecture.weightScale(layer: 3) == 1.5 / 4)
        let meanField = NetworkArchitecture(
            inputDimension: 4, width: 16, depth: 2, activation: .erf, weightStd: 1.5,
            biasStd: 0.1, outputScale: .meanField)
        #expect(meanField.weightScale(layer: 2) == 1.5 / 4)
        #expect(meanField.weightScale(layer: 3) == 1.5 / 16)
    }

    @Test("variances square the standard deviations")
    func variances() {
        #expect(architecture.weightVariance == 2.25)
        #expect(architecture.biasVariance == 0.1 * 0.1)
    }

    @Test("Codable round trip")
    func codableRoundTrip() throws {
        let data = try JSONEncoder().encode(architecture)
        let decoded = try JSONDecoder().decode(NetworkArchitecture.self, from: data)
        #expect(decoded == architecture)
    }

    @Test("decoding rejects invalid depth")
    func decodingRejectsDepth() throws {
        let json = """
            {"inputDimension": 3, "width": 8, "depth": 7, "activation": "relu",
             "weightStd": 1, "biasStd": 0, "outputScale": "ntk"}
            """
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(NetworkArchitecture.self, from: Data(json.utf8))
        }
    }

    @Test("zero width stops the process")
    func zeroWidthPrecondition() async {
        await #expect(processExitsWith: .failure) {
            _ = NetworkArchitecture(inputDimension: 3, width: 0, depth: 1, activation: .relu,
                                    weightStd: 1, biasStd: 0)
        }
    }

    @Test("negative bias std stops the process")
    func negativeBiasPrecondition() async {
        await #expect(processExitsWith: .failure) {
            _ = NetworkArchitecture(inputDimension: 3, width: 4, depth: 1, activation: .relu,
                                    weightStd: 1, biasStd: -0.1)
        }
    }
}
