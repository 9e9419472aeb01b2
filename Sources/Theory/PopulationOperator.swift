import Foundation

/// The integral operator (T g)(x) = ∫ K(x, s) g(s) dρ(s) of a kernel on a
/// quadrature representation of ρ, diagonalized through the symmetric
/// matrix A = W^{1/2} K W^{1/2} = V Λ Vᵀ with W = diag(w).
///
/// Eigenfunctions are orthonormal in L²(ρ) and take the node values
/// φ_i(z_j) = V_ji / √w_j; eigenvalues are sorted in descending order, and
/// tiny negative eigenvalues from rounding are clamped to 0.
public struct PopulationOperator: Sendable {
    public let quadrature: Quadrature
    /// Eigenvalues λ_1 ≥ λ_2 ≥ … ≥ 0.
    public let eigenvalues: [Double]
    /// The eigenvalues before clamping, for diagnostics.
    public let rawEigenvalues: [Double]
    /// Orthonormal eigenvectors V of A as columns.
    let vectors: Matrix
    let sqrtWeights: [Double]
    /// The kernel evaluated between arbitrary points and the nodes.
    let crossKernel: @Sendable (Matrix) -> Matrix

    /// Builds the operator from the node Gram matrix and a function that
    /// evaluates K(x, z_j) for a matrix of points x.
    /// - Throws: `NumericalError.noConvergence` from LAPACK's `dsyevd`.
    public init(quadrature: Quadrature, gram: Matrix,
                crossKernel: @escaping @Sendable (Matrix) -> Matrix) throws {
        precondition(gram.rows == quadrature.count && gram.columns == quadrature.count,
                     "Gram matrix is \(gram.rows)x\(gram.columns), quadrature has \(quadrature.count) nodes.")
        let n = quadrature.count
        let sw = quadrature.weights.map { $0.squareRoot() }
        var a = gram
        for i in 0..<n { for j in 0..<n { a.storage[i * n + j] *= sw[i] * sw[j] } }
        let decomposition = try SymmetricEigendecomposition(a)
        self.quadrature = quadrature
        self.rawEigenvalues = decomposition.values
        self.eigenvalues = decomposition.values.map { max($0, 0) }
        self.vectors = decomposition.vectors
        self.sqrtWeights = sw
        self.crossKernel = crossKernel
    }

    /// Builds the operator of a network's infinite-width kernel.
    public init(kernel: any NeuralKernel, kind: KernelKind = .ntk, quadrature: Quadrature) throws {
        let nodes = quadrature.nodes
        try self.init(quadrature: quadrature, gram: kernel.gram(nodes, kind: kind)) { points in
            kernel.cross(points, nodes, kind: kind)
        }
    }

    /// Σ_i λ_i, which equals ∫ K(x, x) dρ up to rounding (the trace identity).
    public var trace: Double { eigenvalues.reduce(0, +) }

    /// The node values of eigenfunction φ_i.
    public func eigenfunction(_ i: Int) -> [Double] {
        (0..<quadrature.count).map { vectors[$0, i] / sqrtWeights[$0] }
    }

    /// The coefficients ⟨g, φ_i⟩ in L²(ρ) of a function given by node values,
    /// for i = 0 ..< count.
    public func coefficients(_ values: [Double]) -> [Double] {
        precondition(values.count == quadrature.count, "Function must have one value per node.")
        let scaled = (0..<values.count).map { values[$0] * sqrtWeights[$0] }
        return BLAS.multiply(vectors, scaled, transpose: true)
    }

    /// (e^{−λt} − 1)/λ, which tends to −t as λ → 0, without cancellation.
    @inline(__always)
    public static func decayFactor(eigenvalue lambda: Double, time t: Double) -> Double {
        let x = lambda * t
        if x < 1e-300 { return -t }
        return expm1(-x) / lambda
    }

    /// The node values of e^{−tT} r_0 for r_0 given by node values:
    /// r_0 + Σ_i (e^{−λ_i t} − 1) ⟨r_0, φ_i⟩ φ_i.
    public func evolve(_ initial: [Double], time t: Double) -> [Double] {
        precondition(t >= 0 && t.isFinite, "Time must be non-negative and finite, got \(t).")
        let c = coefficients(initial)
        let scaled = (0..<c.count).map { c[$0] * expm1(-eigenvalues[$0] * t) }
        let change = BLAS.multiply(vectors, scaled)
        return (0..<initial.count).map { initial[$0] + change[$0] / sqrtWeights[$0] }
    }

    /// e^{−tT} r_0 at arbitrary points, from r_0 on the nodes and at the
    /// points:
    ///
    ///     r_0(x) + K(x, Z) W^{1/2} V diag((e^{−λt} − 1)/λ) Vᵀ W^{1/2} r_0(Z)
    ///
    /// which is the Nyström extension φ_i(x) = (1/λ_i) Σ_j w_j K(x, z_j) φ_i(z_j)
    /// with the 1/λ_i folded into a factor that stays finite as λ_i → 0.
    public func evolve(_ initial: [Double], time t: Double, at points: Matrix,
                       initialAtPoints: [Double]) -> [Double] {
        precondition(initialAtPoints.count == points.rows, "Need one initial value per point.")
        let c = coefficients(initial)
        let scaled = (0..<c.count).map { c[$0] * Self.decayFactor(eigenvalue: eigenvalues[$0], time: t) }
        let inNodeBasis = BLAS.multiply(vectors, scaled)
        let weighted = (0..<inNodeBasis.count).map { inNodeBasis[$0] * sqrtWeights[$0] }
        let kernelValues = crossKernel(points)
        let change = BLAS.multiply(kernelValues, weighted)
        return (0..<points.rows).map { initialAtPoints[$0] + change[$0] }
    }

    /// Eigenfunction φ_i extended to arbitrary points by the Nyström formula.
    /// - Precondition: λ_i > 0.
    public func eigenfunction(_ i: Int, at points: Matrix) -> [Double] {
        precondition(eigenvalues[i] > 0, "Eigenfunction \(i) has eigenvalue 0 and no Nyström extension.")
        let weighted = (0..<quadrature.count).map { vectors[$0, i] * sqrtWeights[$0] }
        return BLAS.multiply(crossKernel(points), weighted).map { $0 / eigenvalues[i] }
    }

    /// Applies T to a function given by node values: (T g)(z_j) = Σ_k w_k K(z_j, z_k) g(z_k),
    /// computed through the eigendecomposition.
    public func apply(_ values: [Double]) -> [Double] {
        let c = coefficients(values)
        let scaled = (0..<c.count).map { c[$0] * rawEigenvalues[$0] }
        let change = BLAS.multiply(vectors, scaled)
        return (0..<values.count).map { change[$0] / sqrtWeights[$0] }
    }
}
