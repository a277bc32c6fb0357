// swift-tools-version: 6.1
// CareLedger: an offline-first, tamper-evident ledger and sync engine for healthcare sites.
// Dependencies point one way (A → B: B imports A; every import is declared below):
//   LedgerPrimitives, LZ4Codec → LedgerStorage → LedgerCore;  CanonicalJSON (depends on nothing) → LedgerCore
//   LedgerCore, CanonicalJSON → LedgerConsent
//   LedgerCore, LZ4Codec → LedgerSync            (no networking)
//   LedgerCore → LedgerNet                       (the only target that imports NIO)
//   LedgerCore, CanonicalJSON → LedgerTrials
//   LedgerCore, LedgerConsent, GRDB → LedgerIndex  (the derived-state database; the only target that imports GRDB)
//   LedgerCore, LedgerConsent, LedgerIndex, LedgerSync, LedgerNet, LedgerTrials → LedgerSite   (a site as a program uses it)
//   LedgerSite → LedgerHTTP (the only target that imports Hummingbird) → CareLedgerCLI
//   LedgerSite, LedgerIndex → CareLedgerCLI → careledger;  LedgerSite → careledger-example, careledger-bench
//   LedgerNet → LedgerNetTestSupport → LedgerNetTests, careledger-bench
// LedgerConsent, LedgerSync and LedgerNet do not import one another.
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "CareLedger",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "careledger", targets: ["careledger"]),
        .executable(name: "careledger-bench", targets: ["careledger-bench"]),
        .library(name: "LedgerCore", targets: ["LedgerCore"]),
        // The fuzz package (Fuzz/Package.swift) reaches every parser of outside bytes through these.
        .library(name: "LZ4Codec", targets: ["LZ4Codec"]),
        .library(name: "LedgerStorage", targets: ["LedgerStorage"]),
        .library(name: "LedgerSync", targets: ["LedgerSync"]),
        .library(name: "LedgerConsent", targets: ["LedgerConsent"]),
        .library(name: "LedgerSite", targets: ["LedgerSite"]),
        .library(name: "LedgerIndex", targets: ["LedgerIndex"]),
        .library(name: "CanonicalJSON", targets: ["CanonicalJSON"]),
        .library(name: "LedgerTrials", targets: ["LedgerTrials"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        // The HTTP API (Specs/fhir-api.md); its default traits (swift-configuration, full
        // Foundation) are off: the server needs neither, and they cost build time.
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // The derived-state database (Specs/site-layout.md §9).
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
    ],
    targets: [
        // Debian's liblz4 (apt-get install liblz4-dev), found through pkg-config.
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        // Debian's libsqlite3: the benchmark baseline, and LedgerIndex's connection settings GRDB does not offer.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // The one JSON of the project: strict parser, canonical writer, exact numbers (Specs/canonical-json.md).
        // Depends on nothing, so every layer (and a program embedding CareLedger) can use it.
        .target(name: "CanonicalJSON", swiftSettings: strict),
        // The LZ4 frame codec alone, so fuzz builds instrument only it.
        .target(name: "LZ4Codec", dependencies: ["CLZ4"], swiftSettings: strict),
        // The one byte cursor and writer, hex, RFC 3339 and parallel fill: Foundation only.
        .target(name: "LedgerPrimitives", swiftSettings: strict),
        // Segments, blocks, index, recovery: bytes and records, nothing of entries' meaning.
        .target(name: "LedgerStorage", dependencies: ["LZ4Codec", "LedgerPrimitives"], swiftSettings: strict),
        // Entries, identity, charter, the RFC 9162 Merkle log, proofs, the site ledger and verify.
        .target(
            name: "LedgerCore",
            dependencies: [
                "LedgerStorage", "LedgerPrimitives", "CanonicalJSON",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Consent versions, conflict resolution, access decisions, FHIR R4 mapping.
        .target(
            name: "LedgerConsent",
            dependencies: ["LedgerCore", "CanonicalJSON", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        // Clinical trials: protocol versions, custody events (EPCIS 2.0) and their verification (Specs/trials.md).
        .target(name: "LedgerTrials", dependencies: ["LedgerCore", "CanonicalJSON"], swiftSettings: strict),
        // Summaries, the reconciliation state machine and bundles (no networking here).
        .target(
            name: "LedgerSync",
            dependencies: ["LedgerCore", "LedgerStorage", "LZ4Codec", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        // The only target that imports NIO: the authenticated, encrypted TCP transport.
        .target(
            name: "LedgerNet",
            dependencies: [
                "LedgerCore",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // The derived-state database (Specs/site-layout.md §9): an SQLite cache of what the log
        // implies, maintained on every commit so that opening a site does not replay its log.
        .target(
            name: "LedgerIndex",
            dependencies: ["LedgerCore", "LedgerConsent", "CSQLite", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        // A site as a program uses it: open, append, bundles, the folder mailbox, TCP sync
        // sessions, consent checks with their audit entries, status and the audit analysis.
        .target(
            name: "LedgerSite",
            dependencies: [
                "LedgerStorage", "LedgerCore", "LedgerConsent", "LedgerIndex", "LedgerSync", "LedgerNet", "LedgerTrials",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // The site's FHIR R4 / CDS Hooks API over HTTP: Hummingbird moves bytes, LedgerSite's SiteAPI answers.
        .target(
            name: "LedgerHTTP",
            dependencies: [
                "LedgerSite",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),  // --tls-cert/--tls-key (swift-nio-ssl)
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),  // the event loops as the global executor
            ],
            swiftSettings: strict),
        // A set-union conversation and its item store: a load for the transport without ledgers,
        // for LedgerNet's tests and `careledger-bench tcp-load --no-ledgers`. Not shipped.
        .target(
            name: "LedgerNetTestSupport",
            dependencies: [
                "LedgerNet", "LedgerCore",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        // One file per subcommand of `careledger`.
        .target(
            name: "CareLedgerCLI",
            dependencies: [
                "LedgerCore", "LedgerConsent", "LedgerIndex", "LedgerSync", "LedgerNet", "LedgerSite", "LedgerTrials", "LedgerHTTP",
                "CanonicalJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(name: "careledger", dependencies: ["CareLedgerCLI"], swiftSettings: strict),
        // The README's "Use it as a library" program, built and run by LedgerSiteTests.
        .executableTarget(
            name: "careledger-example", dependencies: ["LedgerSite", "LedgerCore", "LedgerConsent"], swiftSettings: strict),
        .executableTarget(
            name: "careledger-bench",
            dependencies: [
                "LedgerStorage", "LedgerCore", "LedgerConsent", "LedgerSync", "LedgerNet", "LedgerSite", "LedgerNetTestSupport", "CSQLite",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Seeded generators and temporary folders shared by the test targets.
        .target(name: "TestSupport", swiftSettings: strict),
        .testTarget(name: "LedgerPrimitivesTests", dependencies: ["LedgerPrimitives", "TestSupport"], swiftSettings: strict),
        // File-system test doubles (fault injection, recording for crash-state replay) for every test target that writes a site.
        .target(name: "StorageTestSupport", dependencies: ["LedgerStorage"], swiftSettings: strict),
        .testTarget(
            name: "LedgerStorageTests", dependencies: ["LedgerStorage", "LZ4Codec", "TestSupport", "StorageTestSupport"],
            swiftSettings: strict),
        .testTarget(name: "LedgerCoreTests", dependencies: ["LedgerCore", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "CanonicalJSONTests", dependencies: ["CanonicalJSON", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "LedgerConsentTests", dependencies: ["LedgerConsent", "LedgerCore", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "LedgerSyncTests",
            dependencies: ["LedgerSync", "LedgerCore", "LedgerStorage", "StorageTestSupport", "TestSupport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        .testTarget(
            name: "LedgerNetTests",
            dependencies: [
                "LedgerNet", "LedgerNetTestSupport", "LedgerCore", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "SiteLedgerTests", dependencies: ["LedgerCore", "LedgerStorage", "LedgerSync", "TestSupport", "StorageTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "HardeningTests",
            dependencies: ["LedgerCore", "LedgerStorage", "LedgerSync", "LedgerConsent", "LZ4Codec", "TestSupport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        .testTarget(
            name: "LedgerSiteTests",
            dependencies: [
                "LedgerSite", "LedgerCore", "LedgerConsent", "LedgerSync", "LedgerNet", "TestSupport", "CanonicalJSON",
                "LedgerStorage", "StorageTestSupport", .product(name: "Crypto", package: "swift-crypto"),  // static-log tests: faults, Ed25519 vectors
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "LedgerTrialsTests",
            dependencies: [
                "LedgerTrials", "LedgerSite", "LedgerConsent", "LedgerCore", "CanonicalJSON", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "LedgerIndexTests",
            dependencies: [
                "LedgerIndex", "LedgerSite", "LedgerCore", "LedgerConsent", "LedgerStorage", "TestSupport", "StorageTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(name: "CareLedgerCLITests", dependencies: ["CareLedgerCLI", "LedgerHTTP", "LedgerSite", "LedgerCore", "LedgerStorage", "CanonicalJSON", "TestSupport",
                                                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")], swiftSettings: strict),
    ]
)
