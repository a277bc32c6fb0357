import Dispatch
import Foundation

/// Builds arrays whose elements are computed by several threads, each writing its own
/// indexes in place: no per-element `Optional`/`Result` wrapper and no copying pass (at
/// ~15 µs per signature these would cost several percent of a batch).
///
/// The one "parallel result slot" helper of the project: batch signing and verifying,
/// parallel block decoding and any other parallel map go through it.
public enum ParallelFill {
    /// Where writers put elements and errors.
    ///
    /// @unchecked Sendable: each index is initialised by exactly one writer; the buffer is
    /// read only after every writer has finished (`fill`'s `run` returned), and the failure
    /// box is lock-protected.
    public struct Slots<T>: @unchecked Sendable {
        fileprivate let base: UnsafeMutablePointer<T>
        fileprivate let written: UnsafeMutablePointer<Bool>
        fileprivate let failure: FailureBox

        /// Initialises element `index` (once).
        public func put(_ value: T, at index: Int) {
            (base + index).initialize(to: value)
            written[index] = true
        }

        /// Records a failure; the first one recorded is what `fill` throws.
        public func fail(_ error: any Error) { failure.record(error) }
    }

    /// Thrown by `fill` when `run` returned with an index nobody wrote (a bug in the caller).
    public struct Incomplete: Error, Sendable {
        /// How many elements were not written.
        public let missing: Int
    }

    /// The first error any writer hit.
    fileprivate final class FailureBox: @unchecked Sendable {  // `first` is only touched under `lock`.
        private let lock = NSLock()
        private var first: (any Error)?

        func record(_ error: any Error) {
            lock.withLock { if first == nil { first = error } }
        }

        var error: (any Error)? { lock.withLock { first } }
    }

    /// Calls `run` with slots for `count` elements and returns them once `run` returns.
    ///
    /// `run` must not return before every writer it started has finished. If any writer
    /// failed, or left an index unwritten, the written elements are destroyed and the first
    /// error (or `Incomplete`) is thrown.
    public static func fill<T>(count: Int, _ run: (Slots<T>) throws -> Void) throws -> [T] {
        guard count > 0 else { return [] }
        let written = UnsafeMutablePointer<Bool>.allocate(capacity: count)
        written.initialize(repeating: false, count: count)
        defer { written.deallocate() }
        let failure = FailureBox()
        var thrown: (any Error)?
        var missing = count
        let result = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = 0
            guard let base = buffer.baseAddress else { return }
            do {
                try run(Slots(base: base, written: written, failure: failure))
            } catch {
                thrown = error
            }
            missing = (0..<count).reduce(0) { $0 + (written[$1] ? 0 : 1) }
            if thrown == nil, failure.error == nil, missing == 0 {
                initialized = count
            } else {
                for i in 0..<count where written[i] { (base + i).deinitialize(count: 1) }
            }
        }
        if let thrown { throw thrown }
        if let error = failure.error { throw error }
        guard result.count == count else { throw Incomplete(missing: missing) }
        return result
    }

    /// Runs `body` over `0..<count` in contiguous chunks on up to `parallelism` threads;
    /// each chunk first makes its own `context` (e.g. a private copy of a key).
    public static func forEachChunk<C>(
        count: Int, parallelism: Int, context: @Sendable () -> C, _ body: @Sendable (C, Range<Int>) -> Void
    ) {
        guard count > 0 else { return }
        let threads = max(1, min(parallelism, count))
        if threads == 1 {
            body(context(), 0..<count)
            return
        }
        // Several chunks per thread, so a thread slowed by other load does not hold the rest up.
        let chunks = min(count, threads * 8)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            body(context(), (count * chunk / chunks)..<(count * (chunk + 1) / chunks))
        }
    }

    /// `transform(worker, index)` for every index of `0..<count`, on `workers` threads, in
    /// index order.
    ///
    /// Each worker claims the next index when it is free, so one slowed by other load does
    /// not hold the rest back; `worker` (0..<workers) lets a worker use its own long-lived
    /// state, such as a decompression context. Blocks until all are done: call it from a
    /// thread of your own, not from the cooperative pool.
    public static func map<T>(count: Int, workers: Int, _ transform: @Sendable (_ worker: Int, _ index: Int) -> T) -> [T] {
        let claims = IndexCounter()
        let threads = max(1, min(workers, count))
        do {
            return try fill(count: count) { (slots: Slots<T>) in
                DispatchQueue.concurrentPerform(iterations: threads) { worker in
                    while let index = claims.next(below: count) { slots.put(transform(worker, index), at: index) }
                }
            }
        } catch {
            // Unreachable: every index is claimed exactly once and no writer fails.
            preconditionFailure("ParallelFill.map left an index unwritten: \(error)")
        }
    }

    /// Hands out indexes 0, 1, 2, … to the workers of one `map`.
    private final class IndexCounter: @unchecked Sendable {  // `claimed` is only touched under `lock`.
        private let lock = NSLock()
        private var claimed = 0

        func next(below count: Int) -> Int? {
            lock.withLock {
                guard claimed < count else { return nil }
                defer { claimed += 1 }
                return claimed
            }
        }
    }
}
