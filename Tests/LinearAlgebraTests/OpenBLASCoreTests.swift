#if BLAS
import Foundation
import XCTest
@testable import LinearAlgebra
import TestSupport

/// OpenBLAS's kernels: Debian 12's OpenBLAS 0.3.21 gives an Intel CPU model it does not know its Prescott (SSE3)
/// kernels, and `BLASBackend` then switches it to the kernels the CPU's features call for (`kernelChoice`).
final class OpenBLASCoreTests: XCTestCase {
    /// A 61×47×53 product on OpenBLAS against the Double oracle.
    private func checkProduct(_ core: String, file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = SeededGenerator(seed: 7)
        let (m, n, k) = (61, 47, 53)
        let a = Matrix(rows: m, columns: k, elements: (0 ..< m * k).map { _ in 2 * rng.nextUnitFloat() - 1 })
        let b = Matrix(rows: k, columns: n, elements: (0 ..< k * n).map { _ in 2 * rng.nextUnitFloat() - 1 })
        var c = Matrix(rows: m, columns: n, elements: [Float](repeating: .nan, count: m * n))
        try c.multiply(a, b, backend: .blas)
        let exact = referenceGEMM(.none, .none, m: m, n: n, k: k, alpha: 1, a: a.elements, lda: k, b: b.elements,
                                  ldb: n, beta: 0, c: c.elements, ldc: n)
        for (index, value) in c.elements.enumerated() {
            XCTAssertEqual(Double(value), exact[index], accuracy: 1e-4, "\(core): C[\(index / n), \(index % n)]",
                           file: file, line: line)
        }
    }

    func testAPrescottFallbackIsReplacedByTheKernelsTheCPUsFeaturesCallFor() throws {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil else {
            throw XCTSkip("OPENBLAS_CORETYPE is set: the user's choice, which AEGrid leaves alone")
        }
        _ = BLASBackend.kernelChoice
        let original = BLASBackend.core
        defer { XCTAssertTrue(BLASBackend.use(core: original)) }
        guard let better = BLASBackend.coreForFeatures else {
            #if AEGRID_X86_64_V3
            return XCTFail("an x86-64-v3 build runs only on CPUs with AVX2 and FMA, which have a better core")
            #else
            throw XCTSkip("a portable build on a CPU without AVX2 and FMA (or not x86-64): no better core to switch to")
            #endif
        }
        XCTAssertNotEqual(original, "Prescott", "the core in use after the check")
        XCTAssertTrue(BLASThreads.libraryDescription.contains(original))

        // What OpenBLAS 0.3.21 does on an Intel model it does not know, then the same switch as at start-up.
        XCTAssertTrue(BLASBackend.use(core: "Prescott"))
        XCTAssertEqual(BLASBackend.core, "Prescott")
        try checkProduct("Prescott")
        XCTAssertNil(BLASBackend.useBetterCore(replacing: []), "a core not named is kept")
        XCTAssertEqual(BLASBackend.core, "Prescott")
        XCTAssertEqual(BLASBackend.useBetterCore(replacing: ["Prescott"]), "Prescott")
        XCTAssertEqual(BLASBackend.core, better)
        try checkProduct(better)
    }
}
#endif
