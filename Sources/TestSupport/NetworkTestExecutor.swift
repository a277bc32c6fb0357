import Dispatch

/// Runs the tasks of in-process TCP servers and clients in tests on threads of their own,
/// outside the cooperative pool.
///
/// The test process's cooperative pool has as many threads as the machine has cores (two
/// here), and synchronous tests — crash-state replays, fault sweeps — hold them for minutes
/// at the start of a full run. The transport's clocks (handshake deadlines, idle clocks) run
/// on NIO's event-loop threads meanwhile, so a server whose session tasks wait for a pool
/// thread sees its peers' deadlines pass: a handshake that should fail at once times out,
/// or a member is evicted as a stranger. Tasks that prefer this executor keep running.
public enum NetworkTestExecutor {
    /// The one executor the network tests share: a concurrent queue (the runtime never runs
    /// two jobs of one task at once).
    public static let shared = QueueTaskExecutor(DispatchQueue(label: "careledger.tests.network", attributes: .concurrent))
}
