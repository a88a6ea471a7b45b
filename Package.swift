// swift-tools-version:6.1
// AEGrid: high-throughput hyperparameter grid search over dense autoencoders.
//
// Build flavours:
//   swift build                           BLAS trait on (default): GEMM from OpenBLAS, eigen-solver from LAPACKE.
//   swift build --disable-default-traits  pure-Swift fallback: links no OpenBLAS, no LAPACKE.
// Code generation: every target is compiled for x86-64-v3 (AVX2 + FMA), so SIMD fused multiply-adds become
// `vfmadd231ps` instead of calls to `fmaf`. Set AEGRID_PORTABLE=1 in the environment of `swift build` to build for
// baseline x86-64 (any 64-bit x86 CPU, or another architecture) at a large cost in speed. Two modules,
// SwiftGEMMAVX512 (the Swift GEMM's 32-column micro-kernels) and OptimizerAVX512 (Adam's update), are compiled for
// x86-64-v4 in every build and called only on CPUs with AVX-512 (a run-time check), with the same bits as the
// AVX2 code.
import Foundation
import PackageDescription

let portable = ProcessInfo.processInfo.environment["AEGRID_PORTABLE"].map { !$0.isEmpty && $0 != "0" } ?? false
// `-fno-math-errno`: Swift's `Float.squareRoot()` goes through a C shim that, with errno semantics, keeps a libm
// call on the slow path and so stops LLVM from vectorising any loop with a square root (the optimisers' updates).
// Nothing in AEGrid reads errno; the results are the same correctly rounded square roots.
let noMathErrno = ["-Xcc", "-fno-math-errno"]
#if arch(x86_64)
let codegen: [SwiftSetting] = portable
    ? [.unsafeFlags(noMathErrno)]
    : [.unsafeFlags(["-Xcc", "-march=x86-64-v3"] + noMathErrno), .define("AEGRID_X86_64_V3")]
// The Swift GEMM's AVX-512 micro-kernel and Adam's AVX-512 update are modules of their own, compiled for x86-64-v4
// whatever the rest is compiled for: `LinearAlgebra` and `NeuralNet` call them only on a CPU that has AVX-512
// (`CPUFeatures.hasAVX512`).
let avx512Codegen: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-march=x86-64-v4"] + noMathErrno)]
#else
let codegen: [SwiftSetting] = [.unsafeFlags(noMathErrno)]
let avx512Codegen: [SwiftSetting] = [.unsafeFlags(noMathErrno)]
#endif

// The BLAS build links OpenBLAS and LAPACKE statically, from the archives libopenblas-dev and liblapacke-dev install
// (`-l:` names the file, so the linker never picks the shared library beside it), and OpenBLAS's Fortran runtime as
// the shared library it needs at run time. Loading the shared OpenBLAS cost every `aegrid` process about 3 ms of CPU
// before `main` (its 14,000 symbol relocations, each looked up in every loaded library, and the loading of
// libopenblas, liblapacke, liblapack, libblas and libtmglib): a seed-grid search spends more in start-up than in
// some of its phases (docs/measurements.md, 2026-12-02). Statically linked, those relocations are resolved once, at
// link time, and the binary no longer needs OpenBLAS installed on the nodes.
let staticBLAS: [LinkerSetting] = [":liblapacke.a", ":libopenblas.a", ":libgfortran.so.5", "pthread", "m"]
    .map { .linkedLibrary($0, .when(traits: ["BLAS"])) }

let package = Package(
    name: "AEGrid",
    products: [
        .executable(name: "aegrid", targets: ["AEGridCLI"]),
        .executable(name: "aegrid-bench", targets: ["Benchmarks"]),
        .library(name: "LinearAlgebra", targets: ["LinearAlgebra"]),
        .library(name: "NeuralNet", targets: ["NeuralNet"]),
        .library(name: "DataFiles", targets: ["DataFiles"]),
        .library(name: "GridSearch", targets: ["GridSearch"]),
        .library(name: "SearchReport", targets: ["SearchReport"]),
    ],
    traits: [
        .trait(name: "BLAS", description: "Use OpenBLAS for GEMM and LAPACKE for eigen-decomposition."),
        .default(enabledTraits: ["BLAS"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // MARK: C boundary (headers only: the libraries are linked statically by LinearAlgebra, `staticBLAS`)
        .systemLibrary(
            name: "COpenBLAS",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),

        // MARK: Library layers (imports point one way: LinearAlgebra -> NeuralNet -> GridSearch; DataFiles and
        // JSONLines feed GridSearch; DurableFiles sits under every module that writes a file)
        .target(name: "DurableFiles", swiftSettings: codegen),
        .target(name: "SwiftGEMMAVX512", swiftSettings: avx512Codegen),
        .target(
            name: "LinearAlgebra",
            dependencies: ["SwiftGEMMAVX512", .target(name: "COpenBLAS", condition: .when(traits: ["BLAS"]))],
            swiftSettings: codegen,
            linkerSettings: staticBLAS
        ),
        // Adam's update in 512-bit vectors, compiled for x86-64-v4 like SwiftGEMMAVX512; only NeuralNet imports it.
        .target(name: "OptimizerAVX512", swiftSettings: avx512Codegen),
        .target(name: "NeuralNet", dependencies: ["LinearAlgebra", "OptimizerAVX512", "DurableFiles", "JSONLines"],
                swiftSettings: codegen),
        .target(name: "DataFiles", dependencies: ["LinearAlgebra", "DurableFiles"], swiftSettings: codegen),
        .target(name: "JSONLines", swiftSettings: codegen),
        // The search space: grid files (JSON, YAML), keys and their rules, values, sampling and distributions, and
        // the trial configuration each point resolves to.
        .target(
            name: "SearchSpace",
            dependencies: ["NeuralNet", "LinearAlgebra", "DataFiles", .product(name: "Yams", package: "Yams")],
            swiftSettings: codegen
        ),
        .target(
            name: "GridSearch",
            dependencies: ["SearchSpace", "NeuralNet", "LinearAlgebra", "DataFiles", "JSONLines", "DurableFiles"],
            swiftSettings: codegen
        ),
        // The HTML report of a results directory (report.html: inline-SVG charts, importance), on top of GridSearch.
        .target(name: "SearchReport", dependencies: ["GridSearch", "SearchSpace", "DurableFiles"], swiftSettings: codegen),

        // MARK: Executables
        .executableTarget(
            name: "AEGridCLI",
            dependencies: [
                "GridSearch", "SearchSpace", "SearchReport", "NeuralNet", "LinearAlgebra", "DataFiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: codegen
        ),
        .executableTarget(
            name: "Benchmarks",
            dependencies: ["GridSearch", "SearchSpace", "NeuralNet", "LinearAlgebra", "DataFiles", "JSONLines"],
            swiftSettings: codegen
        ),

        // MARK: Tests
        .target(name: "TestSupport", dependencies: ["LinearAlgebra"], path: "Tests/Support", swiftSettings: codegen),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra", "TestSupport"], swiftSettings: codegen),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "LinearAlgebra", "TestSupport"],
                    resources: [.copy("Fixtures")], swiftSettings: codegen),
        .testTarget(name: "DataFilesTests", dependencies: ["DataFiles", "LinearAlgebra", "TestSupport"], swiftSettings: codegen),
        .testTarget(name: "JSONLinesTests", dependencies: ["JSONLines", "LinearAlgebra"], swiftSettings: codegen),
        .testTarget(name: "DurableFilesTests", dependencies: ["DurableFiles", "TestSupport"], swiftSettings: codegen),
        .testTarget(name: "SearchSpaceTests", dependencies: ["SearchSpace", "NeuralNet", "LinearAlgebra", "TestSupport"],
                    swiftSettings: codegen),
        .testTarget(name: "SearchReportTests", dependencies: ["SearchReport", "GridSearch", "TestSupport"],
                    swiftSettings: codegen),
        .testTarget(
            name: "GridSearchTests",
            dependencies: ["GridSearch", "SearchSpace", "NeuralNet", "LinearAlgebra", "DataFiles", "JSONLines",
                           "DurableFiles", "TestSupport", .product(name: "Yams", package: "Yams")],
            swiftSettings: codegen
        ),
        .testTarget(name: "AEGridCLITests", dependencies: ["AEGridCLI", "LinearAlgebra", "TestSupport",
                                                    .product(name: "ArgumentParser", package: "swift-argument-parser")],
                    swiftSettings: codegen),
    ],
    swiftLanguageModes: [.v6]
)
