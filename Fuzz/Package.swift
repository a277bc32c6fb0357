// swift-tools-version: 6.1
// CareLedger fuzz harnesses (Specs/threat-model.md, issue 8): one libFuzzer executable per
// parser of outside bytes. A separate package so the main build never sees fuzzer flags.
// Build only through Fuzz/run.sh (it passes -sanitize=fuzzer,address -parse-as-library).
import Foundation
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

/// The main package's identity is its folder's name (a path dependency), whatever the clone is called.
let main = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

func harness(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: dependencies, path: "Sources/\(name)", swiftSettings: strict)
}

let package = Package(
    name: "CareLedgerFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
    ],
    targets: [
        // LedgerNet's framing and Noise types are `package`-internal, so they cannot be reached
        // from another package: this target compiles the very same sources (a symlink to
        // ../Sources/LedgerNet) inside this package, where `package` symbols are visible.
        .target(
            name: "FuzzLedgerNet",
            dependencies: [
                .product(name: "LedgerCore", package: main),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        harness("fuzz-segment", [.product(name: "LedgerStorage", package: main)]),
        harness("fuzz-lz4", [.product(name: "LZ4Codec", package: main)]),
        harness("fuzz-entry", [.product(name: "LedgerCore", package: main)]),
        harness("fuzz-bundle", [
            .product(name: "LedgerSync", package: main), .product(name: "LedgerCore", package: main),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        harness("fuzz-sync-message", [.product(name: "LedgerSync", package: main)]),
        harness("fuzz-transport", [
            "FuzzLedgerNet", .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        harness("fuzz-fhir", [
            .product(name: "LedgerConsent", package: main), .product(name: "LedgerCore", package: main),
            .product(name: "CanonicalJSON", package: main),
        ]),
        harness("fuzz-json", [.product(name: "CanonicalJSON", package: main)]),
    ]
)
