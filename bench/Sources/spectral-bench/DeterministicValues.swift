import Theory

/// Uniform values of unit variance computed from their index, so that this
/// executable and `peers.py` build bit-identical inputs and parameters
/// without exchanging files.
///
/// Entry `k` of stream `salt` is
///
///     z = splitmix64(k + salt * 0x9E3779B97F4A7C15)   (wrapping UInt64)
///     u = (z >> 11) * 2^-53                            in [0, 1)
///     v = (u - 0.5) * √12
///
/// with the splitmix64 mixing constants. Every step is exact or correctly
/// rounded in IEEE double, so NumPy's `uint64` arithmetic in `peers.py`
/// gives the same bits.
enum DeterministicValues {
    /// Stream of the network inputs.
    static let inputSalt: UInt64 = 1
    /// Stream of the network parameters, in `NetworkParameters.flattened`
    /// order.
    static let parameterSalt: UInt64 = 2
    /// Stream of the regression targets.
    static let targetSalt: UInt64 = 3

    /// Returns entries `0..<count` of stream `salt`.
    static func values(_ count: Int, salt: UInt64) -> [Double] {
        let offset = salt &* 0x9E37_79B9_7F4A_7C15
        let scale = Double(12).squareRoot()
        return (0..<count).map { k in
            let z = splitMix64(UInt64(k) &+ offset)
            let u = Double(z >> 11) * 0x1p-53
            return (u - 0.5) * scale
        }
    }

    /// Returns a `rows × columns` matrix filled row-major from stream
    /// `salt`.
    static func matrix(rows: Int, columns: Int, salt: UInt64) -> Matrix {
        Matrix(rows: rows, columns: columns, storage: values(rows * columns, salt: salt))
    }

    /// Adds the golden-ratio increment to `state` and mixes the sum, as one
    /// splitmix64 step does.
    private static func splitMix64(_ state: UInt64) -> UInt64 {
        var z = state &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
