import Dispatch

/// Runs a test's long blocking work — child processes it waits for, replays of hundreds of
/// crash states — on a dispatch queue of its own instead of the cooperative pool.
///
/// The test process's cooperative pool has as many threads as the machine has cores (two
/// here). A synchronous test that blocks one of them for minutes starves the async tests
/// beside it: a TCP server's session task then never runs, and a handshake that should fail
/// at once times out instead. The body keeps its task (a task-executor preference, not a new
/// thread), so `#expect` and `#require` inside it are recorded against the test as usual.
public enum BlockingWork {
    /// Runs `body` on a queue of its own and returns its result.
    public static func run<T>(_ body: () throws -> T) async throws -> T {
        try await withTaskExecutorPreference(QueueTaskExecutor()) { try body() }
    }
}

/// A task executor that runs each job on a dispatch queue: threads outside the cooperative
/// pool, for test work that blocks (`BlockingWork`, a serial queue) or must not wait behind
/// work that does (`NetworkTestExecutor`, a concurrent one).
public final class QueueTaskExecutor: TaskExecutor {
    private let queue: DispatchQueue

    /// Runs jobs on `queue`; by default a serial queue of its own.
    public init(_ queue: DispatchQueue = DispatchQueue(label: "careledger.tests.blocking-work")) {
        self.queue = queue
    }

    /// Runs `job` on the queue.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
