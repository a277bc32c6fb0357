import Dispatch
import Foundation

/// Runs numbered jobs on dispatch threads, at most `concurrency` at once and at most `window`
/// started and not yet consumed, and hands their results to the caller in order
/// (Specs/static-log.md §11.3).
///
/// `concurrency` bounds the requests in flight; `window` bounds the results held in memory
/// (a result that arrives early waits for the ones before it). A job that ends starts the
/// next one itself, so downloads go on while the caller is busy with a result (an ingest).
final class OrderedWindow<Result: Sendable>: @unchecked Sendable {  // every field is read and written under `condition`
    private let condition = NSCondition()
    private var results: [Int: Swift.Result<Result, any Error>] = [:]
    private var running = 0
    private var started = 0
    private var consumed = 0
    private var stopped = false
    private let count: Int
    private let window: Int
    private let concurrency: Int
    private let job: @Sendable (Int) throws -> Result
    /// Jobs block on I/O (an HTTP answer delivered by URLSession on another dispatch thread):
    /// a queue of our own targets an overcommitting pool, which starts a thread for each job
    /// rather than waiting for one of the CPU-wide pool that ingest's signature checks keep busy.
    private let queue = DispatchQueue(label: "careledger.mirror.fetch", attributes: .concurrent)

    private init(count: Int, window: Int, concurrency: Int, job: @escaping @Sendable (Int) throws -> Result) {
        self.count = count
        self.window = max(1, window)
        self.concurrency = max(1, min(concurrency, window))
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
        let state = OrderedWindow(count: count, window: window, concurrency: concurrency ?? window, job: job)
        defer { state.stopAndWait() }
        state.condition.lock()
        state.launch()
        state.condition.unlock()
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

    /// Starts jobs while the bounds allow. Called with `condition` locked.
    private func launch() {
        while !stopped && started < count && started < consumed + window && running < concurrency {
            let index = started
            started += 1
            running += 1
            queue.async { [self] in
                let result = Swift.Result { try job(index) }
                condition.lock()
                results[index] = result
                running -= 1
                launch()
                condition.broadcast()
                condition.unlock()
            }
        }
    }

    private func stopAndWait() {
        condition.lock()
        stopped = true
        while running > 0 { condition.wait() }
        condition.unlock()
    }
}
