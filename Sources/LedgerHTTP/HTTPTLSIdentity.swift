import Foundation
import HummingbirdTLS
import LedgerSite

/// The certificate and key `serve --http` presents over TLS (Specs/fhir-api.md §5.1).
///
/// Why checked here, before the server binds: a key another user can read is a key anyone on
/// the machine can impersonate the site with, so it is refused as the house refuses such key
/// files (mode 0600), and a certificate or key that does not load is a usage error at start,
/// not a failed handshake for every client later.
public struct HTTPTLSIdentity: Sendable {
    /// NIOSSL's server configuration: the chain, the key, TLS 1.2 at least (1.3 preferred).
    let configuration: TLSConfiguration

    /// Reads a PEM certificate chain (the server's certificate first) and a PEM private key.
    /// - Throws: ``SiteError`` `.invalidRequest` when the key file's mode gives group or others
    ///   any access; `.unreadableInput` when a file is missing or is not a PEM chain or key.
    public static func load(certificate: String, key: String) throws -> HTTPTLSIdentity {
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: key) } catch {
            throw SiteError(.unreadableInput, "cannot read the TLS key \(key): \(error.localizedDescription)", path: key, underlying: error)
        }
        let mode = (attributes[.posixPermissions] as? Int) ?? 0o777
        guard mode & 0o077 == 0 else {
            throw SiteError(.invalidRequest, "the TLS key \(key) has mode \(String(mode, radix: 8)); it must be readable by its owner only (chmod 600 \(key))", path: key)
        }
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMFile(certificate) } catch {
            throw SiteError(.unreadableInput, "\(certificate) is not a readable PEM certificate chain: \(error)", path: certificate, underlying: error)
        }
        guard !chain.isEmpty else {
            throw SiteError(.unreadableInput, "\(certificate) holds no PEM certificate", path: certificate)
        }
        let privateKey: NIOSSLPrivateKey
        do { privateKey = try NIOSSLPrivateKey(file: key, format: .pem) } catch {
            throw SiteError(.unreadableInput, "\(key) is not a readable PEM private key: \(error)", path: key, underlying: error)
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv12
        return HTTPTLSIdentity(configuration: configuration)
    }
}
