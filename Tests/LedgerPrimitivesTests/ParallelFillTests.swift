import LedgerPrimitives
import Testing

struct ParallelFillTests {
    @Test func mapReturnsEveryResultInIndexOrder() {
        for count in [0, 1, 7, 1000] {
            let squares = ParallelFill.map(count: count, workers: 4) { _, index in index * index }
            #expect(squares == (0..<count).map { $0 * $0 })
        }
    }

    @Test func fillThrowsTheFirstRecordedFailure() {
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            _ = try ParallelFill.fill(count: 10) { (slots: ParallelFill.Slots<Int>) in
                for i in 0..<5 { slots.put(i, at: i) }
                slots.fail(Boom())
            }
        }
    }

    @Test func fillReportsIndexesNobodyWrote() {
        #expect(throws: ParallelFill.Incomplete.self) {
            _ = try ParallelFill.fill(count: 3) { (slots: ParallelFill.Slots<String>) in slots.put("a", at: 0) }
        }
    }
}
