import Foundation

/// An error from reading a matrix file with `MatrixFile.read(path:)`.
///
/// Row and column numbers are 1-based. For CSV files `row` is the physical
/// line number in the file, counting a header line. For NumPy files `row` is
/// the data row, and a 1-D array has the single column 1.
public enum MatrixFileError: Error, Equatable, Sendable {
    /// No file or folder exists at the path.
    case fileNotFound(path: String)
    /// The file exists but could not be read or decoded.
    case unreadable(path: String, reason: String)
    /// The path does not end in `.csv`, `.txt` or `.npy`.
    case unsupportedExtension(path: String, pathExtension: String)
    /// The file contains no data rows, or a NumPy array with zero entries.
    case empty(path: String)
    /// A CSV line between data lines contains only whitespace.
    case blankLine(path: String, row: Int)
    /// A CSV row has a different number of fields than the first row.
    case raggedRow(path: String, row: Int, fieldCount: Int, expected: Int)
    /// A CSV field after the header line is not a decimal number.
    case nonNumericField(path: String, row: Int, column: Int, text: String)
    /// An entry is NaN or infinite.
    case nonFiniteValue(path: String, row: Int, column: Int, value: Double)
    /// The file does not start with the NumPy magic string `\x93NUMPY`.
    case badMagic(path: String)
    /// The NumPy format version is not 1.0, 2.0 or 3.0.
    case unsupportedVersion(path: String, major: Int, minor: Int)
    /// The NumPy header dictionary is cut off or cannot be parsed.
    case malformedHeader(path: String, reason: String)
    /// The NumPy dtype is not a little- or big-endian float64 or float32.
    case unsupportedDType(path: String, descr: String)
    /// The NumPy array is stored in column-major (Fortran) order.
    case fortranOrder(path: String)
    /// The NumPy array is neither 1-D nor 2-D.
    case unsupportedShape(path: String, shape: [Int])
    /// The NumPy data section is shorter than the header's shape requires.
    case truncatedData(path: String, expectedBytes: Int, actualBytes: Int)
    /// The NumPy data section is longer than the header's shape requires.
    case trailingData(path: String, expectedBytes: Int, actualBytes: Int)
}

extension MatrixFileError {
    /// The NumPy dtype strings that `MatrixFile` reads.
    public static let supportedDTypes = ["<f8", ">f8", "<f4", ">f4"]

    /// Formats `shape` as NumPy prints it, such as `(3,)` or `(2, 3)`.
    static func pythonTuple(_ shape: [Int]) -> String {
        let inner = shape.map(String.init).joined(separator: ", ")
        return shape.count == 1 ? "(\(inner),)" : "(\(inner))"
    }
}

extension MatrixFileError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .fileNotFound(path):
            return "\(path): file not found. Check the path and the current directory."
        case let .unreadable(path, reason):
            return "\(path): cannot read the file (\(reason)). Check that it is a readable "
                + "regular file."
        case let .unsupportedExtension(path, pathExtension):
            let problem = pathExtension.isEmpty
                ? "the file name has no extension"
                : "extension '.\(pathExtension)' is not supported"
            return "\(path): \(problem). Use a .csv or .txt file with "
                + "comma-separated values, or a NumPy .npy file."
        case let .empty(path):
            return "\(path): the file contains no data. Provide at least one row and one column."
        case let .blankLine(path, row):
            return "\(path): line \(row) is blank but data rows follow it. Remove the blank line."
        case let .raggedRow(path, row, fieldCount, expected):
            return "\(path): line \(row) has \(fieldCount) fields, expected \(expected) as in "
                + "the first line. Give every row the same number of fields."
        case let .nonNumericField(path, row, column, text):
            let shown = text.isEmpty ? "is empty" : "is '\(text)', not a number"
            return "\(path): line \(row), field \(column) \(shown). Only the first line may "
                + "be a header, and every later field must be a decimal number."
        case let .nonFiniteValue(path, row, column, value):
            return "\(path): row \(row), column \(column) is \(value). Matrix entries must be "
                + "finite, so replace or remove that value."
        case let .badMagic(path):
            return "\(path): not a NumPy .npy file because it does not start with '\\x93NUMPY'. "
                + "Write the file with numpy.save."
        case let .unsupportedVersion(path, major, minor):
            return "\(path): NumPy format version \(major).\(minor) is not supported. "
                + "Save the array with numpy.save, which writes version 1.0, 2.0 or 3.0."
        case let .malformedHeader(path, reason):
            return "\(path): invalid NumPy header (\(reason)). Write the file with numpy.save."
        case let .unsupportedDType(path, descr):
            let supported = Self.supportedDTypes.map { "'\($0)'" }.joined(separator: ", ")
            return "\(path): dtype \(descr) is not supported. Supported dtypes are "
                + "\(supported) (float64 and float32). Convert the array, for example with "
                + "a.astype('<f8'), before saving."
        case let .fortranOrder(path):
            return "\(path): the array is stored in Fortran (column-major) order. Save "
                + "numpy.ascontiguousarray(a) to store it in C order."
        case let .unsupportedShape(path, shape):
            return "\(path): array shape \(Self.pythonTuple(shape)) is not supported. "
                + "Save a 1-D array (n,) or a 2-D array (n, d)."
        case let .truncatedData(path, expectedBytes, actualBytes):
            return "\(path): data is truncated because the header's shape and dtype require "
                + "\(expectedBytes) bytes but only \(actualBytes) follow the header. "
                + "Write the file again."
        case let .trailingData(path, expectedBytes, actualBytes):
            return "\(path): data section has \(actualBytes) bytes but the header's shape "
                + "and dtype require \(expectedBytes). Write the file again."
        }
    }
}

extension MatrixFileError: LocalizedError {
    public var errorDescription: String? { description }
}
