import Foundation
import Theory

/// A reader for matrices stored as CSV text or as NumPy `.npy` files.
///
/// The format is chosen by the path extension, ignoring case:
/// - `.csv` and `.txt`: comma-separated decimal numbers with an optional
///   header line (see `parseCSV(_:path:)`).
/// - `.npy`: a NumPy array file of format version 1.0, 2.0 or 3.0 with a
///   float64 or float32 dtype in either byte order, in C order, of shape
///   `(n,)` or `(n, d)` (see `parseNPY(_:path:)`).
///
/// Every entry of the returned matrix is finite.
public enum MatrixFile {
    /// Reads the matrix stored at `path`.
    ///
    /// A 1-D NumPy array of shape `(n,)` becomes an n×1 matrix.
    /// - Throws: `MatrixFileError` when the file is missing, unreadable,
    ///   empty or malformed, or contains a NaN or infinite entry.
    public static func read(path: String) throws -> Matrix {
        let pathExtension = (path as NSString).pathExtension.lowercased()
        switch pathExtension {
        case "csv", "txt":
            return try parseCSV(readBytes(path: path), path: path)
        case "npy":
            return try parseNPY(readBytes(path: path), path: path)
        default:
            throw MatrixFileError.unsupportedExtension(path: path, pathExtension: pathExtension)
        }
    }

    /// Reads the whole file at `path`.
    static func readBytes(path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw MatrixFileError.fileNotFound(path: path)
        }
        if isDirectory.boolValue {
            throw MatrixFileError.unreadable(path: path, reason: "it is a directory")
        }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return [UInt8](data)
        } catch {
            throw MatrixFileError.unreadable(path: path, reason: error.localizedDescription)
        }
    }
}
