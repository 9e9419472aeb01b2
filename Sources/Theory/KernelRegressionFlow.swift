import Foundation

/// Gradient flow of an infinite-width network trained on n samples, which
/// is kernel regression by flow with the analytic Gram matrix G:
///
///     r̂_t = e^{−tG/n} r̂_0                                  on the training inputs X
///     r_t(x) = r_0(x) − (1/n) K(x, X) V diag((1 − e^{−λ_i t})/λ_i) Vᵀ r̂_0   elsewhere
///
/// where G/n = V diag(λ) Vᵀ and the factor is t when λ_i = 0.
public struct KernelRegressionFlow: Sendable {
    /// Eigenvalues of G/n, descending, clamped at 0.
    public let eigenvalues: [Double]
    let vectors: Matrix
    public let sampleCount: Int

    /// Diagonalizes G/n for a training Gram matrix `gram`.
    public init(trainingGram gram: Matrix) throws {
        precondition(gram.rows == gram.columns && gram.rows > 0, "Training Gram matrix must be square and non-empty.")
        let n = gram.rows
        var scaled = gram
        for i in scaled.storage.indices { scaled.storage[i] /= Double(n) }
        let decomposition = try SymmetricEigendecomposition(scaled)
        eigenvalues = decomposition.values.map { max($0, 0) }
        vectors = decomposition.vectors
        sampleCount = n
    }

    /// The coefficient vector c_t = (1/n) V diag((1 − e^{−λt})/λ) Vᵀ r̂_0, so
    /// that r_t(x) = r_0(x) − K(x, X) c_t.
    public func correction(trainingResidual r0: [Double], time t: Double) -> [Double] {
        precondition(r0.count == sampleCount, "Training residual has \(r0.count) values, expected \(sampleCount).")
        let projected = BLAS.multiply(vectors, r0, transpose: true)
        let scaled = (0..<projected.count).map {
            -projected[$0] * PopulationOperator.decayFactor(eigenvalue: eigenvalues[$0], time: t)
        }
        return BLAS.multiply(vectors, scaled).map { $0 / Double(sampleCount) }
    }

    /// r_t at points with cross-kernel `crossToTraining` = K(points, X) and
    /// initial residual `initialAtPoints` = r_0(points).
    public func residual(at crossToTraining: Matrix, initialAtPoints: [Double],
                         trainingResidual r0: [Double], time t: Double) -> [Double] {
        precondition(crossToTraining.columns == sampleCount, "Cross-kernel must have one column per training input.")
        let c = correction(trainingResidual: r0, time: t)
        let change = BLAS.multiply(crossToTraining, c)
        return (0..<initialAtPoints.count).map { initialAtPoints[$0] - change[$0] }
    }

    /// r̂_t = e^{−tG/n} r̂_0 on the training inputs.
    public func trainingResidual(_ r0: [Double], time t: Double) -> [Double] {
        let projected = BLAS.multiply(vectors, r0, transpose: true)
        let decayed = (0..<projected.count).map { projected[$0] * exp(-eigenvalues[$0] * t) }
        return BLAS.multiply(vectors, decayed)
    }
}
