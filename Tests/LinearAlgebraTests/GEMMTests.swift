import XCTest
@testable import LinearAlgebra
import TestSupport
import Synchronization

/// Every backend against the Double-precision oracle (`referenceGEMM`), over every small shape and transpose,
/// plus larger shapes that cross the Swift kernel's blocking boundaries.
final class GEMMTests: XCTestCase {
    /// The α and β values every sweep rotates through: zero, one and a value that is neither.
    private static let alphas: [Float] = [0, 1, -1.25]
    private static let betas: [Float] = [0, 1, 0.5]

    /// One GEMM problem with its operands laid out at the requested leading dimensions.
    private struct Problem {
        var transA: Transpose, transB: Transpose
        var m: Int, n: Int, k: Int
        var alpha: Float, beta: Float
        var a: [Float], lda: Int
        var b: [Float], ldb: Int
        var c: [Float], ldc: Int

        /// Random operands in [-1, 1); `padding` extra elements per stored row (leading dimension > width).
        /// Padding cells of C hold a sentinel so writes outside the m×n block are caught.
        init(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float, beta: Float,
             padding: Int, using rng: inout SeededGenerator) {
            self.transA = transA; self.transB = transB
            self.m = m; self.n = n; self.k = k; self.alpha = alpha; self.beta = beta
            let (aRows, aCols) = transA == .none ? (m, k) : (k, m)
            let (bRows, bCols) = transB == .none ? (k, n) : (n, k)
            lda = max(1, aCols + padding); ldb = max(1, bCols + padding); ldc = max(1, n + padding)
            a = (0 ..< max(1, aRows * lda)).map { _ in 2 * rng.nextUnitFloat() - 1 }
            b = (0 ..< max(1, bRows * ldb)).map { _ in 2 * rng.nextUnitFloat() - 1 }
            c = Array(repeating: GEMMTests.sentinel, count: max(1, m * ldc))
            for i in 0 ..< m {
                for j in 0 ..< n {
                    // β = 0 must never read C: poison it so a read shows up as NaN in the result.
                    c[i * ldc + j] = beta == 0 ? .nan : 2 * rng.nextUnitFloat() - 1
                }
            }
        }

        func run(_ backend: GEMMBackend) -> [Float] {
            var out = c
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    out.withUnsafeMutableBufferPointer { pc in
                        GEMM.multiply(transA, transB, m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!, lda: lda,
                                      b: pb.baseAddress!, ldb: ldb, beta: beta, c: pc.baseAddress!, ldc: ldc,
                                      backend: backend)
                    }
                }
            }
            return out
        }

        /// The Swift kernel with an explicit blocking plan.
        func runSwift(blocking: GEMMBlocking) -> [Float] {
            var out = c
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    out.withUnsafeMutableBufferPointer { pc in
                        SwiftGEMM.sgemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!, lda: lda,
                                        b: pb.baseAddress!, ldb: ldb, beta: beta, c: pc.baseAddress!, ldc: ldc,
                                        blocking: blocking)
                    }
                }
            }
            return out
        }

        /// The oracle's C and, per element, the allowed error: 2·(k + 4) ulps of 1 relative to
        /// |α|·Σ|a||b| + |β|·|c|, the forward-error bound of a k-term Float dot product (γ_k ≈ k·u) with a
        /// factor-of-two margin and room for the α and β operations.
        func expectation() -> (reference: [Double], tolerance: [Double]) {
            let reference = referenceGEMM(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                                          b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            let ulps = Double(Float.ulpOfOne) * Double(2 * (k + 4))
            var tolerance = Array(repeating: 0.0, count: c.count)
            for i in 0 ..< m {
                for j in 0 ..< n {
                    var magnitude = 0.0
                    for p in 0 ..< k {
                        let aip = transA == .none ? a[i * lda + p] : a[p * lda + i]
                        let bpj = transB == .none ? b[p * ldb + j] : b[j * ldb + p]
                        magnitude += abs(Double(aip) * Double(bpj))
                    }
                    magnitude *= abs(Double(alpha))
                    if beta != 0 { magnitude += abs(Double(beta) * Double(c[i * ldc + j])) }
                    tolerance[i * ldc + j] = ulps * magnitude + Double.leastNormalMagnitude
                }
            }
            return (reference, tolerance)
        }

        /// A description of the first element outside tolerance or written outside the m×n block, or nil.
        func firstMismatch(_ result: [Float], _ expected: (reference: [Double], tolerance: [Double])) -> String? {
            for i in 0 ..< m {
                for j in 0 ..< n {
                    let index = i * ldc + j
                    let got = Double(result[index]), want = expected.reference[index]
                    if !(abs(got - want) <= expected.tolerance[index]) {
                        return "C[\(i),\(j)] = \(got), reference \(want), tolerance \(expected.tolerance[index])"
                    }
                }
                for j in n ..< ldc where result[i * ldc + j].bitPattern != GEMMTests.sentinel.bitPattern {
                    return "padding C[\(i),\(j)] was overwritten with \(result[i * ldc + j])"
                }
            }
            return nil
        }

        var label: String {
            "\(transA == .none ? "A" : "Aᵀ")·\(transB == .none ? "B" : "Bᵀ") m=\(m) n=\(n) k=\(k) α=\(alpha) β=\(beta) "
                + "lda=\(lda) ldb=\(ldb) ldc=\(ldc)"
        }

    }

    private static let sentinel: Float = 12345.5

    /// Checks `problem` on every backend against the oracle; returns false after recording the first failure.
    @discardableResult
    private func check(_ problem: Problem, backends: [GEMMBackend] = GEMMBackend.available,
                       file: StaticString = #filePath, line: UInt = #line) -> Bool {
        let expected = problem.expectation()
        for backend in backends {
            if let mismatch = problem.firstMismatch(problem.run(backend), expected) {
                XCTFail("\(backend): \(problem.label): \(mismatch)", file: file, line: line)
                return false
            }
        }
        return true
    }

    /// Every m, n, k in 0…33 and every transpose pair: each remainder of m mod 8 and 6 and n mod 16 meets every k,
    /// on both sides of the narrow-product threshold (n = 16). The 9 α/β combinations and leading-dimension padding
    /// (0 or 3) rotate across the sweep, so each (m, n, k, transposes) runs once and each α/β pair ~17 000 times.
    /// (`make test` runs release builds; an unoptimised debug build checks every m and n but only some k, to stay
    /// within a minute.)
    func testEverySmallShapeAndTransposeOnEveryBackend() {
        #if DEBUG
        let depths = [0, 1, 2, 17, 33]
        #else
        let depths = Array(0 ... 33)
        #endif
        var rng = SeededGenerator(seed: 2024)
        var counter = 0
        var failures = 0
        for transA in Transpose.allCases {
            for transB in Transpose.allCases {
                for m in 0 ... 33 {
                    for n in 0 ... 33 {
                        for k in depths {
                            let combination = counter % 9
                            let problem = Problem(transA, transB, m: m, n: n, k: k,
                                                  alpha: Self.alphas[combination / 3],
                                                  beta: Self.betas[combination % 3],
                                                  padding: (counter / 9) % 2 == 0 ? 0 : 3, using: &rng)
                            counter += 1
                            if !check(problem) {
                                failures += 1
                                if failures >= 5 { return }
                            }
                        }
                    }
                }
            }
        }
        XCTAssertEqual(counter, 4 * 34 * 34 * depths.count)
    }

    /// Shapes of a few hundred that are not multiples of 6, 16 or the block sizes, every transpose pair.
    func testLargerShapesOnEveryBackend() {
        var rng = SeededGenerator(seed: 7)
        #if DEBUG
        // Unoptimised, the Double oracle alone would take minutes on the full list; the block-boundary test
        // below crosses every blocking loop in debug builds too.
        let shapes = [(m: 67, n: 45, k: 70), (m: 37, n: 131, k: 29), (m: 50, n: 17, k: 61)]
        #else
        let shapes = [(m: 131, n: 257, k: 300), (m: 600, n: 100, k: 97), (m: 37, n: 611, k: 129),
                      (m: 256, n: 128, k: 784), (m: 250, n: 17, k: 513)]
        #endif
        for (index, shape) in shapes.enumerated() {
            for transA in Transpose.allCases {
                for transB in Transpose.allCases {
                    let alpha = Self.alphas[1 + index % 2], beta = Self.betas[index % 3]
                    check(Problem(transA, transB, m: shape.m, n: shape.n, k: shape.k, alpha: alpha, beta: beta,
                                  padding: index % 2 == 0 ? 5 : 0, using: &rng))
                }
            }
        }
    }

    /// The Swift kernel with deliberately tiny blocking plans, so one modest product crosses every loop of the
    /// Goto/BLIS nest several times (several jc slabs, pc slices with β applied once, ic blocks, edge tiles of every
    /// height and width), with op(A) packed and read in place, and a stored op(B) packed and read in place.
    func testSwiftKernelAcrossEveryBlockBoundary() {
        let plans = [GEMMBlocking(mc: 12, kc: 7, nc: 32, packAMinimumColumns: 0, readBInPlaceMaximumRows: 0),
                     GEMMBlocking(mc: 12, kc: 7, nc: 32, packAMinimumColumns: 1000, readBInPlaceMaximumRows: 0),
                     GEMMBlocking(mc: 12, kc: 7, nc: 32, packAMinimumColumns: 0, readBInPlaceMaximumRows: 1000),
                     GEMMBlocking(mc: 12, kc: 7, nc: 32, packAMinimumColumns: 1000, readBInPlaceMaximumRows: 1000)]
        let shapes = [(m: 50, n: 70, k: 30), (m: 6, n: 16, k: 7), (m: 13, n: 33, k: 15), (m: 61, n: 95, k: 44)]
        let scalings: [(alpha: Float, beta: Float)] = [(1, 0), (-1.25, 0.5), (1, 1)]
        var rng = SeededGenerator(seed: 11)
        for plan in plans {
            for (index, shape) in shapes.enumerated() {
                for transA in Transpose.allCases {
                    for transB in Transpose.allCases {
                        for scaling in scalings {
                            let problem = Problem(transA, transB, m: shape.m, n: shape.n, k: shape.k,
                                                  alpha: scaling.alpha, beta: scaling.beta, padding: index, using: &rng)
                            let result = problem.runSwift(blocking: plan)
                            if let mismatch = problem.firstMismatch(result, problem.expectation()) {
                                XCTFail("blocking \(plan): \(problem.label): \(mismatch)")
                            }
                        }
                    }
                }
            }
        }
    }

    /// A stored B read in place gives the packed sliver's bits exactly (the same multiply-adds in the same order), at
    /// the blocking the trainer uses and at a tiny one: full slivers in place with a partial last one packed, B
    /// wider than its columns (ldb > n), several k slices and slabs, β applied once, every op(A).
    func testReadingBInPlaceGivesThePackedBits() {
        let plans = [(GEMMBlocking.tuned, "tuned"), (GEMMBlocking(mc: 12, kc: 7, nc: 32), "tiny")]
        let shapes = [(m: 32, n: 256, k: 784), (m: 32, n: 784, k: 256), (m: 64, n: 40, k: 300), (m: 7, n: 33, k: 20),
                      (m: 1, n: 16, k: 5), (m: 13, n: 95, k: 44)]
        var rng = SeededGenerator(seed: 29)
        for (base, name) in plans {
            let inPlace = GEMMBlocking(mc: base.mc, kc: base.kc, nc: base.nc,
                                       packAMinimumColumns: base.packAMinimumColumns, readBInPlaceMaximumRows: 1000,
                                       wideInPlaceMaximumRows: 1000, wideInPlaceMaximumDepth: 1000)
            let packed = GEMMBlocking(mc: base.mc, kc: base.kc, nc: base.nc,
                                      packAMinimumColumns: base.packAMinimumColumns, readBInPlaceMaximumRows: 0,
                                      wideInPlaceMaximumRows: 0, wideInPlaceMaximumDepth: 0)
            for (index, shape) in shapes.enumerated() {
                for transA in Transpose.allCases {
                    let problem = Problem(transA, .none, m: shape.m, n: shape.n, k: shape.k,
                                          alpha: Self.alphas[1 + index % 2], beta: Self.betas[index % 3],
                                          padding: 3 * (index % 2), using: &rng)
                    let read = problem.runSwift(blocking: inPlace), copied = problem.runSwift(blocking: packed)
                    XCTAssertEqual(read.map(\.bitPattern), copied.map(\.bitPattern), "\(name): \(problem.label)")
                }
            }
        }
        // The default reads B in place up to a batch of 64 rows for the 6×16 tiles, and for the AVX-512 ones (with A)
        // up to 256 rows on AMD's CPUs, never on others'; likewise a transposed A up to a depth of 256.
        XCTAssertEqual(GEMMBlocking.tuned.readBInPlaceMaximumRows, 64)
        XCTAssertEqual(GEMMBlocking.tuned.wideInPlaceMaximumRows, CPUFeatures.isAMD ? 256 : 0)
        XCTAssertEqual(GEMMBlocking.tuned.wideInPlaceMaximumDepth, CPUFeatures.isAMD ? 256 : 0)
    }

    /// The AVX-512 kernels' 6×32 and 8×32 tiles give the 6×16 AVX2 kernel's bits, element for element: every pairing
    /// of slivers (in place and packed, a panel with an odd sliver left over, partial last slivers, edge rows of every
    /// height under 8, several k slices with β applied by the first), A (stored or transposed) packed in 6-row panels
    /// and read in place by 8-row tiles, B packed and read in place beside it, every transpose, α and β. Skipped on a
    /// CPU without AVX-512, where no plan uses wide tiles (checked).
    func testWideTilesGiveTheNarrowTilesBits() throws {
        XCTAssertEqual(GEMMBlocking(mc: 12, kc: 7, nc: 32, wideTiles: true).usesWideTiles,
                       SwiftGEMM.wideTilesAvailable)
        XCTAssertFalse(GEMMBlocking(mc: 12, kc: 7, nc: 32, wideTiles: false).usesWideTiles)
        guard SwiftGEMM.wideTilesAvailable else { throw XCTSkip("this CPU has no AVX-512: no wide tiles to compare") }
        let plans = [GEMMBlocking.tuned, GEMMBlocking(mc: 12, kc: 7, nc: 48), GEMMBlocking(mc: 18, kc: 64, nc: 32)]
        let shapes = [(m: 32, n: 256, k: 784), (m: 32, n: 784, k: 256), (m: 64, n: 40, k: 300), (m: 7, n: 33, k: 20),
                      (m: 1, n: 16, k: 5), (m: 13, n: 95, k: 44), (m: 6, n: 32, k: 9), (m: 100, n: 64, k: 3),
                      (m: 256, n: 130, k: 17), (m: 5, n: 48, k: 260)]
        var rng = SeededGenerator(seed: 31)
        for plan in plans {
            // A packed (6-row tiles, B packed), A in place (8-row tiles) with B packed, and both in place; a
            // transposed A packed, or read in place up to a depth of 300 (all shapes but one).
            for (readB, packA, depth) in [(0, 0, 0), (0, 1000, 300), (1000, plan.packAMinimumColumns, 0),
                                          (1000, plan.packAMinimumColumns, 300)] {
                let narrow = GEMMBlocking(mc: plan.mc, kc: plan.kc, nc: plan.nc, packAMinimumColumns: packA,
                                          readBInPlaceMaximumRows: readB, wideInPlaceMaximumRows: readB,
                                          wideInPlaceMaximumDepth: depth,
                                          wideTiles: false)
                let wide = narrow.with(wideTiles: true)
                XCTAssertTrue(wide.usesWideTiles)
                for (index, shape) in shapes.enumerated() {
                    for transA in Transpose.allCases {
                        for transB in Transpose.allCases {
                            let problem = Problem(transA, transB, m: shape.m, n: shape.n, k: shape.k,
                                                  alpha: Self.alphas[1 + index % 2], beta: Self.betas[index % 3],
                                                  padding: 3 * (index % 2), using: &rng)
                            let expected = problem.runSwift(blocking: narrow), got = problem.runSwift(blocking: wide)
                            XCTAssertEqual(got.map(\.bitPattern), expected.map(\.bitPattern),
                                           "\(wide): \(problem.label)")
                        }
                    }
                }
            }
        }
    }

    /// `/proc/cpuinfo`'s fields as `CPUFeatures` reads them (the vendor picks the AVX-512 tiles' in-place limit):
    /// the value after the colon without its blanks, the first processor's, nil for a field that is not there.
    func testCPUInfoFieldsAndVendor() throws {
        #if arch(x86_64) && os(Linux)
        let fields = CPUFeatures.cpuinfoFields(["vendor_id", "flags", "no such field", "vendor"])
        let vendor = try XCTUnwrap(fields["vendor_id"])
        XCTAssertFalse(vendor.isEmpty)
        XCTAssertEqual(vendor, vendor.filter { $0 != " " && $0 != "\t" && $0 != "\n" })
        XCTAssertEqual(CPUFeatures.isAMD, vendor == "AuthenticAMD")
        let flags = try XCTUnwrap(fields["flags"]).split(separator: " ")
        XCTAssertTrue(flags.contains("sse2"), "\(flags.prefix(8))")
        XCTAssertEqual(CPUFeatures.hasAVX512, ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
            .allSatisfy { flags.contains(Substring($0)) })
        XCTAssertNil(fields["no such field"])
        XCTAssertNil(fields["vendor"])  // a prefix of a field's name is not the field
        #else
        throw XCTSkip("/proc/cpuinfo's x86 fields are read on x86-64 Linux only")
        #endif
    }

    /// The backends agree with each other elementwise (not only with the oracle) on a training-sized product.
    func testBackendsAgreeWithEachOther() throws {
        var rng = SeededGenerator(seed: 3)
        let x = Matrix(rows: 64, columns: 200, elements: (0 ..< 12_800).map { _ in rng.nextUnitFloat() })
        let w = Matrix(rows: 200, columns: 48, elements: (0 ..< 9_600).map { _ in rng.nextUnitFloat() - 0.5 })
        let products = try GEMMBackend.available.map { try Matrix.product(x, w, backend: $0) }
        let tolerance: Float = 2 * 204 * Float.ulpOfOne * 200 * 0.5
        for (backend, product) in zip(GEMMBackend.available.dropFirst(), products.dropFirst()) {
            for (value, first) in zip(product.elements, products[0].elements) {
                XCTAssertEqual(value, first, accuracy: tolerance, "\(backend) vs \(GEMMBackend.available[0])")
            }
        }
    }

    /// Concurrent calls from several threads each use their own packing workspace.
    func testConcurrentCallsFromSeveralThreads() throws {
        var rng = SeededGenerator(seed: 5)
        let a = Matrix(rows: 70, columns: 90, elements: (0 ..< 6_300).map { _ in rng.nextUnitFloat() })
        let b = Matrix(rows: 90, columns: 40, elements: (0 ..< 3_600).map { _ in rng.nextUnitFloat() })
        let expected = try Matrix.product(a, b, backend: .swift)
        let results = Mutex([Bool](repeating: false, count: 4))
        DispatchQueue.concurrentPerform(iterations: 4) { index in
            var same = true
            for _ in 0 ..< 20 {
                // Different shapes per thread make the workspaces grow differently.
                let c = try? Matrix.product(a.rows(0 ..< 70 - index).copy(), b, backend: .swift)
                same = same && c?.elements == Array(expected.elements[0 ..< (70 - index) * 40])
            }
            results.withLock { $0[index] = same }
        }
        XCTAssertEqual(results.withLock { $0 }, [true, true, true, true])
    }

    /// The packing workspace grows once and is then reused: a smaller product after a larger one on the same
    /// thread gets the same buffers (no allocation in steady state).
    func testWorkspaceIsReusedAcrossCalls() throws {
        var rng = SeededGenerator(seed: 9)
        let big = Matrix(rows: 600, columns: 600, elements: (0 ..< 360_000).map { _ in rng.nextUnitFloat() })
        _ = try Matrix.product(big, big, transA: .transposed, backend: .swift)
        let before = GEMMWorkspace.buffers(a: 0, b: 0)
        let small = Matrix(rows: 50, columns: 40, elements: (0 ..< 2_000).map { _ in rng.nextUnitFloat() })
        for _ in 0 ..< 3 { _ = try Matrix.product(small, small, transA: .transposed, transB: .none, backend: .swift) }
        _ = try Matrix.product(small, small, transB: .transposed, backend: .swift)
        let after = GEMMWorkspace.buffers(a: 0, b: 0)
        XCTAssertEqual(before.packedA, after.packedA)
        XCTAssertEqual(before.packedB, after.packedB)
    }

    /// `GEMM.defaultBackend` decides which backend runs when none is named, and `AEGRID_GEMM` is parsed and
    /// validated. The product below tells the backends apart: C[0, 0] = -1·1 + (1 + 2⁻¹²)², where Swift's fused
    /// multiply-add keeps the low bits of the square and the naive loop's separate multiply rounds them away.
    func testDefaultBackendSwitchAndEnvironment() throws {
        let a = Matrix(rows: 1, columns: 2, elements: [-1, 1 + 0x1p-12])
        var b = Matrix(rows: 2, columns: 16, repeating: 0.25)
        b[0, 0] = 1
        b[1, 0] = 1 + 0x1p-12
        let saved = GEMM.defaultBackend
        defer { GEMM.defaultBackend = saved }
        GEMM.defaultBackend = .naive
        XCTAssertEqual(try Matrix.product(a, b)[0, 0], 0x1p-11)
        GEMM.defaultBackend = .swift
        XCTAssertEqual(try Matrix.product(a, b)[0, 0], 0x1p-11 + 0x1p-24)
        for backend in GEMMBackend.available {
            GEMM.defaultBackend = backend
            XCTAssertEqual(try Matrix.product(a, b), try Matrix.product(a, b, backend: backend), "\(backend)")
        }

        let savedVariable = getenv("AEGRID_GEMM").map { String(cString: $0) }
        defer {
            if let savedVariable { setenv("AEGRID_GEMM", savedVariable, 1) } else { unsetenv("AEGRID_GEMM") }
        }
        setenv("AEGRID_GEMM", "Naive", 1)
        XCTAssertEqual(GEMM.environmentBackend(), .naive)
        XCTAssertNoThrow(try GEMM.validateEnvironment())
        setenv("AEGRID_GEMM", "fast", 1)
        XCTAssertNil(GEMM.environmentBackend())
        XCTAssertThrowsError(try GEMM.validateEnvironment()) { error in
            XCTAssertEqual("\(error)", "AEGRID_GEMM=fast is not valid; expected "
                           + GEMMBackend.available.map(\.rawValue).joined(separator: "|"))
        }
        #if !BLAS
        setenv("AEGRID_GEMM", "blas", 1)
        XCTAssertThrowsError(try GEMM.validateEnvironment()) { error in
            XCTAssertEqual(error as? LinearAlgebraError, .backendUnavailable(.blas))
        }
        #endif
        unsetenv("AEGRID_GEMM")
        XCTAssertNil(GEMM.environmentBackend())

        let savedBlocking = getenv("AEGRID_GEMM_BLOCKING").map { String(cString: $0) }
        defer {
            if let savedBlocking { setenv("AEGRID_GEMM_BLOCKING", savedBlocking, 1) } else { unsetenv("AEGRID_GEMM_BLOCKING") }
        }
        setenv("AEGRID_GEMM_BLOCKING", "96, 512,4080", 1)
        XCTAssertEqual(GEMMBlocking.fromEnvironment(), GEMMBlocking(mc: 96, kc: 512, nc: 4080))
        XCTAssertNoThrow(try GEMM.validateEnvironment())
        setenv("AEGRID_GEMM_BLOCKING", "96,512,4080,256,0", 1)
        XCTAssertEqual(GEMMBlocking.fromEnvironment(),
                       GEMMBlocking(mc: 96, kc: 512, nc: 4080, packAMinimumColumns: 256, readBInPlaceMaximumRows: 0))
        setenv("AEGRID_GEMM_BLOCKING", "96,512,4080,256,0,48", 1)
        XCTAssertEqual(GEMMBlocking.fromEnvironment(),
                       GEMMBlocking(mc: 96, kc: 512, nc: 4080, packAMinimumColumns: 256, readBInPlaceMaximumRows: 0,
                                    wideInPlaceMaximumRows: 48))
        setenv("AEGRID_GEMM_BLOCKING", "96,512,4080,256,0,48,1", 1)
        XCTAssertEqual(GEMMBlocking.fromEnvironment(),
                       GEMMBlocking(mc: 96, kc: 512, nc: 4080, packAMinimumColumns: 256, readBInPlaceMaximumRows: 0,
                                    wideInPlaceMaximumRows: 48, wideInPlaceMaximumDepth: 1))
        setenv("AEGRID_GEMM_BLOCKING", "96,512,4080,256,0,48,1,2", 1)
        XCTAssertNil(GEMMBlocking.fromEnvironment())
        // A field that does not parse is refused, not dropped (which shifted the next fields into its place), and
        // a block so large that rounding it up to the register shape overflowed is refused.
        for refused in ["120,abc,256,4080", "99999999999999999999,1,1,1,1,1,1", "96,,512,4080", "96,512,4080,",
                        "9223372036854775807,1,1", "96,512,1073741825", "96,512,4080,-1"] {
            setenv("AEGRID_GEMM_BLOCKING", refused, 1)
            XCTAssertNil(GEMMBlocking.fromEnvironment(), refused)
        }
        setenv("AEGRID_GEMM_BLOCKING", "1073741824,1,1073741824,9223372036854775807", 1)
        XCTAssertEqual(GEMMBlocking.fromEnvironment()?.nc, 1_073_741_824)
        setenv("AEGRID_GEMM_BLOCKING", "96,0,4080", 1)
        XCTAssertNil(GEMMBlocking.fromEnvironment())
        XCTAssertThrowsError(try GEMM.validateEnvironment()) { error in
            XCTAssertTrue("\(error)".hasPrefix("AEGRID_GEMM_BLOCKING=96,0,4080 is not valid; expected mc,kc,nc"), "\(error)")
        }
    }
}
