import LedgerStorage
import StorageTestSupport
import Testing

@Suite("XXH64 checksum")
struct XXH64Tests {
    @Test("XXH64 matches the reference implementation's known answers", arguments: [
        ("", UInt64(0xEF46_DB37_51D8_E999)),
        ("abc", 0x44BC_2CF5_AD77_0999),
        ("Nobody inspects the spammish repetition", 0xFBCE_A83C_8A37_8BF1),
    ])
    func knownAnswers(input: String, expected: UInt64) {
        #expect(XXH64.hash(Array(input.utf8)) == expected)
    }

    @Test("Every length from 0 to 100 hashes differently from its neighbours and a seed changes the hash")
    func lengthsAndSeedsMatter() {
        let bytes = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var seen = Set<UInt64>()
        for length in 0...100 { seen.insert(XXH64.hash(Array(bytes[0..<length]))) }
        #expect(seen.count == 101)
        #expect(XXH64.hash(bytes, seed: 1) != XXH64.hash(bytes))
        #expect(XXH64.stored(0x1234_5678_9ABC_DEF0) == 0x9ABC_DEF0)
    }

    @Test("Flipping any bit of a 256-byte block changes its stored checksum")
    func everyBitFlipIsDetected() {
        let bytes = (0..<256).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 17) }
        let original = XXH64.checksum(bytes)
        for bit in 0..<(bytes.count * 8) {
            var damaged = bytes
            damaged[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
            #expect(XXH64.checksum(damaged) != original, "bit \(bit)")
        }
    }
}
