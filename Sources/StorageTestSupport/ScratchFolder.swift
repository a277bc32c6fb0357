import Foundation

/// A fresh, empty folder for one short-lived case, on tmpfs (`/dev/shm`) when there is one.
///
/// The sweeps open thousands of stores; on tmpfs the real POSIX calls (including `fsync`)
/// run exactly as elsewhere but cost microseconds instead of a disk flush, which keeps the
/// sweeps exhaustive within the test target's time budget. Durability itself is modelled
/// by the traces, not by the disk the checks happen to run on.
package struct ScratchFolder {
    /// The folder's absolute path.
    package let path: String

    /// Creates the folder, named `prefix-XXXXXXXX`.
    package init(prefix: String) throws {
        var isDirectory: ObjCBool = false
        let shm = "/dev/shm"
        let base =
            FileManager.default.fileExists(atPath: shm, isDirectory: &isDirectory) && isDirectory.boolValue
                && FileManager.default.isWritableFile(atPath: shm)
            ? shm : FileManager.default.temporaryDirectory.path
        path = "\(base)/\(prefix)-\(UUID().uuidString.prefix(8))"
        // Not `withIntermediateDirectories`: that would quietly share a folder another test made.
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    /// Deletes the folder and everything in it.
    package func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
