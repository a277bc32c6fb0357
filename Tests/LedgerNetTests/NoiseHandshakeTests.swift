import Crypto
import LedgerCore
@testable import LedgerNet
import Testing

@Suite("Noise XX handshake")
struct NoiseHandshakeTests {
    /// The published Noise_XX_25519_ChaChaPoly_SHA256 vectors (cacophony, snow).
    static func vectors() throws -> [[String: Any]] {
        try loadVector("transport-noise-xx-25519-chachapoly-sha256.json").objects("vectors")
    }

    @Test("handshakes reproduce the published vectors byte for byte, then transport messages too",
          arguments: 0..<2)
    func publishedVectors(index: Int) throws {
        let vector = try Self.vectors()[index]
        #expect(try vector.string("protocol_name") == "Noise_XX_25519_ChaChaPoly_SHA256")
        var initiator = NoiseXXHandshake(
            role: .initiator,
            localStatic: try .init(rawRepresentation: vector.bytes("init_static")),
            prologue: try vector.bytes("init_prologue"),
            ephemeral: try .init(rawRepresentation: vector.bytes("init_ephemeral")))
        var responder = NoiseXXHandshake(
            role: .responder,
            localStatic: try .init(rawRepresentation: vector.bytes("resp_static")),
            prologue: try vector.bytes("resp_prologue"),
            ephemeral: try .init(rawRepresentation: vector.bytes("resp_ephemeral")))
        let messages = try vector.objects("messages")
        #expect(messages.count >= 4)
        for (i, message) in messages.prefix(3).enumerated() {
            let payload = try message.bytes("payload")
            let expected = try message.bytes("ciphertext")
            let initiatorWrites = i % 2 == 0
            let written = initiatorWrites ? try initiator.writeMessage(payload: payload)
                                          : try responder.writeMessage(payload: payload)
            #expect(Hex.encode(written) == Hex.encode(expected), "handshake message \(i + 1)")
            let read = initiatorWrites ? try responder.readMessage(written) : try initiator.readMessage(written)
            #expect(read == payload)
        }
        var initiatorKeys = try initiator.finish()
        var responderKeys = try responder.finish()
        if let hash = vector["handshake_hash"] as? String {
            #expect(Hex.encode(initiatorKeys.handshakeHash) == hash)
        }
        #expect(initiatorKeys.handshakeHash == responderKeys.handshakeHash)
        #expect(initiatorKeys.remoteStatic == Array(try Curve25519.KeyAgreement.PrivateKey(
            rawRepresentation: vector.bytes("resp_static")).publicKey.rawRepresentation))
        for (i, message) in messages.dropFirst(3).enumerated() {
            let payload = try message.bytes("payload")
            let initiatorSends = i % 2 == 1 // message 4 (index 3) is the responder's turn
            let written = initiatorSends ? try initiatorKeys.sender.encrypt(ad: [], plaintext: payload)
                                         : try responderKeys.sender.encrypt(ad: [], plaintext: payload)
            #expect(Hex.encode(written) == (try message.string("ciphertext")), "transport message \(i + 4)")
            let read = initiatorSends ? try responderKeys.receiver.decrypt(ad: [], ciphertext: written)
                                      : try initiatorKeys.receiver.decrypt(ad: [], ciphertext: written)
            #expect(read == payload)
        }
    }

    @Test("message sizes are 32, 96 and 64 bytes with empty payloads")
    func messageSizes() throws {
        var initiator = NoiseXXHandshake(role: .initiator, localStatic: .init(), prologue: [])
        var responder = NoiseXXHandshake(role: .responder, localStatic: .init(), prologue: [])
        let m1 = try initiator.writeMessage()
        _ = try responder.readMessage(m1)
        let m2 = try responder.writeMessage()
        _ = try initiator.readMessage(m2)
        let m3 = try initiator.writeMessage()
        _ = try responder.readMessage(m3)
        #expect([m1.count, m2.count, m3.count] == [32, 96, 64])
    }

    @Test("every single-bit flip of handshake message 2 or 3 fails authentication")
    func tamperedHandshake() throws {
        for target in [1, 2] {
            for bit in stride(from: 0, to: (target == 1 ? 96 : 64) * 8, by: 7) {
                var initiator = NoiseXXHandshake(role: .initiator, localStatic: .init(), prologue: [1])
                var responder = NoiseXXHandshake(role: .responder, localStatic: .init(), prologue: [1])
                _ = try responder.readMessage(try initiator.writeMessage())
                var m2 = try responder.writeMessage()
                if target == 1 { m2[bit / 8] ^= 1 << UInt8(bit % 8) }
                if target == 1 {
                    #expect(throws: TransportError.self) { _ = try initiator.readMessage(m2) }
                    continue
                }
                _ = try initiator.readMessage(m2)
                var m3 = try initiator.writeMessage()
                m3[bit / 8] ^= 1 << UInt8(bit % 8)
                #expect(throws: TransportError.self) { _ = try responder.readMessage(m3) }
            }
        }
    }

    @Test("sites whose prologues (network ids) differ cannot complete the handshake")
    func differentNetworks() throws {
        var initiator = NoiseXXHandshake(role: .initiator, localStatic: .init(), prologue: Array("net-a".utf8))
        var responder = NoiseXXHandshake(role: .responder, localStatic: .init(), prologue: Array("net-b".utf8))
        _ = try responder.readMessage(try initiator.writeMessage())
        let m2 = try responder.writeMessage()
        let error = #expect(throws: TransportError.self) { _ = try initiator.readMessage(m2) }
        #expect(error?.code == .handshakeFailed)
    }

    @Test("truncated handshake messages are refused, and messages out of turn too")
    func truncatedAndOutOfTurn() throws {
        var initiator = NoiseXXHandshake(role: .initiator, localStatic: .init(), prologue: [])
        var responder = NoiseXXHandshake(role: .responder, localStatic: .init(), prologue: [])
        let m1 = try initiator.writeMessage()
        #expect(throws: TransportError.self) { _ = try responder.readMessage(Array(m1.prefix(31))) }
        #expect(throws: TransportError.self) { _ = try responder.writeMessage() }
        var fresh = NoiseXXHandshake(role: .responder, localStatic: .init(), prologue: [])
        _ = try fresh.readMessage(m1)
        let m2 = try fresh.writeMessage()
        for length in [0, 31, 32, 79, 95] {
            var copy = initiator
            #expect(throws: TransportError.self) { _ = try copy.readMessage(Array(m2.prefix(length))) }
        }
    }

    @Test("a cipher state refuses the reserved nonce 2^64-1 in both directions")
    func nonceExhaustion() throws {
        let key = [UInt8](repeating: 7, count: 32)
        var sender = NoiseCipherState(key: key, nonce: UInt64.max - 1)
        var receiver = NoiseCipherState(key: key, nonce: UInt64.max - 1)
        let last = try sender.encrypt(ad: [], plaintext: [1, 2, 3])
        #expect(try receiver.decrypt(ad: [], ciphertext: last) == [1, 2, 3])
        let sendError = #expect(throws: TransportError.self) { _ = try sender.encrypt(ad: [], plaintext: [4]) }
        #expect(sendError?.code == .nonceExhausted)
        let receiveError = #expect(throws: TransportError.self) { _ = try receiver.decrypt(ad: [], ciphertext: last) }
        #expect(receiveError?.code == .nonceExhausted)
    }
}
