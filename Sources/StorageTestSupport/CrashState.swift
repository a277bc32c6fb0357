import Foundation

/// What a disk could hold after a crash partway through a recorded trace.
///
/// The model (after the ALICE study's): a write or truncation of a file is durable once a
/// later `fsync`/`fdatasync` *of that file* has returned; a creation, rename or removal of
/// a name, or a new folder, is durable once a later `fsync` of the folder holding it has
/// returned. Anything not yet durable at the crash may be lost, independently of the
/// other operations; this type builds the state where everything before the crash point
/// happened except the chosen losses, and where a lost write may also have been torn
/// (only its first or only its last sectors reached the disk).
package struct CrashState: CustomStringConvertible {
    /// How a state differs from "every operation before the crash reached the disk".
    package enum Loss: Equatable {
        case none
        /// The event at this position never reached the disk.
        case dropped(Int)
        /// Only the bytes `kept` (a prefix or a suffix) of the write at this position reached
        /// the disk: a torn write, its sectors persisted in either order.
        case torn(Int, kept: Range<Int>)
    }

    package let crashPoint: Int
    package let loss: Loss

    /// The state after a crash at `crashPoint` with `loss`.
    package init(crashPoint: Int, loss: Loss) {
        self.crashPoint = crashPoint
        self.loss = loss
    }

    package var description: String {
        switch loss {
        case .none: "crash after event \(crashPoint)"
        case .dropped(let event): "crash after event \(crashPoint), event \(event) lost"
        case .torn(let event, let kept): "crash after event \(crashPoint), event \(event) torn, only bytes \(kept) written"
        }
    }

    /// The positions before `crashPoint` whose effect is not yet durable there.
    package static func volatileEvents(_ events: [RecordingFileSystem.Event], before crashPoint: Int) -> [Int] {
        var volatile: [Int] = []
        var syncedFiles: Set<Int> = []
        var syncedFolders: Set<String> = []
        // Walk backwards: an event is durable when a sync covering it comes later (but before the crash).
        for position in stride(from: crashPoint - 1, through: 0, by: -1) {
            switch events[position] {
            case .sync(let inode), .syncData(let inode): syncedFiles.insert(inode)
            case .syncDirectory(let path): syncedFolders.insert(path)
            case .write(let inode, _, _), .truncate(let inode, _):
                if !syncedFiles.contains(inode) { volatile.append(position) }
            case .create(let path, _), .remove(let path), .createDirectory(let path):
                if !syncedFolders.contains(folder(of: path)) { volatile.append(position) }
            case .rename(let from, let to):
                if !syncedFolders.contains(folder(of: from)) || !syncedFolders.contains(folder(of: to)) {
                    volatile.append(position)
                }
            }
        }
        return volatile.reversed()
    }

    /// Every crash state of a trace: each crash point as is, with each volatile event lost,
    /// and with each volatile write torn at every 512-byte sector boundary and half way.
    package static func all(of events: [RecordingFileSystem.Event]) -> [CrashState] {
        var states: [CrashState] = []
        for crashPoint in 0...events.count {
            states.append(CrashState(crashPoint: crashPoint, loss: .none))
            for position in volatileEvents(events, before: crashPoint) {
                states.append(CrashState(crashPoint: crashPoint, loss: .dropped(position)))
                guard case .write(_, _, let bytes) = events[position], bytes.count > 1 else { continue }
                var cuts = Set(stride(from: 512, to: bytes.count, by: 512))
                cuts.insert(bytes.count / 2)
                for cut in cuts.sorted() {
                    states.append(CrashState(crashPoint: crashPoint, loss: .torn(position, kept: 0..<cut)))
                    states.append(CrashState(crashPoint: crashPoint, loss: .torn(position, kept: cut..<bytes.count)))
                }
            }
        }
        return states
    }

    /// The relative folder of a relative path ("" for the root).
    package static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    /// Files (relative path → bytes) and folders after the crash.
    package func files(
        _ events: [RecordingFileSystem.Event], baseline: [String: [UInt8]], baselineInodes: [Int: String]
    ) -> (files: [String: [UInt8]], folders: Set<String>) {
        var names: [String: Int] = [:]
        var contents: [Int: [UInt8]] = [:]
        for (inode, path) in baselineInodes {
            names[path] = inode
            contents[inode] = baseline[path] ?? []
        }
        var folders: Set<String> = [""]
        for path in baseline.keys { folders.insert(Self.folder(of: path)) }
        for position in 0..<crashPoint {
            if loss == .dropped(position) { continue }
            switch events[position] {
            case .createDirectory(let path): folders.insert(path)
            case .create(let path, let inode):
                names[path] = inode
                if contents[inode] == nil { contents[inode] = [] }
            case .write(let inode, var offset, var bytes):
                if case .torn(position, let kept) = loss {
                    bytes = Array(bytes[kept])
                    offset += UInt64(kept.lowerBound)
                }
                var content = contents[inode] ?? []
                let end = Int(offset) + bytes.count
                if content.count < end { content += [UInt8](repeating: 0, count: end - content.count) }
                content.replaceSubrange(Int(offset)..<end, with: bytes)
                contents[inode] = content
            case .truncate(let inode, let length):
                var content = contents[inode] ?? []
                if content.count > Int(length) {
                    content.removeSubrange(Int(length)...)
                } else {
                    content += [UInt8](repeating: 0, count: Int(length) - content.count)
                }
                contents[inode] = content
            case .rename(let from, let to):
                if let inode = names.removeValue(forKey: from) { names[to] = inode }
            case .remove(let path): names[path] = nil
            case .sync, .syncData, .syncDirectory: break
            }
        }
        var files: [String: [UInt8]] = [:]
        for (path, inode) in names where folders.contains(Self.folder(of: path)) {
            files[path] = contents[inode] ?? []
        }
        return (files, folders)
    }

    /// Writes the crash state's files into `directory` (which must be empty).
    package func materialise(
        _ events: [RecordingFileSystem.Event], baseline: [String: [UInt8]], baselineInodes: [Int: String], into directory: String
    ) throws {
        let state = files(events, baseline: baseline, baselineInodes: baselineInodes)
        for folder in state.folders.sorted() where !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: directory + "/" + folder, withIntermediateDirectories: true)
        }
        for (path, bytes) in state.files { try writeFile(directory + "/" + path, bytes) }
    }
}
