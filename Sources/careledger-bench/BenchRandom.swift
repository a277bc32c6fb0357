import LedgerCore

/// SplitMix64, seeded, so every run of a benchmark measures the same corpus.
struct BenchRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A random 32-byte id from four draws.
    mutating func hash() -> Hash32 { Hash32(w0: next(), w1: next(), w2: next(), w3: next()) }

    /// `count` random bytes, one draw each.
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
}
