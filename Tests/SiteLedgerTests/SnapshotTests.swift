import Foundation
import LedgerCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Lock-free snapshots beside a live writer, and the writer lock's holder record
/// (Specs/site-layout.md §8.1, §8.2).
@Suite("Snapshots and the writer lock")
struct SnapshotTests {
    /// Every file under `path` with its bytes, to show that opening wrote nothing.
    static func contents(of path: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let name = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isDirectory)
            if !isDirectory.boolValue { files[name] = try Data(contentsOf: URL(fileURLWithPath: path + "/" + name)) }
        }
        return files
    }

    @Test("a snapshot opened while a writer holds the site sees every commit and writes nothing")
    func snapshotBesideWriter() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let writer = try network.founder()
        for round in 0..<4 { try writer.append(kind: "anchor", payloads: Ledgers.payloads(50 + round, tag: "r\(round)")) }
        let before = try Self.contents(of: network.founderPath)
        let snapshot = try SiteLedger.openSnapshot(at: network.founderPath)
        #expect(snapshot.isSnapshotView)
        #expect(snapshot.entryCount == writer.entryCount)
        #expect(snapshot.treeHeads.last == writer.treeHeads.last)
        let head = try #require(snapshot.treeHeads.last)
        #expect(try snapshot.consistencyProof(from: 1, to: head.treeSize).secondRoot == head.rootHash)
        #expect(snapshot.faultsFoundOnOpen.isEmpty && snapshot.recoveryNotes.isEmpty)
        #expect(try Self.contents(of: network.founderPath) == before, "opening a snapshot wrote to the folder")
    }

    @Test("a snapshot reads up to the last signed head and passes over a torn tail silently")
    func tornTailIsNotRead() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let writer = try network.founder()
        try writer.append(kind: "anchor", payloads: Ledgers.payloads(20, tag: "a"))
        let log = network.founderPath + "/log"
        let active = try #require(try FileManager.default.contentsOfDirectory(atPath: log).filter { $0.hasSuffix(".lz4") }.max())
        let handle = try #require(FileHandle(forWritingAtPath: log + "/" + active))
        handle.seekToEndOfFile()
        handle.write(Data((0..<300).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) }))
        try handle.close()
        let snapshot = try SiteLedger.openSnapshot(at: network.founderPath)
        #expect(snapshot.entryCount == writer.entryCount)
        #expect(snapshot.faultsFoundOnOpen.isEmpty, "\(snapshot.faultsFoundOnOpen)")
        #expect(snapshot.recoveryNotes.isEmpty, "\(snapshot.recoveryNotes)")
        #expect(snapshot.verify().ok)
    }

    @Test("a snapshot refuses writes until a writer is attached, then appends through it")
    func snapshotWritesThroughWriter() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let writer = try network.founder()
        let snapshot = try SiteLedger.openSnapshot(at: network.founderPath)
        #expect(throws: CoreError.self) { try snapshot.append(kind: "anchor", payloads: Ledgers.payloads(1, tag: "x")) }
        snapshot.attach(writer: writer)
        let count = writer.entryCount
        let entries = try snapshot.append(kind: "anchor", payloads: Ledgers.payloads(3, tag: "y"))
        #expect(entries.count == 3 && writer.entryCount == count + 3)
        let batched = try snapshot.append(kind: "anchor", payloads: Ledgers.payloads(5, tag: "z"), batchSize: 2)
        #expect(batched == 5 && writer.entryCount == count + 8)
        #expect(writer.treeHeads.last?.treeSize == UInt64(count + 8))
    }

    @Test("a second writer waits for the lock, then fails naming this process once")
    func lockedErrorNamesTheHolder() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let writer = try network.founder()
        let started = ContinuousClock.now
        do {
            _ = try SiteLedger.open(at: network.founderPath, lockTimeout: .milliseconds(200))
            Issue.record("a second writer opened a held site")
        } catch let error as CoreError {
            #expect(ContinuousClock.now - started >= .milliseconds(200), "it waited")
            #expect(error.code == .locked)
            #expect(error.message.contains("in use by pid \(getpid()) ("), "\(error)")
            #expect(error.message.hasSuffix("waited 0.2 s"), "\(error)")
            #expect(error.description.components(separatedBy: "in use by").count == 2, "said once: \(error)")
        }
        _ = writer
    }

    @Test("verify beside a writer checks the snapshot instead of failing on the lock")
    func verifyBesideWriter() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let writer = try network.founder()
        try writer.append(kind: "anchor", payloads: Ledgers.payloads(10, tag: "v"))
        let verifier = try SiteLedger.openForVerify(at: network.founderPath)
        #expect(verifier.isSnapshotView && verifier.entryCount == writer.entryCount)
        #expect(verifier.verify().ok)
        #expect(verifier.recoveryNotes.contains { $0.contains("snapshot") })
    }

    @Test("every ingest that stores entries ends with a signed head, so snapshots see it")
    func ingestSignsHead() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let memberPath = try network.join("member")
        let founder = try network.founder()
        let member = try SiteLedger.open(at: memberPath)
        try member.append(kind: "anchor", payloads: Ledgers.payloads(3, tag: "m"))
        _ = try founder.admit(AdmitPayload(key: member.siteKey, agreementKey: nil, name: "member", role: .clinic))
        _ = try founder.ingest(try Ledgers.encodings(member))
        #expect(founder.treeHeads.last?.treeSize == UInt64(founder.entryCount))
        #expect(try SiteLedger.openSnapshot(at: network.founderPath).entryCount == founder.entryCount)
    }
}
