import CGSL
import Foundation

/// A discrete representation of an input distribution ρ: nodes z_j (rows
/// of `nodes`) with positive weights w_j summing to 1, so that
/// ∫ g dρ ≈ Σ_j w_j g(z_j).
public struct Quadrature: Sendable {
    public let nodes: Matrix
    public let weights: [Double]
    /// A short description for reports, for example "S^2, 40 x 80 product rule".
    public let label: String

    public init(nodes: Matrix, weights: [Double], label: String) {
        precondition(nodes.rows == weights.count, "Quadrature has \(nodes.rows) nodes but \(weights.count) weights.")
        precondition(nodes.rows > 0, "Quadrature needs at least one node.")
        precondition(weights.allSatisfy { $0 > 0 && $0.isFinite }, "Quadrature weights must be positive and finite.")
        let total = weights.reduce(0, +)
        precondition(abs(total - 1) < 1e-12, "Quadrature weights sum to \(total), expected 1.")
        self.nodes = nodes
        self.weights = weights
        self.label = label
    }

    public var count: Int { weights.count }
    public var dimension: Int { nodes.columns }

    /// Σ_j w_j g(z_j)², the squared L²(ρ) norm of a function given by its
    /// node values.
    public func squaredNorm(_ values: [Double]) -> Double {
        precondition(values.count == count, "Function has \(values.count) node values, quadrature has \(count).")
        var sum = 0.0
        for j in 0..<count { sum += weights[j] * values[j] * values[j] }
        return sum
    }

    /// The L²(ρ) norm of a function given by its node values.
    public func norm(_ values: [Double]) -> Double { squaredNorm(values).squareRoot() }

    /// The L²(ρ) inner product of two functions given by node values.
    public func inner(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == count && b.count == count, "Functions must have one value per node.")
        var sum = 0.0
        for j in 0..<count { sum += weights[j] * a[j] * b[j] }
        return sum
    }

    /// N equispaced points on the circle of radius √2, weights 1/N.
    public static func circle(count n: Int) -> Quadrature {
        precondition(n >= 1, "The circle rule needs at least one node, got \(n).")
        let radius = 2.0.squareRoot()
        var nodes = Matrix(rows: n, columns: 2)
        for j in 0..<n {
            let angle = 2 * Double.pi * Double(j) / Double(n)
            nodes[j, 0] = radius * cos(angle)
            nodes[j, 1] = radius * sin(angle)
        }
        return Quadrature(nodes: nodes, weights: Array(repeating: 1 / Double(n), count: n),
                          label: "circle, \(n) equispaced nodes")
    }

    /// A product rule on S² of radius √3: Gauss–Legendre in the polar
    /// cosine (GSL's `gsl_integration_glfixed_table`) times equispaced
    /// azimuths. It integrates spherical harmonics of degree below
    /// min(2·polar, azimuthal) exactly.
    public static func sphere2(polar: Int, azimuthal: Int) throws -> Quadrature {
        precondition(polar >= 1 && azimuthal >= 1, "The S^2 rule needs positive node counts.")
        GSLRuntime.prepare()
        guard let table = gsl_integration_glfixed_table_alloc(polar) else {
            throw NumericalError.gsl(routine: "gsl_integration_glfixed_table_alloc", status: Int32(GSL_ENOMEM),
                                     reason: "out of memory")
        }
        defer { gsl_integration_glfixed_table_free(table) }
        let radius = 3.0.squareRoot()
        var nodes = Matrix(rows: polar * azimuthal, columns: 3)
        var weights = [Double](repeating: 0, count: polar * azimuthal)
        for i in 0..<polar {
            var u = 0.0
            var w = 0.0
            try gslCheck(gsl_integration_glfixed_point(-1, 1, i, &u, &w, table), "gsl_integration_glfixed_point")
            let s = max(1 - u * u, 0).squareRoot()
            for k in 0..<azimuthal {
                let phi = 2 * Double.pi * Double(k) / Double(azimuthal)
                let j = i * azimuthal + k
                nodes[j, 0] = radius * s * cos(phi)
                nodes[j, 1] = radius * s * sin(phi)
                nodes[j, 2] = radius * u
                weights[j] = w / 2 / Double(azimuthal)
            }
        }
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        return Quadrature(nodes: nodes, weights: weights,
                          label: "S^2, \(polar) Gauss-Legendre x \(azimuthal) azimuths")
    }

    /// `count` i.i.d. uniform points on S^{d−1} of radius √d (normalized
    /// Gaussian vectors from `GaussianSource(seed:)`), weights 1/count.
    public static func sphereSample(dimension d: Int, count n: Int, seed: UInt64) -> Quadrature {
        Quadrature(nodes: sphereSamplePoints(dimension: d, count: n, seed: seed),
                   weights: Array(repeating: 1 / Double(n), count: n),
                   label: "S^\(d - 1), \(n) uniform samples (seed \(seed))")
    }

    /// `count` i.i.d. uniform points on S^{d−1} scaled to norm √d.
    public static func sphereSamplePoints(dimension d: Int, count n: Int, seed: UInt64) -> Matrix {
        precondition(d >= 2 && n >= 1, "Sphere samples need d >= 2 and at least one point.")
        let source = GaussianSource(seed: seed)
        var points = Matrix(rows: n, columns: d)
        let radius = Double(d).squareRoot()
        for i in 0..<n {
            var row = source.normals(d)
            var norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            while norm == 0 {
                row = source.normals(d)
                norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            }
            for k in 0..<d { points[i, k] = radius * row[k] / norm }
        }
        return points
    }

    /// The empirical distribution of the rows of `data`, weights 1/N.
    public static func dataset(_ data: Matrix, label: String) -> Quadrature {
        Quadrature(nodes: data, weights: Array(repeating: 1 / Double(data.rows), count: data.rows), label: label)
    }

    /// The same nodes restricted to `indices`, weights renormalized.
    public func restricted(to indices: [Int], label: String) -> Quadrature {
        let w = indices.map { weights[$0] }
        let total = w.reduce(0, +)
        return Quadrature(nodes: nodes.selectingRows(indices), weights: w.map { $0 / total }, label: label)
    }
}
