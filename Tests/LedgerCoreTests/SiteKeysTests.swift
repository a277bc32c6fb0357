import Foundation
import LedgerCore
import TestSupport
import Testing

@Suite struct SiteKeysTests {
    @Test func keysSurviveASaveAndLoadAndTheFileIsOwnerOnly() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/site.key"
        let keys = SiteKeys.generate()
        try keys.save(to: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let loaded = try SiteKeys.load(from: path)
        #expect(loaded.publicKeys == keys.publicKeys)
        #expect(loaded.signing.rawRepresentation == keys.signing.rawRepresentation)
        #expect(loaded.agreement.rawRepresentation == keys.agreement.rawRepresentation)
        // The two keys are independent, and the text form never shows private bytes.
        #expect(keys.signingPublicKey != keys.agreementPublicKey)
        #expect(!keys.description.contains(Hex.encode(keys.signing.rawRepresentation)))
        #expect(keys.description.contains(keys.signingPublicKey.hex))
    }

    @Test func anExistingKeyFileIsNeverOverwritten() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/site.key"
        let first = SiteKeys.generate()
        try first.save(to: path)
        #expect { try SiteKeys.generate().save(to: path) } throws: { ($0 as? CoreError)?.code == .alreadyExists }
        #expect(try SiteKeys.load(from: path).publicKeys == first.publicKeys)
    }

    @Test func aKeyFileReadableByOthersIsRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/site.key"
        try SiteKeys.generate().save(to: path)
        for mode in [0o644, 0o640, 0o604, 0o660] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            #expect { try SiteKeys.load(from: path) } throws: { error in
                guard let error = error as? CoreError else { return false }
                return error.code == .insecurePermissions && error.file == path && error.message.contains("chmod 600")
            }
        }
    }

    @Test func malformedKeyFilesAreRefusedWithAClearCode() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let good = SiteKeys.generate()
        let seed = Hex.encode(good.signing.rawRepresentation)
        let agreement = Hex.encode(good.agreement.rawRepresentation)
        let cases = [
            "",
            "careledger-site-keys v2\ned25519-seed \(seed)\nx25519-private \(agreement)\n",
            "careledger-site-keys v1\ned25519-seed \(seed)\n",
            "careledger-site-keys v1\ned25519-seed \(seed.dropLast())\nx25519-private \(agreement)\n",
            "careledger-site-keys v1\nx25519-private \(agreement)\ned25519-seed \(seed)\n",
            "careledger-site-keys v1\ned25519-seed \(seed)\nx25519-private \(agreement)\nextra\n",
        ]
        for (i, text) in cases.enumerated() {
            let path = dir.path + "/bad-\(i).key"
            #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]))
            #expect { try SiteKeys.load(from: path) } throws: { ($0 as? CoreError)?.code == .malformedFile }
        }
        #expect { try SiteKeys.load(from: dir.path + "/missing.key") } throws: { ($0 as? CoreError)?.code == .io }
    }

    @Test func publicKeysAreLowercaseHexAndEncodeAsJSONStrings() throws {
        var rng = SeededGenerator(seed: 42)
        let keys = try Fixtures.keys(&rng)
        let hex = keys.signingPublicKey.hex
        #expect(hex.count == 64 && hex == hex.lowercased())
        let json = try JSONEncoder().encode(keys.publicKeys)
        let decoded = try JSONDecoder().decode(SitePublicKeys.self, from: json)
        #expect(decoded == keys.publicKeys)
        #expect(String(decoding: json, as: UTF8.self).contains(hex))
    }
}
