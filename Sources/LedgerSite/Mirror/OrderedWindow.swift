import Dispatch
import Foundation

/// Runs numbered jobs on dispatch threads, at most `window` of them started and not yet
/// consumed, and hands their results to the caller in order (Specs/static-log.md §11.3).
///
/// The window bounds both the requests in flight and the results held in memory: a result
/// that arrives early waits for the ones before it, and no job starts more than `window`
/// places past the one the caller is consuming.
final class OrderedWindow<Result: Sendable>: @unchecked Sendable {  // `results` and `running` are read and written under `condition`
    private let condition = NSCondition()
    private var results: [Int: Swift.Result<Result, any Error>] = [:]
    private var running = 0

    /// Runs `job(0)…job(count − 1)`, `window` at a time, and calls `consume` with each result in
    /// order on the calling thread. The first error (of a job, or thrown by `consume`) stops
    /// it: no new job starts; jobs in flight are waited for (a job's side effects, such as a
    /// spooled bundle, are complete when `run` returns) and their results dropped.
    static func run(count: Int, window: Int, job: @escaping @Sendable (Int) throws -> Result,
                    consume: (Int, Result) throws -> Void) throws {
        let state = OrderedWindow()
        defer { state.waitForJobs() }
        var started = 0
        for next in 0..<count {
            while started < count && started < next + max(1, window) {
                let index = started
                state.condition.lock()
                state.running += 1
                state.condition.unlock()
                DispatchQueue.global().async {
                    let result = Swift.Result { try job(index) }
                    state.condition.lock()
                    state.results[index] = result
                    state.running -= 1
                    state.condition.broadcast()
                    state.condition.unlock()
                }
                started += 1
            }
            state.condition.lock()
            while state.results[next] == nil { state.condition.wait() }
            let result = state.results.removeValue(forKey: next)
            state.condition.unlock()
            if let result { try consume(next, try result.get()) }
        }
    }

    private func waitForJobs() {
        condition.lock()
        while running > 0 { condition.wait() }
        condition.unlock()
    }
}
