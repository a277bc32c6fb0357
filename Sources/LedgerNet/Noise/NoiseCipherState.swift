import Crypto

/// A Noise CipherState (Noise spec rev. 34 §5.1) for ChaChaPoly: a key and a 64-bit nonce counter.
///
/// Why: both the handshake (EncryptAndHash) and the transport phase encrypt through it, and the
/// nonce rules live in one place: the nonce is 32 zero bits then the counter little-endian
/// (§12.3), it increments after every successful operation, and the reserved value 2^64-1 is
/// never used, so a session that would reach it is refused instead of reusing a nonce.
package struct NoiseCipherState: Sendable {
    /// The 32-byte key, or nil before the first MixKey (then encryption is the identity).
    private var key: SymmetricKey?
    /// The next nonce to use.
    package private(set) var nonce: UInt64 = 0

    /// Creates a cipher state with no key (§5.1 InitializeKey(empty)).
    package init() {}

    /// Creates a cipher state with `key` and nonce 0 (§5.1 InitializeKey).
    package init(key: [UInt8]) {
        self.key = SymmetricKey(data: key)
    }

    /// Creates a cipher state positioned at `nonce`, so tests can reach the nonce limit.
    package init(key: [UInt8], nonce: UInt64) {
        self.key = SymmetricKey(data: key)
        self.nonce = nonce
    }

    /// Whether a key is set (§5.1 HasKey).
    package var hasKey: Bool { key != nil }

    /// §5.1 EncryptWithAd: seals `plaintext` under the current nonce, then increments it.
    /// - Throws: `TransportError.nonceExhausted` when the nonce reached 2^64-1.
    package mutating func encrypt(ad: [UInt8], plaintext: [UInt8]) throws -> [UInt8] {
        guard let key else { return plaintext }
        guard nonce < UInt64.max else {
            throw TransportError(.nonceExhausted, "the sending nonce counter is exhausted; the session must end")
        }
        let box: ChaChaPoly.SealedBox
        do {
            box = try ChaChaPoly.seal(plaintext, using: key, nonce: try Self.nonceValue(nonce), authenticating: ad)
        } catch {
            throw TransportError(.decryptionFailed, "ChaChaPoly refused to seal a message", underlying: error)
        }
        nonce += 1
        return Array(box.ciphertext) + Array(box.tag)
    }

    /// §5.1 DecryptWithAd: opens `ciphertext` (data then 16-byte tag) under the current nonce.
    /// The nonce increments only on success, as the spec requires.
    /// - Throws: `TransportError.decryptionFailed` on a bad tag or short input,
    ///   `TransportError.nonceExhausted` at the reserved nonce.
    package mutating func decrypt(ad: [UInt8], ciphertext: [UInt8]) throws -> [UInt8] {
        guard let key else { return ciphertext }
        guard nonce < UInt64.max else {
            throw TransportError(.nonceExhausted, "the receiving nonce counter is exhausted; the session must end")
        }
        guard ciphertext.count >= 16 else {
            throw TransportError(.decryptionFailed, "an encrypted message of \(ciphertext.count) bytes is shorter than its 16-byte tag")
        }
        let plaintext: [UInt8]
        do {
            let box = try ChaChaPoly.SealedBox(nonce: try Self.nonceValue(nonce),
                                               ciphertext: ciphertext.dropLast(16),
                                               tag: ciphertext.suffix(16))
            plaintext = Array(try ChaChaPoly.open(box, using: key, authenticating: ad))
        } catch {
            throw TransportError(.decryptionFailed, "a message failed authentication (tampered, replayed or out of order)",
                                 underlying: error)
        }
        nonce += 1
        return plaintext
    }

    /// §12.3: 32 bits of zeros followed by the little-endian encoding of `n`.
    private static func nonceValue(_ n: UInt64) throws -> ChaChaPoly.Nonce {
        var bytes = [UInt8](repeating: 0, count: 12)
        for i in 0..<8 { bytes[4 + i] = UInt8(truncatingIfNeeded: n >> (8 * UInt64(i))) }
        return try ChaChaPoly.Nonce(data: bytes)
    }
}
