import Crypto

/// A Noise SymmetricState (Noise spec rev. 34 §5.2) with SHA-256 as HASH.
///
/// Why: it holds the chaining key `ck` and handshake hash `h` that bind every handshake byte
/// (and the prologue) into the final keys, so a tampered or mismatched handshake fails to
/// decrypt instead of producing keys. HKDF is built from HMAC-SHA256 exactly as §4.3 defines it.
package struct NoiseSymmetricState: Sendable {
    /// The chaining key.
    private var chainingKey: [UInt8]
    /// The handshake hash.
    package private(set) var handshakeHash: [UInt8]
    /// The cipher state keyed by MixKey.
    private var cipher = NoiseCipherState()

    /// §5.2 InitializeSymmetric: `h` = the name padded to 32 bytes, or its hash if longer.
    package init(protocolName: [UInt8]) {
        if protocolName.count <= 32 {
            handshakeHash = protocolName + [UInt8](repeating: 0, count: 32 - protocolName.count)
        } else {
            handshakeHash = Array(SHA256.hash(data: protocolName))
        }
        chainingKey = handshakeHash
    }

    /// Whether MixKey has run at least once (the payloads are encrypted from then on).
    package var hasKey: Bool { cipher.hasKey }

    /// §5.2 MixKey: `ck, temp_k = HKDF(ck, ikm, 2)`; the cipher is re-keyed with `temp_k`.
    package mutating func mixKey(_ inputKeyMaterial: [UInt8]) {
        let (newChainingKey, tempKey) = Self.hkdf2(chainingKey: chainingKey, inputKeyMaterial: inputKeyMaterial)
        chainingKey = newChainingKey
        cipher = NoiseCipherState(key: tempKey)
    }

    /// §5.2 MixHash: `h = HASH(h || data)`.
    package mutating func mixHash(_ data: [UInt8]) {
        var hasher = SHA256()
        hasher.update(data: handshakeHash)
        hasher.update(data: data)
        handshakeHash = Array(hasher.finalize())
    }

    /// §5.2 EncryptAndHash: encrypts with `h` as associated data, then mixes the ciphertext in.
    package mutating func encryptAndHash(_ plaintext: [UInt8]) throws -> [UInt8] {
        let ciphertext = try cipher.encrypt(ad: handshakeHash, plaintext: plaintext)
        mixHash(ciphertext)
        return ciphertext
    }

    /// §5.2 DecryptAndHash: decrypts with `h` as associated data, then mixes the ciphertext in.
    package mutating func decryptAndHash(_ ciphertext: [UInt8]) throws -> [UInt8] {
        let plaintext = try cipher.decrypt(ad: handshakeHash, ciphertext: ciphertext)
        mixHash(ciphertext)
        return plaintext
    }

    /// §5.2 Split: two cipher states, the first for initiator→responder, the second for the reverse.
    package func split() -> (NoiseCipherState, NoiseCipherState) {
        let (k1, k2) = Self.hkdf2(chainingKey: chainingKey, inputKeyMaterial: [])
        return (NoiseCipherState(key: k1), NoiseCipherState(key: k2))
    }

    /// §4.3 HKDF with two outputs: `temp = HMAC(ck, ikm)`, `o1 = HMAC(temp, 0x01)`,
    /// `o2 = HMAC(temp, o1 || 0x02)`.
    private static func hkdf2(chainingKey: [UInt8], inputKeyMaterial: [UInt8]) -> ([UInt8], [UInt8]) {
        let tempKey = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: inputKeyMaterial,
                                                                         using: SymmetricKey(data: chainingKey)))
        let output1 = Array(HMAC<SHA256>.authenticationCode(for: [0x01], using: tempKey))
        let output2 = Array(HMAC<SHA256>.authenticationCode(for: output1 + [0x02], using: tempKey))
        return (output1, output2)
    }
}
