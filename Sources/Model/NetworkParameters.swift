import Theory

/// The weights and biases of a network, or a vector of the same shape such
/// as a gradient. Residual and convolutional networks use the same storage
/// with their own layer list, and an empty bias vector marks a layer
/// without bias.
///
/// `weights[l - 1]` is `W^l`, an `m_l × m_{l-1}` matrix, and `biases[l - 1]`
/// is `b^l` with `m_l` entries. The flat order used by `flattened`, by
/// `init(architecture:flattened:)` and by the random initialization is
/// `W^1` (row-major), `b^1`, `W^2`, `b^2`, …, `W^{L+1}`, `b^{L+1}`.
public struct NetworkParameters: Sendable, Equatable {
    /// Weight matrices `W^1 … W^{L+1}`.
    public var weights: [Matrix]
    /// Bias vectors `b^1 … b^{L+1}`.
    public var biases: [[Double]]

    /// Creates parameters from per-layer weights and biases.
    /// - Precondition: the counts match and bias `l` is empty (a layer
    ///   without bias) or has as many entries as weight matrix `l` has rows.
    public init(weights: [Matrix], biases: [[Double]]) {
        precondition(weights.count == biases.count,
                     "There must be one bias vector per weight matrix, got \(weights.count) "
                         + "weight matrices and \(biases.count) bias vectors.")
        for (layer, (w, b)) in zip(weights, biases).enumerated() {
            precondition(b.isEmpty || w.rows == b.count,
                         "Bias \(layer + 1) has \(b.count) entries, but weight matrix "
                             + "\(layer + 1) has \(w.rows) rows.")
        }
        self.weights = weights
        self.biases = biases
    }

    /// Creates all-zero parameters shaped for `architecture`.
    public init(zerosFor architecture: NetworkArchitecture) {
        let widths = architecture.layerWidths
        self.weights = (1...architecture.layerCount).map {
            Matrix(rows: widths[$0], columns: widths[$0 - 1])
        }
        self.biases = (1...architecture.layerCount).map {
            [Double](repeating: 0, count: widths[$0])
        }
    }

    /// Draws i.i.d. N(0, 1) parameters from `source`, in the flat order
    /// `W^1` (row-major), `b^1`, `W^2`, `b^2`, …, `W^{L+1}`, `b^{L+1}`.
    ///
    /// Biases are drawn even when `biasStd` is 0, so that the weights for a
    /// given seed do not depend on the bias scale.
    public init(drawnFrom source: GaussianSource, architecture: NetworkArchitecture) {
        let widths = architecture.layerWidths
        var weights: [Matrix] = []
        var biases: [[Double]] = []
        for layer in 1...architecture.layerCount {
            let rows = widths[layer]
            let columns = widths[layer - 1]
            weights.append(Matrix(rows: rows, columns: columns,
                                  storage: source.normals(rows * columns)))
            biases.append(source.normals(rows))
        }
        self.weights = weights
        self.biases = biases
    }

    /// Creates parameters from a flat vector in the order of `flattened`.
    /// - Precondition: `flattened.count == architecture.parameterCount`.
    public init(architecture: NetworkArchitecture, flattened: [Double]) {
        precondition(flattened.count == architecture.parameterCount,
                     "The flat parameter vector has \(flattened.count) entries, but the "
                         + "architecture has \(architecture.parameterCount) parameters.")
        let widths = architecture.layerWidths
        var weights: [Matrix] = []
        var biases: [[Double]] = []
        var offset = 0
        for layer in 1...architecture.layerCount {
            let rows = widths[layer]
            let weightCount = rows * widths[layer - 1]
            weights.append(Matrix(rows: rows, columns: widths[layer - 1],
                                  storage: Array(flattened[offset..<(offset + weightCount)])))
            offset += weightCount
            biases.append(Array(flattened[offset..<(offset + rows)]))
            offset += rows
        }
        self.weights = weights
        self.biases = biases
    }

    /// Creates parameters with the layer shapes of `template` from a flat
    /// vector in the order of `flattened`.
    /// - Precondition: `flattened.count == template.count`.
    public init(shapedLike template: NetworkParameters, flattened: [Double]) {
        precondition(flattened.count == template.count,
                     "The flat parameter vector has \(flattened.count) entries, but the "
                         + "template has \(template.count).")
        var offset = 0
        var weights: [Matrix] = []
        var biases: [[Double]] = []
        for (w, b) in zip(template.weights, template.biases) {
            let weightCount = w.rows * w.columns
            weights.append(Matrix(rows: w.rows, columns: w.columns,
                                  storage: Array(flattened[offset..<(offset + weightCount)])))
            offset += weightCount
            biases.append(Array(flattened[offset..<(offset + b.count)]))
            offset += b.count
        }
        self.weights = weights
        self.biases = biases
    }

    /// Number of scalar entries over all layers.
    public var count: Int {
        zip(weights, biases).reduce(0) { $0 + $1.0.storage.count + $1.1.count }
    }

    /// All entries in the flat order `W^1`, `b^1`, …, `W^{L+1}`, `b^{L+1}`.
    public var flattened: [Double] {
        var out: [Double] = []
        out.reserveCapacity(count)
        for (w, b) in zip(weights, biases) {
            out.append(contentsOf: w.storage)
            out.append(contentsOf: b)
        }
        return out
    }

    /// Whether every entry is finite.
    public var isFinite: Bool {
        weights.allSatisfy(\.isFinite) && biases.allSatisfy { $0.allSatisfy(\.isFinite) }
    }

    /// Euclidean norm over all entries.
    public var norm: Double {
        var sum = 0.0
        for (w, b) in zip(weights, biases) {
            sum += BLAS.dot(w.storage, w.storage) + BLAS.dot(b, b)
        }
        return sum.squareRoot()
    }

    /// Returns the Euclidean distance `‖self − other‖` over all entries.
    /// - Precondition: both have the same shapes.
    public func distance(to other: NetworkParameters) -> Double {
        var difference = self
        difference.add(other, scaledBy: -1)
        return difference.norm
    }

    /// Sets every weight and bias to 0, keeping the storage.
    public mutating func setToZero() {
        for layer in weights.indices {
            weights[layer].storage.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            biases[layer].withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
    }

    /// Adds `scale * other` to every entry.
    /// - Precondition: both have the same shapes.
    public mutating func add(_ other: NetworkParameters, scaledBy scale: Double) {
        precondition(weights.count == other.weights.count,
                     "Cannot add parameters of \(other.weights.count) layers to parameters "
                         + "of \(weights.count) layers.")
        for layer in weights.indices {
            precondition(weights[layer].rows == other.weights[layer].rows
                             && weights[layer].columns == other.weights[layer].columns,
                         "Layer \(layer + 1) shapes differ: \(weights[layer].rows)x"
                             + "\(weights[layer].columns) and \(other.weights[layer].rows)x"
                             + "\(other.weights[layer].columns).")
            addScaled(other.weights[layer].storage, scale, to: &weights[layer].storage)
            addScaled(other.biases[layer], scale, to: &biases[layer])
        }
    }

    /// Returns `self + scale * other`.
    public func adding(_ other: NetworkParameters, scaledBy scale: Double) -> NetworkParameters {
        var result = self
        result.add(other, scaledBy: scale)
        return result
    }
}

/// Computes `y += alpha * x` elementwise.
private func addScaled(_ x: [Double], _ alpha: Double, to y: inout [Double]) {
    precondition(x.count == y.count, "Vectors differ in length: \(x.count) and \(y.count).")
    x.withUnsafeBufferPointer { px in
        y.withUnsafeMutableBufferPointer { py in
            for i in 0..<px.count { py[i] += alpha * px[i] }
        }
    }
}
