import Foundation

/// Runs numbered jobs on threads of its own, at most `concurrency` at once and at most
/// `window` started and not yet consumed, and hands their results to the caller in order
/// (Specs/static-log.md §11.3).
///
/// `concurrency` bounds the requests in flight; `window` bounds the results held in memory
/// (a result that arrives early waits for the ones before it). A worker that ends a job takes
/// the next one itself, so downloads go on while the caller is busy with a result (an ingest).
///
/// The workers are `concurrency` threads started for the run, not dispatch's pool: a job both
/// waits (an HTTP answer, a spool fsync) and computes (decoding, Ed25519), and dispatch's pool
/// on Linux ran no more jobs at once than the machine has cores, so a core sat idle whenever
/// one of them waited. Threads of their own keep `concurrency` jobs running and leave sharing
/// the cores to the kernel.
final class OrderedWindow<Result: Sendable>: @unchecked Sendable {  // every field is read and written under `condition`
    private let condition = NSCondition()
    private var results: [Int: Swift.Result<Result, any Error>] = [:]
    private var workers = 0
    private var running = 0
    /// Jobs started (counted in `running`) and not yet taken by a worker.
    private var ready: [Int] = []
    private var started = 0
    private var consumed = 0
    private var stopped = false
    private let count: Int
    private let window: Int
    private let concurrency: Int
    private let job: @Sendable (Int) throws -> Result

    private init(count: Int, window: Int, concurrency: Int, job: @escaping @Sendable (Int) throws -> Result) {
        self.count = count
        self.window = max(1, window)
        self.concurrency = max(1, min(concurrency, window, count))
        self.job = job
    }

    /// Runs `job(0)…job(count − 1)` and calls `consume` with each result in order on the
    /// calling thread. The first error (of a job, or thrown by `consume`) stops it: no new job
    /// starts; jobs in flight are waited for (a job's side effects, such as a spooled bundle,
    /// are complete when `run` returns) and their results dropped.
    /// - Parameters:
    ///   - window: results started and not yet consumed, at most.
    ///   - concurrency: jobs running at once, at most (default and at most `window`).
    static func run(count: Int, window: Int, concurrency: Int? = nil, job: @escaping @Sendable (Int) throws -> Result,
                    consume: (Int, Result) throws -> Void) throws {
        guard count > 0 else { return }
        let state = OrderedWindow(count: count, window: window, concurrency: concurrency ?? window, job: job)
        defer { state.stopAndWait() }
        state.condition.lock()
        state.workers = state.concurrency
        state.launch()
        state.condition.unlock()
        for _ in 0..<state.concurrency {
            let thread = Thread { state.work() }
            thread.name = "careledger.mirror.fetch"
            thread.start()
        }
        for next in 0..<count {
            state.condition.lock()
            while state.results[next] == nil { state.condition.wait() }
            let result = state.results.removeValue(forKey: next)
            state.consumed = next + 1
            if case .failure = result { state.stopped = true }
            state.launch()
            state.condition.unlock()
            if let result { try consume(next, try result.get()) }
        }
    }

    /// Starts jobs while the bounds allow (a worker takes each). Called with `condition` locked.
    private func launch() {
        while !stopped && started < count && started < consumed + window && running < concurrency {
            ready.append(started)
            started += 1
            running += 1
        }
        condition.broadcast()
    }

    /// One worker: runs the jobs started, until none is left to start or the run stops. A job
    /// started before a stop still runs (at most `concurrency` of them).
    private func work() {
        condition.lock()
        while true {
            while ready.isEmpty && !stopped && started < count { condition.wait() }
            guard !ready.isEmpty else { break }
            let index = ready.removeFirst()
            condition.unlock()
            let result = Swift.Result { try job(index) }
            condition.lock()
            results[index] = result
            running -= 1
            launch()
        }
        workers -= 1
        condition.broadcast()
        condition.unlock()
    }

    private func stopAndWait() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while workers > 0 { condition.wait() }
        condition.unlock()
    }
}
