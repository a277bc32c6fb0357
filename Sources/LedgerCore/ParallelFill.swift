import Dispatch
import Foundation

/// Builds an array whose elements are computed by several threads, each writing its own
/// indexes in place: no per-element `Optional`/`Result` wrapper and no copying pass, which
/// at ~15 µs per signature would otherwise cost several percent of a batch.
enum ParallelFill {
    /// Where writers put elements and errors.
    ///
    /// @unchecked Sendable: each index is initialised by exactly one writer; the buffer is
    /// read only after every writer has finished (concurrentPerform returned or the
    /// DispatchGroup was waited on), and the error box is lock-protected.
    struct Slots<T>: @unchecked Sendable {
        fileprivate let base: UnsafeMutablePointer<T>
        fileprivate let written: UnsafeMutablePointer<Bool>
        fileprivate let failure: FailureBox

        /// Initialises element `index` (once).
        func put(_ value: T, at index: Int) {
            (base + index).initialize(to: value)
            written[index] = true
        }

        /// Records a failure; the first one recorded is what `fill` throws.
        func fail(_ error: CoreError) { failure.record(error) }
    }

    /// The first error any writer hit.
    final class FailureBox: @unchecked Sendable {  // @unchecked Sendable: `first` is only touched under `lock`.
        private let lock = NSLock()
        private var first: CoreError?
        func record(_ error: CoreError) {
            lock.lock()
            if first == nil { first = error }
            lock.unlock()
        }
        var error: CoreError? {
            lock.lock()
            defer { lock.unlock() }
            return first
        }
    }

    /// Calls `run` with slots for `count` elements and returns them once `run` returns.
    ///
    /// `run` must not return before every writer it started has finished. If any writer
    /// failed, or left an index unwritten, the written elements are destroyed and the first
    /// error is thrown.
    static func fill<T>(count: Int, _ run: (Slots<T>) throws -> Void) throws -> [T] {
        guard count > 0 else { return [] }
        let written = UnsafeMutablePointer<Bool>.allocate(capacity: count)
        written.initialize(repeating: false, count: count)
        defer { written.deallocate() }
        let failure = FailureBox()
        var thrown: (any Error)?
        let result = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = 0
            guard let base = buffer.baseAddress else { return }
            do {
                try run(Slots(base: base, written: written, failure: failure))
            } catch {
                thrown = error
            }
            var complete = thrown == nil && failure.error == nil
            for i in 0..<count where !written[i] { complete = false }
            if complete {
                initialized = count
            } else {
                for i in 0..<count where written[i] { (base + i).deinitialize(count: 1) }
            }
        }
        if let thrown { throw thrown }
        if let error = failure.error { throw error }
        guard result.count == count else {
            throw CoreError(.signingFailed, "a parallel batch finished with \(count - result.count) elements missing")
        }
        return result
    }

    /// Runs `body` over `0..<count` in contiguous chunks on up to `parallelism` threads;
    /// each chunk first makes its own `context` (e.g. a private copy of a key).
    static func forEachChunk<C>(
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
}
