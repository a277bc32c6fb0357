import Crypto

/// The Noise_XX_25519_ChaChaPoly_SHA256 handshake (Noise spec rev. 34 §5.3, §7.5), as a pure
/// state machine: it writes and reads handshake messages and touches no socket.
///
/// ```
/// XX:
///   -> e
///   <- e, ee, s, es
///   -> s, se
/// ```
/// Why XX: neither side needs to know the other's key in advance (a clinic can reach a central
/// site it has never met), both static keys travel encrypted, and each side learns the other's
/// static key before any ledger data flows, so admission is checked against the charter first
/// (Specs/sync-transport.md §4).
package struct NoiseXXHandshake: Sendable {
    /// Which side of the handshake this is.
    package enum Role: Sendable { case initiator, responder }

    /// The full protocol name; exactly 32 bytes, so it is used as `h` unhashed.
    package static let protocolName = Array("Noise_XX_25519_ChaChaPoly_SHA256".utf8)

    /// The keys of a finished handshake.
    package struct Result: Sendable {
        /// The peer's static X25519 public key.
        package var remoteStatic: [UInt8]
        /// The final handshake hash (channel binding).
        package var handshakeHash: [UInt8]
        /// The cipher for messages this side sends.
        package var sender: NoiseCipherState
        /// The cipher for messages this side receives.
        package var receiver: NoiseCipherState
    }

    /// Which side this is.
    package let role: Role
    private var symmetric: NoiseSymmetricState
    private let localStatic: Curve25519.KeyAgreement.PrivateKey
    private let localEphemeral: Curve25519.KeyAgreement.PrivateKey
    private var remoteEphemeral: Curve25519.KeyAgreement.PublicKey?
    private var remoteStatic: Curve25519.KeyAgreement.PublicKey?
    /// How many of the three handshake messages have been written or read.
    package private(set) var step = 0

    /// Creates a handshake (§5.3 Initialize) with this site's static key and the prologue.
    /// - Parameter ephemeral: a fixed ephemeral key for test vectors; nil draws a fresh one.
    package init(role: Role, localStatic: Curve25519.KeyAgreement.PrivateKey, prologue: [UInt8],
                 ephemeral: Curve25519.KeyAgreement.PrivateKey? = nil) {
        self.role = role
        self.localStatic = localStatic
        self.localEphemeral = ephemeral ?? Curve25519.KeyAgreement.PrivateKey()
        var symmetric = NoiseSymmetricState(protocolName: Self.protocolName)
        symmetric.mixHash(prologue)
        self.symmetric = symmetric
    }

    /// Whether the next handshake message is ours to write.
    package var isOurTurn: Bool {
        switch role {
        case .initiator: return step == 0 || step == 2
        case .responder: return step == 1
        }
    }

    /// The peer's static key, once its message carrying it has been read (message 2 for the
    /// initiator, message 3 for the responder).
    package var remoteStaticKey: [UInt8]? { remoteStatic.map { Array($0.rawRepresentation) } }

    /// Whether all three messages have passed.
    package var isComplete: Bool { step == 3 }

    /// Writes the next handshake message carrying `payload` (§5.3 WriteMessage).
    package mutating func writeMessage(payload: [UInt8] = []) throws -> [UInt8] {
        guard isOurTurn else { throw Self.failure("handshake message \(step + 1) is not ours to write") }
        var out: [UInt8] = []
        switch step {
        case 0: // -> e
            out += writeEphemeral()
        case 1: // <- e, ee, s, es
            out += writeEphemeral()
            try symmetric.mixKey(dh(localEphemeral, remoteEphemeral))
            out += try symmetric.encryptAndHash(Array(localStatic.publicKey.rawRepresentation))
            try symmetric.mixKey(dh(localStatic, remoteEphemeral))
        default: // -> s, se
            out += try symmetric.encryptAndHash(Array(localStatic.publicKey.rawRepresentation))
            try symmetric.mixKey(dh(localStatic, remoteEphemeral))
        }
        out += try symmetric.encryptAndHash(payload)
        step += 1
        return out
    }

    /// Whether a responder's Noise state accepts `message` as handshake message 1 (`-> e`): an
    /// ephemeral X25519 key and a cleartext payload. The server's pipeline asks this of the first
    /// frame as it is decoded, so a member's progress counts for admission (§7.4) even before
    /// its session task runs.
    package static func acceptsFirstMessage<Bytes: Collection<UInt8>>(_ message: Bytes) -> Bool {
        guard message.count >= 32 else { return false }
        return (try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: Array(message.prefix(32)))) != nil
    }

    /// Reads the peer's next handshake message and returns its payload (§5.3 ReadMessage).
    /// - Throws: `TransportError.handshakeFailed` on a wrong size, an invalid key or a failed tag.
    package mutating func readMessage(_ message: [UInt8]) throws -> [UInt8] {
        guard !isOurTurn, !isComplete else { throw Self.failure("handshake message \(step + 1) is not the peer's to send") }
        var rest = message[...]
        switch step {
        case 0: // -> e
            try readEphemeral(&rest)
        case 1: // <- e, ee, s, es
            try readEphemeral(&rest)
            try symmetric.mixKey(dh(localEphemeral, remoteEphemeral))
            try readStatic(&rest)
            try symmetric.mixKey(dh(localEphemeral, remoteStatic))
        default: // -> s, se
            try readStatic(&rest)
            try symmetric.mixKey(dh(localEphemeral, remoteStatic))
        }
        let payload: [UInt8]
        do { payload = try symmetric.decryptAndHash(Array(rest)) } catch {
            throw Self.failure("handshake message \(step + 1) failed authentication (wrong network or tampered)")
        }
        step += 1
        return payload
    }

    /// §5.3 Split, once all three messages have passed.
    package func finish() throws -> Result {
        guard isComplete, let remoteStatic else { throw Self.failure("the handshake is not complete") }
        let (first, second) = symmetric.split()
        return Result(remoteStatic: Array(remoteStatic.rawRepresentation),
                      handshakeHash: symmetric.handshakeHash,
                      sender: role == .initiator ? first : second,
                      receiver: role == .initiator ? second : first)
    }

    // MARK: - Tokens

    private mutating func writeEphemeral() -> [UInt8] {
        let publicKey = Array(localEphemeral.publicKey.rawRepresentation)
        symmetric.mixHash(publicKey)
        return publicKey
    }

    private mutating func readEphemeral(_ rest: inout ArraySlice<UInt8>) throws {
        guard rest.count >= 32 else { throw Self.failure("handshake message \(step + 1) is too short for an ephemeral key") }
        let bytes = Array(rest.prefix(32))
        rest = rest.dropFirst(32)
        remoteEphemeral = try publicKey(bytes)
        symmetric.mixHash(bytes)
    }

    private mutating func readStatic(_ rest: inout ArraySlice<UInt8>) throws {
        let length = symmetric.hasKey ? 32 + 16 : 32
        guard rest.count >= length else { throw Self.failure("handshake message \(step + 1) is too short for a static key") }
        let sealed = Array(rest.prefix(length))
        rest = rest.dropFirst(length)
        let bytes: [UInt8]
        do { bytes = try symmetric.decryptAndHash(sealed) } catch {
            throw Self.failure("the peer's static key failed authentication (wrong network or tampered)")
        }
        remoteStatic = try publicKey(bytes)
    }

    private func publicKey(_ bytes: [UInt8]) throws -> Curve25519.KeyAgreement.PublicKey {
        do { return try Curve25519.KeyAgreement.PublicKey(rawRepresentation: bytes) } catch {
            throw Self.failure("the peer sent an invalid X25519 public key")
        }
    }

    /// §4.1 DH with X25519; an all-zero (low-order) result is refused by swift-crypto and fails here.
    private func dh(_ local: Curve25519.KeyAgreement.PrivateKey,
                    _ remote: Curve25519.KeyAgreement.PublicKey?) throws -> [UInt8] {
        guard let remote else { throw Self.failure("a DH token ran before the peer's key was known") }
        do {
            let secret = try local.sharedSecretFromKeyAgreement(with: remote)
            return secret.withUnsafeBytes { Array($0) }
        } catch {
            throw Self.failure("X25519 key agreement failed (low-order peer key)")
        }
    }

    private static func failure(_ message: String) -> TransportError {
        TransportError(.handshakeFailed, message)
    }
}
