import Dispatch
import LedgerHTTP
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// Where the HTTP API's tasks run (Specs/fhir-api.md §5.2): a task that prefers a loop's
/// executor runs there, and comes back there when another thread resumes it.
@Suite struct EventLoopTasksTests {
    /// Suspends the task and resumes it from a dispatch queue, as the ledger's queue answers a
    /// consult; with `loop` (the thread the task runs on), only once the task has given the
    /// loop back, so it surely suspended.
    static func resumedFromAQueue(after loop: (any EventLoop)? = nil) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resume: @Sendable () -> Void = { DispatchQueue(label: "test.resumer").async { continuation.resume() } }
            if let loop { loop.execute(resume) } else { resume() }
        }
    }

    @Test("a task preferring a loop's executor runs on that loop, and is back on it after a queue resumed it")
    func preferredLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let loop = group.next()
        let other = group.next()
        let (before, after, elsewhere) = await Task(executorPreference: LoopTaskExecutor(loop)) {
            let before = loop.inEventLoop
            await Self.resumedFromAQueue(after: loop)
            return (before, loop.inEventLoop, other.inEventLoop)
        }.value
        #expect(before && after && !elsewhere)
        try await group.shutdownGracefully()
    }

    @Test("off an event loop, stayingOnThisLoop runs its body as it is")
    func offALoop() async {
        let value = await EventLoopTasks.stayingOnThisLoop { () async -> Int in
            await Self.resumedFromAQueue()
            return 42
        }
        #expect(value == 42)
    }

    /// Runs a task's first job on `loop` and every later one on the global pool: a task that
    /// starts on a loop, as a request's task does under `serve`, without keeping it there.
    final class FirstJobOnLoop: TaskExecutor {
        let loop: any EventLoop
        let started = Mutex(false)
        init(_ loop: any EventLoop) { self.loop = loop }
        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            let first = started.withLock { started in
                defer { started = true }
                return !started
            }
            if first {
                loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
            } else {
                DispatchQueue.global().async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
            }
        }
    }

    /// On `loop` at first, then resumed from a queue, with or without stayingOnThisLoop: on the loop after?
    static func backOnTheLoop(staying: Bool) async throws -> (before: Bool, after: Bool) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let loop = group.next()
        let result = await Task(executorPreference: FirstJobOnLoop(loop)) { () async -> (before: Bool, after: Bool) in
            let before = loop.inEventLoop
            @Sendable func resumedThenOnTheLoop() async -> Bool {
                await Self.resumedFromAQueue(after: loop)
                return loop.inEventLoop
            }
            let after = if staying { await EventLoopTasks.stayingOnThisLoop(resumedThenOnTheLoop) } else { await resumedThenOnTheLoop() }
            return (before, after)
        }.value
        try await group.shutdownGracefully()
        return result
    }

    @Test("on an event loop, stayingOnThisLoop brings the task back to that loop after a queue resumed it; without it the task ends elsewhere")
    func onALoop() async throws {
        let staying = try await Self.backOnTheLoop(staying: true)
        #expect(staying.before && staying.after)
        let leaving = try await Self.backOnTheLoop(staying: false)
        #expect(leaving.before && !leaving.after)
    }
}
