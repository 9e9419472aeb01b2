/// The positions covered by a convolution filter on a grid with circular
/// padding, as a precomputed index table.
///
/// Positions are numbered row-major over `spatialShape`: on an `[H, W]`
/// grid, position `p = r W + c` is row `r` and column `c`. The filter has
/// `filterSize` taps per axis, at offsets `−(q−1)/2 … (q−1)/2`, and the
/// offsets of a window are numbered row-major over the offset grid, so on
/// two axes offset `k = k₁ q + k₂` is the shift `(k₁ − (q−1)/2,
/// k₂ − (q−1)/2)`. Indices wrap around every axis.
public struct CircularWindow: Equatable, Sendable {
    /// The grid extent per axis: `[P]` for signals, `[H, W]` for images.
    public let spatialShape: [Int]
    /// The number of filter taps `q` per axis, odd.
    public let filterSize: Int
    /// The number of grid positions `P`, the product of `spatialShape`.
    public let positionCount: Int
    /// The number of offsets in a window, `Q = q^D` for `D` axes.
    public let windowSize: Int
    /// `neighbors[p * windowSize + k]` is the position `p + offset k`,
    /// wrapped around each axis.
    public let neighbors: [Int]
    /// The same table offset-major: `neighborsByOffset[k * positionCount +
    /// p] == neighbors[p * windowSize + k]`.
    public let neighborsByOffset: [Int]

    /// Creates the table for a grid and filter size.
    /// - Precondition: one or two axes, each extent at least 1, and an odd
    ///   `filterSize` no larger than any extent.
    public init(spatialShape: [Int], filterSize: Int) {
        if let problem = Self.validationProblem(spatialShape: spatialShape, filterSize: filterSize) {
            preconditionFailure(problem)
        }
        self.spatialShape = spatialShape
        self.filterSize = filterSize
        let positionCount = spatialShape.reduce(1, *)
        var windowSize = 1
        for _ in spatialShape { windowSize *= filterSize }
        self.positionCount = positionCount
        self.windowSize = windowSize

        let radius = (filterSize - 1) / 2
        // Axis strides of the row-major position numbering.
        var strides = [Int](repeating: 1, count: spatialShape.count)
        for axis in stride(from: spatialShape.count - 2, through: 0, by: -1) {
            strides[axis] = strides[axis + 1] * spatialShape[axis + 1]
        }
        var neighbors = [Int](repeating: 0, count: positionCount * windowSize)
        var neighborsByOffset = [Int](repeating: 0, count: positionCount * windowSize)
        for p in 0..<positionCount {
            for k in 0..<windowSize {
                var target = 0
                var remainingOffset = k
                for axis in stride(from: spatialShape.count - 1, through: 0, by: -1) {
                    let extent = spatialShape[axis]
                    let shift = remainingOffset % filterSize - radius
                    remainingOffset /= filterSize
                    let coordinate = p / strides[axis] % extent
                    target += ((coordinate + shift) % extent + extent) % extent * strides[axis]
                }
                neighbors[p * windowSize + k] = target
                neighborsByOffset[k * positionCount + p] = target
            }
        }
        self.neighbors = neighbors
        self.neighborsByOffset = neighborsByOffset
    }

    /// Returns a sentence describing why `spatialShape` and `filterSize` do
    /// not form a valid window, or nil when they do.
    public static func validationProblem(spatialShape: [Int], filterSize: Int) -> String? {
        if !(1...2).contains(spatialShape.count) {
            return "A convolution needs one or two spatial axes, got \(spatialShape.count) "
                + "(spatial shape \(spatialShape))."
        }
        if let extent = spatialShape.first(where: { $0 < 1 }) {
            return "Every spatial extent must be at least 1, got \(extent) in \(spatialShape)."
        }
        if filterSize < 1 || filterSize % 2 == 0 {
            return "The filter size must be odd and positive, got \(filterSize)."
        }
        if let extent = spatialShape.first(where: { $0 < filterSize }) {
            return "The filter size \(filterSize) exceeds the spatial extent \(extent) of "
                + "\(spatialShape); use a filter no larger than every extent."
        }
        return nil
    }
}
