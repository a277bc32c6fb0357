import LedgerCore

extension Hash32 {
    /// Appends the 32 bytes (four big-endian words) to `buffer` without intermediate arrays.
    func append(to buffer: inout [UInt8]) {
        withUnsafeBytes(of: w0.bigEndian) { buffer.append(contentsOf: $0) }
        withUnsafeBytes(of: w1.bigEndian) { buffer.append(contentsOf: $0) }
        withUnsafeBytes(of: w2.bigEndian) { buffer.append(contentsOf: $0) }
        withUnsafeBytes(of: w3.bigEndian) { buffer.append(contentsOf: $0) }
    }

    /// Reads 32 bytes at `offset` of `bytes`; the caller guarantees they are there.
    init(reading bytes: [UInt8], at offset: Int) {
        func word(_ start: Int) -> UInt64 {
            var value: UInt64 = 0
            for index in start..<(start + 8) { value = value << 8 | UInt64(bytes[index]) }
            return value
        }
        self.init(w0: word(offset), w1: word(offset + 8), w2: word(offset + 16), w3: word(offset + 24))
    }
}
