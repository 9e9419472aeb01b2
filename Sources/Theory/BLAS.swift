import CGSL

/// Thin wrappers over OpenBLAS's CBLAS for row-major `Matrix` values.
public enum BLAS {
    /// Computes `alpha * op(a) * op(b) + beta * c` into `c`, where `op` is
    /// the identity or the transpose.
    public static func gemm(_ a: Matrix, transposeA: Bool = false,
                            _ b: Matrix, transposeB: Bool = false,
                            alpha: Double = 1, beta: Double = 0, into c: inout Matrix) {
        let m = transposeA ? a.columns : a.rows
        let k = transposeA ? a.rows : a.columns
        let kb = transposeB ? b.columns : b.rows
        let n = transposeB ? b.rows : b.columns
        precondition(k == kb, "gemm inner dimensions differ: \(k) and \(kb).")
        precondition(c.rows == m && c.columns == n,
                     "gemm output is \(c.rows)x\(c.columns), expected \(m)x\(n).")
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in c.storage.indices { c.storage[i] *= beta }
            return
        }
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c.storage.withUnsafeMutableBufferPointer { pc in
                    cblas_dgemm(CblasRowMajor,
                                transposeA ? CblasTrans : CblasNoTrans,
                                transposeB ? CblasTrans : CblasNoTrans,
                                Int32(m), Int32(n), Int32(k), alpha,
                                pa.baseAddress, Int32(a.columns),
                                pb.baseAddress, Int32(b.columns),
                                beta, pc.baseAddress, Int32(n))
                }
            }
        }
    }

    /// Returns `alpha * op(a) * op(b)`.
    public static func product(_ a: Matrix, transposeA: Bool = false,
                               _ b: Matrix, transposeB: Bool = false,
                               alpha: Double = 1) -> Matrix {
        let m = transposeA ? a.columns : a.rows
        let n = transposeB ? b.rows : b.columns
        var c = Matrix(rows: m, columns: n)
        gemm(a, transposeA: transposeA, b, transposeB: transposeB, alpha: alpha, into: &c)
        return c
    }

    /// Returns `alpha * a * aᵀ` (the Gram matrix of the rows of `a`), full
    /// symmetric storage.
    public static func gram(_ a: Matrix, alpha: Double = 1) -> Matrix {
        let n = a.rows
        var c = Matrix(rows: n, columns: n)
        if n == 0 { return c }
        if a.columns > 0 {
            a.storage.withUnsafeBufferPointer { pa in
                c.storage.withUnsafeMutableBufferPointer { pc in
                    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, Int32(n),
                                Int32(a.columns), alpha, pa.baseAddress, Int32(a.columns),
                                0, pc.baseAddress, Int32(n))
                }
            }
        }
        for i in 0..<n {
            for j in 0..<i { c.storage[i * n + j] = c.storage[j * n + i] }
        }
        return c
    }

    /// Returns `a * x` for a vector `x`.
    public static func multiply(_ a: Matrix, _ x: [Double], transpose: Bool = false) -> [Double] {
        let outCount = transpose ? a.columns : a.rows
        precondition(x.count == (transpose ? a.rows : a.columns),
                     "gemv vector has \(x.count) entries, matrix is \(a.rows)x\(a.columns).")
        var y = [Double](repeating: 0, count: outCount)
        if a.rows == 0 || a.columns == 0 { return y }
        a.storage.withUnsafeBufferPointer { pa in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    cblas_dgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans,
                                Int32(a.rows), Int32(a.columns), 1, pa.baseAddress,
                                Int32(a.columns), px.baseAddress, 1, 0, py.baseAddress, 1)
                }
            }
        }
        return y
    }

    public static func dot(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "dot vectors differ in length: \(x.count) and \(y.count).")
        return x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in cblas_ddot(Int32(x.count), px.baseAddress, 1, py.baseAddress, 1) }
        }
    }

    /// Limits OpenBLAS to `count` threads.
    public static func setThreads(_ count: Int) {
        cgsl_set_blas_threads(Int32(count))
    }
}
