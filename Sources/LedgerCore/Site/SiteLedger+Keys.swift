import Crypto

extension SiteLedger {
    /// The site's Ed25519 private key, for signing bundles; `package` so it never leaves
    /// CareLedger's own targets.
    package var signingKeyForBundles: Curve25519.Signing.PrivateKey { keys.signing }

    /// The site's X25519 private key, for opening bundles and transport handshakes.
    package var agreementKeyForBundles: Curve25519.KeyAgreement.PrivateKey { keys.agreement }

    /// A fresh hybrid-clock reading (strictly after every earlier one at this site).
    public func currentTime() -> HybridTimestamp { clock.now() }
}
