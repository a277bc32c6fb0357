import LedgerPrimitives
import TestSupport
import Testing

struct ByteCursorTests {
    typealias Cursor = ByteCursor<[UInt8], ByteCursorFault>

    @Test func integersReadInTheCursorsByteOrder() throws {
        let bytes: [UInt8] = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]
        var big = Cursor(bytes, byteOrder: .bigEndian)
        #expect(try big.u16() == 0x0102)
        #expect(try big.u32() == 0x0304_0506)
        var little = Cursor(bytes, byteOrder: .littleEndian)
        #expect(try little.u64() == 0x0807_0605_0403_0201)
        #expect(little.isAtEnd)
    }

    @Test func nonContiguousBytesReadTheSameAsAnArray() throws {
        let bytes: [UInt8] = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a]
        for order in [ByteOrder.bigEndian, .littleEndian] {
            var array = Cursor(bytes, byteOrder: order, from: 1)
            var lazy = ByteCursor<LazyMapCollection<[UInt8], UInt8>, ByteCursorFault>(bytes.lazy.map { $0 }, byteOrder: order, from: 1)
            #expect(try array.u64() == lazy.u64() && array.u8() == lazy.u8())
        }
    }

    @Test func whatTheWriterWritesTheCursorReadsBack() throws {
        var generator = SeededGenerator(seed: 7)
        for order in [ByteOrder.bigEndian, .littleEndian] {
            for _ in 0..<500 {
                let a = UInt16.random(in: .min ... .max, using: &generator)
                let b = UInt32.random(in: .min ... .max, using: &generator)
                let c = UInt64.random(in: .min ... .max, using: &generator)
                let v = UInt64.random(in: .min ... .max, using: &generator) >> UInt64.random(in: 0...63, using: &generator)
                var writer = ByteWriter(order)
                writer.u16(a); writer.u32(b); writer.u64(c); writer.varint(v); writer.raw([9, 9])
                var cursor = Cursor(writer.bytes, byteOrder: order)
                #expect(try cursor.u16() == a && cursor.u32() == b && cursor.u64() == c, "seed 7")
                #expect(try cursor.varint() == v && cursor.raw(2) == [9, 9], "seed 7, varint \(v)")
                try cursor.expectEnd("test")
            }
        }
    }

    @Test func aReadPastTheEndThrowsTruncatedAtTheFieldsOffset() {
        var cursor = Cursor([1, 2, 3], byteOrder: .bigEndian, base: 100)
        #expect(throws: Never.self) { _ = try cursor.u8("tag") }
        do {
            _ = try cursor.u32("length")
            Issue.record("a 4-byte read of 2 bytes succeeded")
        } catch {
            #expect(error.kind == .truncated(needed: 4) && error.field == "length" && error.offset == 101 && error.available == 2)
        }
        #expect(cursor.position == 1, "a failed read does not move the cursor")
    }

    @Test func overlongAndOverflowingVarintsAreRejected() {
        var overlong = Cursor([0x80, 0x00], byteOrder: .bigEndian)
        #expect(throws: ByteCursorFault.self) { _ = try overlong.varint("n") }
        var overflow = Cursor([UInt8](repeating: 0xff, count: 9) + [0x02], byteOrder: .bigEndian)
        #expect(throws: ByteCursorFault.self) { _ = try overflow.varint("n") }
        var limited = Cursor([0x05], byteOrder: .bigEndian)
        #expect(throws: ByteCursorFault.self) { _ = try limited.count("n", limit: 4) }
        #expect(limited.position == 0)
    }

    @Test func negativeOrHugeCountsThrowInsteadOfTrapping() {
        var cursor = Cursor([1, 2, 3], byteOrder: .bigEndian)
        #expect(throws: ByteCursorFault.self) { _ = try cursor.raw(-1) }
        #expect(throws: ByteCursorFault.self) { try cursor.skip(Int.max) }
    }
}
