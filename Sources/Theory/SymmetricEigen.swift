import CGSL

/// Eigenvalues and orthonormal eigenvectors of a real symmetric matrix,
/// sorted in descending order of eigenvalue.
public struct SymmetricEigendecomposition: Sendable {
    /// Eigenvalues, largest first.
    public let values: [Double]
    /// Eigenvectors as columns: column i of `vectors` belongs to `values[i]`.
    public let vectors: Matrix

    /// Decomposes `a` with LAPACK's divide-and-conquer `dsyevd`.
    ///
    /// Only the upper triangle of `a` is read.
    /// - Precondition: `a` is square and finite.
    /// - Throws: `NumericalError.noConvergence` when `dsyevd` reports a
    ///   positive `info`.
    /// - Complexity: O(n³).
    public init(_ a: Matrix) throws {
        precondition(a.rows == a.columns, "Eigendecomposition needs a square matrix, got \(a.rows)x\(a.columns).")
        precondition(a.isFinite, "Eigendecomposition input contains NaN or infinity.")
        let n = a.rows
        var work = a.storage
        var w = [Double](repeating: 0, count: n)
        if n > 0 {
            let info = work.withUnsafeMutableBufferPointer { pa in
                w.withUnsafeMutableBufferPointer { pw in
                    LAPACKE_dsyevd(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "U")),
                                   Int32(n), pa.baseAddress, Int32(n), pw.baseAddress)
                }
            }
            try lapackCheck(info, "LAPACKE_dsyevd")
        }
        // dsyevd returns ascending order; reverse columns and values.
        var vectors = Matrix(rows: n, columns: n)
        for i in 0..<n {
            for j in 0..<n { vectors.storage[i * n + j] = work[i * n + (n - 1 - j)] }
        }
        self.values = Array(w.reversed())
        self.vectors = vectors
    }

    /// Decomposes `a` with GSL's `gsl_eigen_symmv`, the slower reference
    /// solver used to cross-check LAPACK in tests.
    public static func gslReference(_ a: Matrix) throws -> SymmetricEigendecomposition {
        precondition(a.rows == a.columns, "Eigendecomposition needs a square matrix.")
        GSLRuntime.prepare()
        let n = a.rows
        guard let m = gsl_matrix_alloc(n, n) else { throw outOfMemory("gsl_matrix_alloc") }
        defer { gsl_matrix_free(m) }
        guard let evec = gsl_matrix_alloc(n, n) else { throw outOfMemory("gsl_matrix_alloc") }
        defer { gsl_matrix_free(evec) }
        guard let eval = gsl_vector_alloc(n) else { throw outOfMemory("gsl_vector_alloc") }
        defer { gsl_vector_free(eval) }
        guard let workspace = gsl_eigen_symmv_alloc(n) else { throw outOfMemory("gsl_eigen_symmv_alloc") }
        defer { gsl_eigen_symmv_free(workspace) }
        for i in 0..<n { for j in 0..<n { gsl_matrix_set(m, i, j, a[i, j]) } }
        try gslCheck(gsl_eigen_symmv(m, eval, evec, workspace), "gsl_eigen_symmv")
        try gslCheck(gsl_eigen_symmv_sort(eval, evec, GSL_EIGEN_SORT_VAL_DESC), "gsl_eigen_symmv_sort")
        var vectors = Matrix(rows: n, columns: n)
        for i in 0..<n { for j in 0..<n { vectors[i, j] = gsl_matrix_get(evec, i, j) } }
        return SymmetricEigendecomposition(values: (0..<n).map { gsl_vector_get(eval, $0) }, vectors: vectors)
    }

    private static func outOfMemory(_ routine: String) -> NumericalError {
        .gsl(routine: routine, status: Int32(GSL_ENOMEM), reason: "out of memory")
    }

    init(values: [Double], vectors: Matrix) {
        self.values = values
        self.vectors = vectors
    }
}
