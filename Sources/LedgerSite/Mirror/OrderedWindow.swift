import Dispatch
import Foundation

/// Runs numbered jobs on threads of its own, at most `concurrency` at once and at most
/// `window` started and not yet consumed, optionally passes each result through a second,
/// computing stage on `processors` threads of its own, and hands the results to the caller in
/// order (Specs/static-log.md §11.3).
///
/// `concurrency` bounds the requests in flight; `window` bounds the results held in memory
/// (a result that arrives early waits for the ones before it). A worker that ends a job takes
/// the next one itself, so downloads go on while the caller is busy with a result (an ingest).
///
/// The workers are threads started for the run, not dispatch's pool: a job waits (an HTTP
/// answer, a spool fsync), and dispatch's pool on Linux ran no more jobs at once than the
/// machine has cores, so a core sat idle whenever one of them waited. The second stage
/// (`then`: decoding and Ed25519) runs on threads that never wait on the network or the disk:
/// while the workers wait, and while the caller waits on its own fsyncs, the processors have
/// the window's fetched results to work on, so the cores stay busy; the stage takes the
/// lowest-numbered result first, the one the caller waits for.
final class OrderedWindow<Result: Sendable>: @unchecked Sendable {  // every field is read and written under `condition`
    /// Where a run's threads waited (seconds, summed over the threads of a stage): what tells
    /// which stage held the others back (Specs/static-log.md §11.3).
    struct Waits: Sendable, Equatable {
        /// Second-stage threads idle while the window had room: waiting for jobs (downloads) to end.
        var processorsOnJobs = 0.0
        /// Second-stage threads idle with the window full: waiting for the caller to consume.
        var processorsOnCaller = 0.0
        /// The caller waiting for its next result.
        var caller = 0.0
    }

    private let condition = NSCondition()
    private var waits = Waits()
    /// Results ready for the caller (both stages done, or a failure).
    private var results: [Int: Swift.Result<Result, any Error>] = [:]
    /// Results of the first stage waiting for the second.
    private var fetched: [Int: Result] = [:]
    private var workers = 0
    private var processorsRunning = 0
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
    private let then: (@Sendable (Result) -> Result)?

    private init(count: Int, window: Int, concurrency: Int, job: @escaping @Sendable (Int) throws -> Result,
                 then: (@Sendable (Result) -> Result)?) {
        self.count = count
        self.window = max(1, window)
        self.concurrency = max(1, min(concurrency, window, count))
        self.job = job
        self.then = then
    }

    /// Runs `job(0)…job(count − 1)` (then `then` on each successful result) and calls
    /// `consume` with each result in order on the calling thread. The first error (of a job,
    /// or thrown by `consume`) stops it: no new job starts; jobs in flight (and second stages
    /// running) are waited for (a job's side effects, such as a spooled bundle, are complete
    /// when `run` returns) and their results dropped.
    /// - Parameters:
    ///   - window: results started and not yet consumed, at most.
    ///   - concurrency: jobs running at once, at most (default and at most `window`).
    ///   - then: a second stage for each successful result, on `processors` threads of its own
    ///     (nil: none; the job's result is consumed as it is).
    ///   - processors: threads running `then` (at least 1).
    /// - Returns: where the threads waited.
    @discardableResult
    static func run(count: Int, window: Int, concurrency: Int? = nil, job: @escaping @Sendable (Int) throws -> Result,
                    then: (@Sendable (Result) -> Result)? = nil, processors: Int = 1,
                    consume: (Int, Result) throws -> Void) throws -> Waits {
        guard count > 0 else { return Waits() }
        let state = OrderedWindow(count: count, window: window, concurrency: concurrency ?? window, job: job, then: then)
        defer { state.stopAndWait() }
        let processorCount = then == nil ? 0 : max(1, min(processors, count))
        state.condition.lock()
        state.workers = state.concurrency
        state.processorsRunning = processorCount
        state.launch()
        state.condition.unlock()
        for _ in 0..<state.concurrency {
            let thread = Thread { state.work() }
            thread.name = "careledger.mirror.fetch"
            thread.start()
        }
        for _ in 0..<processorCount {
            let thread = Thread { state.process() }
            thread.name = "careledger.mirror.verify"
            thread.start()
        }
        for next in 0..<count {
            state.condition.lock()
            if state.results[next] == nil {
                let began = DispatchTime.now().uptimeNanoseconds
                while state.results[next] == nil { state.condition.wait() }
                state.waits.caller += Self.seconds(since: began)
            }
            let result = state.results.removeValue(forKey: next)
            state.consumed = next + 1
            if case .failure = result { state.stopped = true }
            state.launch()
            state.condition.unlock()
            if let result { try consume(next, try result.get()) }
        }
        state.condition.lock(); defer { state.condition.unlock() }
        return state.waits
    }

    private static func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds &- start) / 1e9
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
            switch result {
            case .success(let value) where then != nil: fetched[index] = value
            default: results[index] = result
            }
            running -= 1
            launch()
        }
        workers -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// One processor: runs `then` on the lowest-numbered fetched result, until every job has
    /// ended and nothing is left fetched, or the run stops (what is left is dropped).
    private func process() {
        guard let then else { return }
        condition.lock()
        while true {
            while fetched.isEmpty && !stopped && (workers > 0 || started < count) {
                // The window full and no job running: all it holds is processed, the caller is behind.
                let onCaller = started >= consumed + window && running == 0
                let began = DispatchTime.now().uptimeNanoseconds
                condition.wait()
                if onCaller { waits.processorsOnCaller += Self.seconds(since: began) } else { waits.processorsOnJobs += Self.seconds(since: began) }
            }
            guard !stopped, let index = fetched.keys.min(), let value = fetched.removeValue(forKey: index) else { break }
            condition.unlock()
            let processed = then(value)
            condition.lock()
            results[index] = .success(processed)
            condition.broadcast()
        }
        processorsRunning -= 1
        condition.broadcast()
        condition.unlock()
    }

    private func stopAndWait() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while workers > 0 || processorsRunning > 0 { condition.wait() }
        condition.unlock()
    }
}
