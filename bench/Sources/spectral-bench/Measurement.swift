import Dispatch
import Theory

/// Timings of one benchmark case and checksums of its result.
struct CaseReport: Codable {
    /// Median of `sampleSeconds`, in seconds.
    var medianSeconds: Double
    /// Wall-clock time of each timed repeat, in seconds.
    var sampleSeconds: [Double]
    /// Number of untimed runs before the timed ones.
    var warmupCount: Int
    /// Scalar summaries of the result, compared against the peer's.
    var checksums: [String: Double]
}

/// Runs `body` `warmupCount` times untimed, then `repeats` times timed, and
/// returns the timings with the checksums of the last result.
///
/// `prepare` runs before every call of `body`, outside the timed region, so
/// a case that mutates state (such as training) can reset it.
func measure<Result>(repeats: Int, warmupCount: Int = 1, prepare: () -> Void = {},
                     body: () -> Result,
                     checksums: (Result) -> [String: Double]) -> CaseReport {
    precondition(repeats >= 1, "A measurement needs at least one timed repeat, got \(repeats).")
    var result: Result?
    for _ in 0..<warmupCount {
        prepare()
        result = body()
    }
    var samples: [Double] = []
    for _ in 0..<repeats {
        prepare()
        let start = DispatchTime.now().uptimeNanoseconds
        result = body()
        let end = DispatchTime.now().uptimeNanoseconds
        samples.append(Double(end - start) * 1e-9)
    }
    return CaseReport(medianSeconds: median(samples), sampleSeconds: samples,
                      warmupCount: warmupCount, checksums: checksums(result!))
}

/// Returns the median, the mean of the two middle values for an even count.
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// Returns the trace, the sum of the off-diagonal entries and the Frobenius
/// norm of a square `matrix`.
func matrixChecksums(_ matrix: Matrix) -> [String: Double] {
    let trace = matrix.trace
    return ["trace": trace, "off_diagonal_sum": matrix.storage.reduce(0, +) - trace,
            "frobenius_norm": matrix.frobeniusNorm]
}
