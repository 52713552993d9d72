// swift-tools-version:6.1
// Loom: a pure-Swift reimplementation of SQLite 3. One target per layer; each target lists
// only the layers below it (Spec/README.md is the map). No package dependencies.
//
// Performance figures (loom-bench) hold only for release builds without the
// LOOM_INVARIANTS flag; `-Xswiftc -DLOOM_INVARIANTS` turns on O(n) invariant walks.
import PackageDescription

/// Release builds put every function in its own section, so the linker drops unused code
/// (`--gc-sections`) and can lay out the hot code together (LoomCLI's `hot-text.order`).
let strict: [SwiftSetting] = [.swiftLanguageMode(.v6), .unsafeFlags(["-Xfrontend", "-function-sections"], .when(platforms: [.linux], configuration: .release))]
/// Engine targets: release builds skip the dynamic exclusivity checks on class properties
/// (swift_beginAccess and its TLS access set were ~12% of a 200k-INSERT profile, micro_a);
/// debug builds, and so the tests, keep them.
let engine: [SwiftSetting] = strict + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "Loom",
    products: [
        .library(name: "Loom", targets: ["Loom"]),
        .library(name: "LoomFoundation", targets: ["LoomFoundation"]),
        .executable(name: "loom", targets: ["LoomCLI"]),
        .executable(name: "loom-slt", targets: ["LoomSLTCLI"]),
        .executable(name: "loom-bench", targets: ["LoomBenchCLI"]),
        .library(name: "LoomSim", targets: ["LoomSim"]),
        .executable(name: "loom-sim", targets: ["LoomSimCLI"]),
    ],
    targets: [
        // Base: result codes and the one error type every layer throws.
        .target(name: "LoomBase", swiftSettings: engine),
        // L0 .. L7
        .target(name: "LoomVFS", dependencies: ["LoomBase"], swiftSettings: engine),
        .target(name: "LoomPager", dependencies: ["LoomVFS"], swiftSettings: engine),
        .target(name: "LoomRecord", dependencies: ["LoomBase"], swiftSettings: engine),
        .target(name: "LoomBTree", dependencies: ["LoomPager", "LoomRecord"], swiftSettings: engine),
        .target(name: "LoomVDBE", dependencies: ["LoomBTree"], swiftSettings: engine),
        .target(name: "LoomSQL", dependencies: ["LoomVDBE"], swiftSettings: engine),
        .target(name: "LoomSession", dependencies: ["LoomSQL", "LoomFTS5"], swiftSettings: engine),
        .target(name: "Loom", dependencies: ["LoomSession"], swiftSettings: engine),
        // Date and UUID conformances (Foundation), kept out of Loom and the static shell.
        .target(name: "LoomFoundation", dependencies: ["Loom"], swiftSettings: strict),
        // FTS5 (issue 8): tokenizers, query parser, SQLite's on-disk index format, the module.
        .target(name: "LoomFTS5", dependencies: ["LoomVDBE"], swiftSettings: engine),
        // Tools (Foundation allowed): libraries so tests can drive them in-process.
        .target(name: "LoomShell", dependencies: ["Loom"], swiftSettings: strict),
        .target(name: "LoomSLT", dependencies: ["Loom"], swiftSettings: strict),
        .target(name: "LoomBench", dependencies: ["Loom", "LoomShell"], swiftSettings: strict),
        // `loom` links the Swift runtime statically in release builds: with the shared
        // libraries its resident set starts ~16 MiB above sqlite3's (micro benchmarks). The
        // functions the benchmarks run are laid out together (hot-text.order): the kernel maps
        // executable pages in 64 KiB blocks, so scattered hot code kept most of the text resident.
        .executableTarget(name: "LoomCLI", dependencies: ["LoomShell"], exclude: ["hot-text.order"],
                          swiftSettings: strict,
                          linkerSettings: [.unsafeFlags(["-static-executable", "-Xlinker",
                                                         "--section-ordering-file=\(Context.packageDirectory)/Sources/LoomCLI/hot-text.order"],
                                                        .when(platforms: [.linux], configuration: .release))]),
        .executableTarget(name: "LoomSLTCLI", dependencies: ["LoomSLT"], swiftSettings: strict),
        .executableTarget(name: "LoomBenchCLI", dependencies: ["LoomBench"], swiftSettings: strict),
        // Deterministic simulation (Spec/testing.md): a library for users' tests, and its CLI.
        .target(name: "LoomSim", dependencies: ["Loom"], swiftSettings: strict),
        .executableTarget(name: "LoomSimCLI", dependencies: ["LoomSim"], swiftSettings: strict),
        // Issue 7's usage example, verbatim as a program (APIExampleTests runs it). Its
        // `try await queue.read { … }` line resolves to the synchronous `read` in top-level
        // code, so Swift warns "no 'async' operations occur within 'await' expression"; that
        // one warning is the example's own, so this target alone suppresses warnings, and
        // APIExampleTests type-checks the file to prove it is the only one.
        .executableTarget(name: "LoomExample", dependencies: ["Loom"],
                          swiftSettings: strict + [.unsafeFlags(["-suppress-warnings"])]),
        // Tests
        .target(name: "LoomTestSupport", dependencies: ["Loom"], path: "Tests/LoomTestSupport",
                swiftSettings: strict),
        .testTarget(name: "LoomVFSTests", dependencies: ["LoomVFS", "LoomTestSupport"], swiftSettings: strict),
        .testTarget(name: "LoomPagerTests", dependencies: ["LoomPager", "LoomTestSupport"], swiftSettings: strict),
        .testTarget(name: "LoomRecordTests", dependencies: ["LoomRecord", "LoomTestSupport"], swiftSettings: strict),
        .testTarget(name: "LoomBTreeTests", dependencies: ["LoomBTree", "LoomTestSupport"], swiftSettings: strict),
        .testTarget(name: "LoomVDBETests", dependencies: ["LoomVDBE", "LoomTestSupport"], swiftSettings: strict),
        .testTarget(name: "LoomSQLTests", dependencies: ["LoomSQL", "LoomTestSupport"], swiftSettings: strict),
        .testTarget(name: "LoomSessionTests", dependencies: ["LoomSession", "LoomTestSupport"], swiftSettings: strict),
        .testTarget(name: "LoomTests", dependencies: ["Loom", "LoomFoundation", "LoomTestSupport"], swiftSettings: strict),
        .testTarget(name: "LoomFTS5Tests", dependencies: ["LoomFTS5", "Loom", "LoomTestSupport"], swiftSettings: strict),
        .testTarget(name: "LoomShellTests", dependencies: ["LoomShell", "LoomTestSupport"], swiftSettings: strict),
        .testTarget(name: "LoomSimTests", dependencies: ["LoomSim", "LoomTestSupport"], swiftSettings: strict),
        .testTarget(name: "LoomSLTTests", dependencies: ["LoomSLT", "LoomBench", "LoomTestSupport"], swiftSettings: strict),
    ]
)
