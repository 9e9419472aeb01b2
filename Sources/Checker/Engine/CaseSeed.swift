/// Deterministic seeds for the cases of a run.
///
/// A case seed mixes the run's base seed, the property id, a purpose
/// ("run", "calibrate", …) and an index through FNV-1a and SplitMix64, so
/// it is the same on every machine and in every process (unlike Swift's
/// randomized `Hasher`). Replaying a run with the same base seed replays
/// every case.
public enum CaseSeed {
    public static func derive(base: UInt64, property: String, purpose: String, index: Int) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(property)/\(purpose)/\(index)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return splitMix(hash ^ splitMix(base))
    }

    static func splitMix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A second independent stream from one case seed, for example the
    /// training sample as opposed to the network's initialization.
    public static func substream(_ seed: UInt64, _ name: String) -> UInt64 {
        derive(base: seed, property: name, purpose: "substream", index: 0)
    }
}
