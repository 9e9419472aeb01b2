import Foundation
import Theory

/// The 8×8 handwritten digits of the UCI "Optical Recognition of Handwritten
/// Digits" test set, vendored as `data/digits/digits.csv`.
///
/// Each CSV row contains 64 pixel counts in 0...16, row by row, and then the
/// digit label in 0...9. The vendored file has 1797 rows and no header.
/// - SeeAlso: E. Alpaydin and C. Kaynak (1998), "Optical Recognition of
///   Handwritten Digits", UCI Machine Learning Repository,
///   doi:10.24432/C50P49. Source and checksums are in
///   `data/digits/README.md`.
public enum DigitsDataset {
    /// The number of images in the vendored file.
    public static let imageCount = 1797
    /// The number of pixels in one 8×8 image.
    public static let pixelCount = 64
    /// The digit labels.
    public static let labelRange = 0...9

    /// Loads the images and labels from the CSV file at `path`, or from the
    /// file that `locate(path:)` finds when `path` is `nil`.
    ///
    /// Returns the images as a matrix with one image per row (1797×64 for
    /// the vendored file) and the labels in the same order. The row count is
    /// not checked, so a subset of the file also loads.
    /// - Throws: `DigitsDatasetError` when the file cannot be located, has
    ///   other than 65 columns, or has a label outside 0...9, and
    ///   `MatrixFileError` when it cannot be parsed.
    public static func load(path: String? = nil) throws -> (images: Matrix, labels: [Int]) {
        let resolvedPath = try locate(path: path)
        let table = try MatrixFile.read(path: resolvedPath)
        let columnCount = pixelCount + 1
        guard table.columns == columnCount else {
            throw DigitsDatasetError.wrongColumnCount(
                path: resolvedPath, found: table.columns, expected: columnCount)
        }

        var pixels: [Double] = []
        pixels.reserveCapacity(table.rows * pixelCount)
        var labels: [Int] = []
        labels.reserveCapacity(table.rows)
        for row in 0..<table.rows {
            let start = row * columnCount
            pixels.append(contentsOf: table.storage[start..<(start + pixelCount)])
            let value = table.storage[start + pixelCount]
            guard let label = Int(exactly: value), labelRange.contains(label) else {
                throw DigitsDatasetError.invalidLabel(
                    path: resolvedPath, row: row + 1, value: value)
            }
            labels.append(label)
        }
        let images = Matrix(rows: table.rows, columns: pixelCount, storage: pixels)
        return (images, labels)
    }

    /// Scales each row of `images` to Euclidean norm `targetNorm`.
    ///
    /// The default 8 is `sqrt(64)`, so a scaled 64-pixel image has mean
    /// squared pixel 1. The norm is computed with the row's largest absolute
    /// entry factored out, so it does not overflow for finite entries.
    /// - Precondition: `targetNorm` is finite and positive.
    /// - Throws: `DigitsDatasetError.zeroImage` for a row whose entries are
    ///   all zero, since it has no direction to scale.
    /// - Complexity: O(rows × columns).
    public static func scaled(_ images: Matrix, toNorm targetNorm: Double = 8) throws -> Matrix {
        precondition(targetNorm.isFinite && targetNorm > 0,
                     "The target norm must be finite and positive, but it is \(targetNorm).")
        var result = images
        for row in 0..<images.rows {
            let range = (row * images.columns)..<((row + 1) * images.columns)
            let norm = euclideanNorm(images.storage[range])
            guard norm > 0 else {
                throw DigitsDatasetError.zeroImage(row: row + 1)
            }
            let factor = targetNorm / norm
            for index in range {
                result.storage[index] = images.storage[index] * factor
            }
        }
        return result
    }

    /// Returns the Euclidean norm of `values`, scaled by the largest
    /// magnitude so that squaring cannot overflow.
    private static func euclideanNorm(_ values: ArraySlice<Double>) -> Double {
        let largest = values.reduce(0) { max($0, abs($1)) }
        guard largest > 0 else { return 0 }
        let sumOfSquares = values.reduce(0) { $0 + ($1 / largest) * ($1 / largest) }
        return largest * sumOfSquares.squareRoot()
    }
}
