import Foundation

/// Stores calibrated constants in a property file.
enum Calibration {
    /// Rewrites `file` with a `constants` object holding the constants, the
    /// grid, base seed, case count, package version and date. Other keys keep
    /// their order and values.
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
        ])
        let updated = document.setting("constants", to: value).serialized() + "\n"
        try updated.write(toFile: file, atomically: true, encoding: .utf8)
    }
}
