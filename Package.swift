// swift-tools-version: 6.1
// CareLedger: an offline-first, tamper-evident ledger and sync engine for healthcare sites.
// Dependencies point one way: LZ4Codec → LedgerStorage → LedgerCore → LedgerConsent / LedgerSync → LedgerNet → CLI.
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
        .library(name: "CanonicalJSON", targets: ["CanonicalJSON"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
    ],
    targets: [
        // Debian's liblz4 (apt-get install liblz4-dev), found through pkg-config.
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        // Debian's libsqlite3, used only by the benchmark baseline.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // The one JSON of the project: strict parser, canonical writer, exact numbers (Specs/canonical-json.md).
        // Depends on nothing, so every layer (and a program embedding CareLedger) can use it.
        .target(name: "CanonicalJSON", swiftSettings: strict),
        // The LZ4 frame codec alone, so fuzz builds instrument only it.
        .target(name: "LZ4Codec", dependencies: ["CLZ4"], swiftSettings: strict),
        // Segments, blocks, index, recovery: bytes and records, nothing of entries' meaning.
        .target(name: "LedgerStorage", dependencies: ["LZ4Codec"], swiftSettings: strict),
        // Entries, identity, charter, the RFC 9162 Merkle log, proofs, the site ledger and verify.
        .target(
            name: "LedgerCore",
            dependencies: [
                "LedgerStorage", "CanonicalJSON",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Consent versions, conflict resolution, access decisions, FHIR R4 mapping.
        .target(
            name: "LedgerConsent",
            dependencies: ["LedgerCore", "CanonicalJSON", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        // Summaries, the reconciliation state machine and bundles (no networking here).
        .target(
            name: "LedgerSync",
            dependencies: ["LedgerCore", "LZ4Codec", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        // The only target that imports NIO: the authenticated, encrypted TCP transport.
        .target(
            name: "LedgerNet",
            dependencies: [
                "LedgerCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // One file per subcommand of `careledger`.
        .target(
            name: "CareLedgerCLI",
            dependencies: [
                "LedgerCore", "LedgerConsent", "LedgerSync", "LedgerNet", "CanonicalJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(name: "careledger", dependencies: ["CareLedgerCLI"], swiftSettings: strict),
        .executableTarget(
            name: "careledger-bench",
            dependencies: [
                "LedgerStorage", "LedgerCore", "LedgerConsent", "LedgerSync", "LedgerNet", "CareLedgerCLI", "CSQLite",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        // Seeded generators and temporary folders shared by the test targets.
        .target(name: "TestSupport", swiftSettings: strict),
        .testTarget(name: "LedgerStorageTests", dependencies: ["LedgerStorage", "LZ4Codec", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "LedgerCoreTests", dependencies: ["LedgerCore", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "CanonicalJSONTests", dependencies: ["CanonicalJSON", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "LedgerConsentTests", dependencies: ["LedgerConsent", "LedgerCore", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "LedgerSyncTests",
            dependencies: ["LedgerSync", "LedgerCore", "TestSupport", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),
        .testTarget(
            name: "LedgerNetTests",
            dependencies: [
                "LedgerNet", "LedgerCore", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .testTarget(name: "SiteLedgerTests", dependencies: ["LedgerCore", "LedgerStorage", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "HardeningTests",
            dependencies: ["LedgerCore", "LedgerStorage", "LedgerSync", "LedgerConsent", "LZ4Codec", "TestSupport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        .testTarget(name: "CareLedgerCLITests", dependencies: ["CareLedgerCLI", "LedgerCore", "LedgerStorage", "CanonicalJSON", "TestSupport"], swiftSettings: strict),
    ]
)
