import Foundation

/// An error from locating, loading or scaling the digits dataset.
public enum DigitsDatasetError: Error, Equatable, Sendable {
    /// No `digits.csv` exists at any of the candidate paths, listed in the
    /// order they were checked.
    case notFound(candidates: [String])
    /// The CSV file does not have 64 pixel columns and a label column.
    case wrongColumnCount(path: String, found: Int, expected: Int)
    /// The label on a 1-based row is not an integer in 0...9.
    case invalidLabel(path: String, row: Int, value: Double)
    /// The image on a 1-based row has only zero pixels, so it cannot be
    /// scaled to a nonzero norm.
    case zeroImage(row: Int)
}

extension DigitsDatasetError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .notFound(candidates):
            let list = candidates.map { "  " + $0 }.joined(separator: "\n")
            return "digits dataset not found. Looked for:\n\(list)\n"
                + "Pass the path to digits.csv, or set \(DigitsDataset.dataFolderVariable) "
                + "to the folder that contains digits/digits.csv."
        case let .wrongColumnCount(path, found, expected):
            return "\(path): found \(found) columns, expected \(expected) (64 pixels and "
                + "a label). Use the digits.csv file from data/digits."
        case let .invalidLabel(path, row, value):
            return "\(path): row \(row) has label \(value), expected an integer in 0...9. "
                + "The label is the last column."
        case let .zeroImage(row):
            return "image on row \(row) has all pixels zero, so it cannot be scaled to the "
                + "target norm. Remove that image."
        }
    }
}

extension DigitsDatasetError: LocalizedError {
    public var errorDescription: String? { description }
}
