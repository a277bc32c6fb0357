import Foundation
import Testing
import TestSupport

/// `careledger serve --http --tls-cert --tls-key`: the API over HTTPS, with a certificate made
/// by openssl in the test's folder and an independent client, Python's ssl module
/// (Specs/fhir-api.md §5.1; issue 15).
@Suite("The FHIR API of serve --http over TLS")
struct HTTPAPITLSTests {
    /// Whether openssl and python3 are here (the CI image has both).
    static let toolsAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") && Python.canImport("ssl, http.client")

    /// A self-signed ECDSA P-256 certificate for 127.0.0.1 and its key (openssl writes the key 0600).
    static func makeCertificate(in cli: CLI) throws {
        let made = try BuiltBinary.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "key.pem", "-out", "cert.pem", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ], in: cli.folder.path)
        #expect(made.status == 0, "openssl: \(made.stderr)")
    }

    @Test("with a certificate and a 0600 key the API answers over TLS 1.3 (and 1.2), and plain HTTP to that port gets no answer",
          .enabled(if: toolsAvailable, "needs /usr/bin/openssl and python3"))
    func servesHTTPS() async throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["network", "create", "--dir", "central", "--site", "central", "--name", "net"]).status == 0)
        let token = try #require(try cli.json(["api-token", "--dir", "central", "--name", "ehr-tls"])["token"] as? String)
        try Self.makeCertificate(in: cli)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: cli.path("key.pem"))
        let server = try TCPSyncTests.Server(cli: cli, site: "central", options: ["--tls-cert", "cert.pem", "--tls-key", "key.pem"], http: true)
        defer { server.stop() }
        let run = try BuiltBinary.run("/usr/bin/env", [
            "python3", BuiltBinary.repositoryRoot + "/Tests/Tools/api-tls-client.py", String(server.port), cli.path("cert.pem"), token,
        ], in: cli.folder.path)
        #expect(run.status == 0, "api-tls-client.py: \(run.stdout) \(run.stderr)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
        #expect(answer["metadata"] as? Int == 200)
        #expect(answer["version"] as? String == "TLSv1.3")
        #expect(answer["metadata_tls12"] as? Int == 200)
        #expect(answer["version_tls12"] as? String == "TLSv1.2")
        #expect(answer["audit"] as? Int == 200)
        #expect(answer["plain"] as? String == "refused")
    }

    @Test("a TLS key that group or others can read is refused with exit 2 before anything is served; so is a missing or half-given pair; another certificate's key exits 8",
          .enabled(if: toolsAvailable, "needs /usr/bin/openssl and python3"))
    func refusesAnExposedKey() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["network", "create", "--dir", "central", "--site", "central", "--name", "net"]).status == 0)
        try Self.makeCertificate(in: cli)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: cli.path("key.pem"))
        let serve = ["serve", "--dir", "central", "--http", "127.0.0.1:0"]
        let exposed = try cli.run(serve + ["--tls-cert", "cert.pem", "--tls-key", "key.pem"])
        #expect(exposed.status == 2)
        #expect(exposed.stderr.contains("chmod 600"), "\(exposed.stderr)")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: cli.path("key.pem"))
        #expect(try cli.run(serve + ["--tls-cert", "cert.pem"]).status == 2)
        #expect(try cli.run(serve + ["--tls-cert", "missing.pem", "--tls-key", "key.pem"]).status == 2)
        #expect(try cli.run(serve + ["--tls-cert", "key.pem", "--tls-key", "key.pem"]).status == 2, "a key is not a certificate")
        #expect(try cli.run(["serve", "--dir", "central", "--listen", "127.0.0.1:0", "--tls-cert", "cert.pem", "--tls-key", "key.pem"]).status == 2)
        // A well-formed key of another certificate: BoringSSL refuses it as the server starts.
        let other = try BuiltBinary.run("/usr/bin/openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "other.pem"],
                                        in: cli.folder.path)
        #expect(other.status == 0, "openssl: \(other.stderr)")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: cli.path("other.pem"))
        let mismatched = try cli.run(serve + ["--tls-cert", "cert.pem", "--tls-key", "other.pem"])
        #expect(mismatched.status == 8, "\(mismatched.stderr)")
    }
}
