import Foundation

/// Stores calibrated constants in a property file.
public enum Calibration {
    /// The keys whose values the constants depend on.
    static let fingerprintKeys = ["predicate", "architecture", "distribution", "target", "learningRate",
                                  "times", "delta", "tolerance", "calibration"]

    /// Hashes the serialized values of `fingerprintKeys` (FNV-1a, 64 bits, hex),
    /// so constants fitted for one configuration are not used for another.
    static func fingerprint(_ root: StrictObject) -> String {
        var text = ""
        for key in fingerprintKeys {
            text += key + "=" + (root.value(key)?.serialized() ?? "null") + ";"
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }

    /// Returns the fingerprint of a property document, or nil when it is not
    /// a JSON object.
    public static func fingerprint(ofDocument document: JSONValue) -> String? {
        guard case let .object(pairs) = document else { return nil }
        return fingerprint(StrictObject(pairs, path: "", file: "", propertyID: nil))
    }

    /// Rewrites `file` with a `constants` object holding the constants, the
    /// grid, base seed, case count, package version, date and configuration
    /// fingerprint. Other keys keep their order and values.
    static func store(_ constants: BoundConstants, grid: CaseGrid, baseSeed: UInt64, cases: Int,
                      in file: String) throws {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let document = try JSONValue.parse(text)
        func numbers(_ xs: [Int]) -> JSONValue { .array(xs.map { .number(Double($0), isInteger: true) }) }
        let value = JSONValue.object([
            ("widthConstant", .number(constants.widthConstant, isInteger: false)),
            ("sampleConstant", .number(constants.sampleConstant, isInteger: false)),
            ("grid", .object([("widths", numbers(grid.widths)), ("sampleSizes", numbers(grid.sampleSizes)),
                              ("seeds", .number(Double(grid.seedCount), isInteger: true))])),
            ("baseSeed", .string("\(baseSeed)")),
            ("cases", .number(Double(cases), isInteger: true)),
            ("version", .string(PackageVersion.string)),
            ("calibratedAt", .string(ISO8601DateFormatter().string(from: Date()))),
            ("fingerprint", .string(constants.fingerprint)),
        ])
        let updated = document.setting("constants", to: value).serialized() + "\n"
        try updated.write(toFile: file, atomically: true, encoding: .utf8)
    }
}
