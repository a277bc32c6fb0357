import NIOCore
import NIOPosix

/// Where the HTTP API's tasks run: on NIO's event loops, not on Swift's cooperative pool
/// (Specs/fhir-api.md §5.2).
///
/// Why: a consult read by an event loop, answered by a task on the pool and written by the
/// event loop again crossed threads four times, each a `futex` wake and a context switch on a
/// 2-core machine (about 16 % of the server's CPU in a profile). With the event loops as the
/// global executor a request's task runs on the loop that read it, and the answer is written
/// without leaving that thread; only the ledger's queue (which decides and records) is a
/// thread of its own.
public enum EventLoopTasks {
    /// Makes NIO's singleton event loops (one per core) Swift Concurrency's global executor.
    /// Call once, before serving and from the main thread; only for a process whose tasks
    /// never block (every blocking file access of `serve` runs on queues of its own).
    /// - Returns: whether the event loops took over (false when the runtime offers no hook).
    @discardableResult
    public static func install() -> Bool {
        return NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    /// Runs `body` with the event loop running this task as its preferred executor, so a
    /// continuation resumed on another thread (the ledger's queue answering a consult) brings
    /// the task back to this loop, which owns the connection, rather than to any loop. Off an
    /// event loop, `body` runs as it is.
    package static func stayingOnThisLoop<T: Sendable>(_ body: () async -> T) async -> T {
        guard let loop = MultiThreadedEventLoopGroup.currentEventLoop else { return await body() }
        return await withTaskExecutorPreference(LoopTaskExecutor(loop)) { await body() }
    }
}

/// One event loop as a task executor: a job enqueued from any thread runs on the loop (from
/// the loop itself: later in the same turn, without waking it).
package final class LoopTaskExecutor: TaskExecutor {
    private let loop: any EventLoop

    /// The executor of `loop`.
    package init(_ loop: any EventLoop) { self.loop = loop }

    /// Runs `job` on the loop.
    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
