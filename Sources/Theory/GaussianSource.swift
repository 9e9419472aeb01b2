import CGSL

/// A seeded stream of standard normal draws.
///
/// The generator is GSL's `gsl_rng_mt19937` (Mersenne Twister) seeded with
/// the low 32 bits of `seed` mixed with the high 32 bits, and normals come
/// from `gsl_ran_gaussian_ziggurat` with σ = 1. The same seed gives the same
/// stream on every machine with the same GSL version (checked with 2.7.1).
public final class GaussianSource {
    private let rng: OpaquePointer
    public let seed: UInt64

    public init(seed: UInt64) {
        GSLRuntime.prepare()
        guard let r = gsl_rng_alloc(gsl_rng_mt19937) else {
            fatalError("gsl_rng_alloc failed: out of memory.")
        }
        self.rng = OpaquePointer(r)
        self.seed = seed
        let mixed = UInt((seed & 0xffff_ffff) ^ (seed >> 32) ^ 0x9e37_79b9)
        gsl_rng_set(r, mixed)
    }

    deinit { gsl_rng_free(UnsafeMutablePointer(rng)) }

    /// One standard normal draw.
    public func next() -> Double {
        gsl_ran_gaussian_ziggurat(UnsafeMutablePointer(rng), 1.0)
    }

    /// `count` standard normal draws.
    public func normals(_ count: Int) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        let r = UnsafeMutablePointer<gsl_rng>(rng)
        for i in 0..<count { out[i] = gsl_ran_gaussian_ziggurat(r, 1.0) }
        return out
    }

    /// A uniform draw in [0, 1).
    public func uniform() -> Double {
        gsl_rng_uniform(UnsafeMutablePointer(rng))
    }

    /// A uniform integer in 0..<n.
    public func index(below n: Int) -> Int {
        precondition(n > 0 && n <= Int(UInt32.max), "index(below:) needs 0 < n < 2^32.")
        return Int(gsl_rng_uniform_int(UnsafeMutablePointer(rng), UInt(n)))
    }

    /// `count` distinct indices from 0..<n, in random order (partial
    /// Fisher–Yates shuffle).
    public func sample(_ count: Int, from n: Int) -> [Int] {
        precondition(count <= n, "Cannot draw \(count) distinct indices from \(n).")
        var pool = Array(0..<n)
        for i in 0..<count {
            let j = i + index(below: n - i)
            pool.swapAt(i, j)
        }
        return Array(pool[0..<count])
    }
}
