import Synchronization

/// Whether a GEMM operand is used as stored or transposed.
public enum Transpose: Sendable, Equatable, CaseIterable {
    case none
    case transposed
}

/// The implementation that carries out a GEMM.
public enum GEMMBackend: String, Sendable, CaseIterable, CustomStringConvertible {
    /// OpenBLAS `cblas_sgemm`; only in the BLAS build (package trait `BLAS`, on by default).
    case blas
    /// AEGrid's packed SIMD kernel (Goto/BLIS blocking); compiled in every build.
    case swift
    /// The readable triple loop: the oracle the others are tested against.
    case naive

    public var description: String { rawValue }

    /// The backends this build can run.
    public static var available: [GEMMBackend] {
        #if BLAS
        return [.blas, .swift, .naive]
        #else
        return [.swift, .naive]
        #endif
    }

    /// The build's own default: `.blas` when the BLAS trait is on, `.swift` otherwise.
    public static var buildDefault: GEMMBackend {
        #if BLAS
        return .blas
        #else
        return .swift
        #endif
    }

    /// Parses `AEGRID_GEMM`-style names (`blas`, `swift`, `naive`), case-insensitively.
    public init?(name: String) {
        self.init(rawValue: name.lowercased())
    }
}

/// Errors of the shape-checked GEMM entry point.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible {
    case shapeMismatch(String)
    case backendUnavailable(GEMMBackend)
    case invalidEnvironment(variable: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .shapeMismatch(let message): return message
        case .backendUnavailable(let backend):
            return "GEMM backend '\(backend)' is not in this build (available: \(GEMMBackend.available.map(\.rawValue).joined(separator: ", ")))"
        case .invalidEnvironment(let variable, let value, let expected):
            return "\(variable)=\(value) is not valid; expected \(expected)"
        }
    }
}

/// General matrix multiply, single precision, row-major:
///
///     C ← α·op(A)·op(B) + β·C,   op(A): m×k,  op(B): k×n,  C: m×n
///
/// `op(X)` is `X` or `Xᵀ` as `transA`/`transB` say. Matrices are row-major with leading dimensions `lda`, `ldb`,
/// `ldc` (the distance in elements between consecutive stored rows): A is stored `m×k` (`lda ≥ k`) when not
/// transposed and `k×m` (`lda ≥ m`) when transposed; likewise B is `k×n` or `n×k`, and C is `m×n` (`ldc ≥ n`).
///
/// `beta == 0` means C is never read: whatever it holds (NaN included) is overwritten. With `k == 0` or
/// `alpha == 0`, C becomes β·C. Every backend honours this contract; they differ only in summation order.
public enum GEMM {
    /// The backend used when none is named. Starts as `AEGRID_GEMM` from the environment if set (and valid for
    /// this build), else `GEMMBackend.buildDefault`; assign to override (e.g. to compare backends in one build).
    public static var defaultBackend: GEMMBackend {
        get { GEMMBackend.allCases[defaultBackendIndex.load(ordering: .relaxed)] }
        set {
            precondition(GEMMBackend.available.contains(newValue),
                         LinearAlgebraError.backendUnavailable(newValue).description)
            defaultBackendIndex.store(GEMMBackend.allCases.firstIndex(of: newValue)!, ordering: .relaxed)
        }
    }

    /// What `defaultBackend`'s products run on, for a record of a run: the backend's name, then OpenBLAS's own
    /// description with the kernels it uses (`BLASThreads.libraryDescription`) or the Swift kernel's code generation.
    /// Products on OpenBLAS differ in their last bits between its kernels; the Swift kernel's are the same wherever
    /// this build runs.
    public static var defaultBackendDescription: String {
        switch defaultBackend {
        case .blas: return "blas: " + BLASThreads.libraryDescription
        case .swift:
            #if AEGRID_X86_64_V3
            return "swift: AEGrid's packed SIMD kernel, x86-64-v3"
            #else
            return "swift: AEGrid's packed SIMD kernel, portable build"
            #endif
        case .naive: return "naive: the reference triple loop"
        }
    }

    /// `defaultBackend` as its index in `GEMMBackend.allCases`: an atomic, so reading it costs one plain load.
    private static let defaultBackendIndex = Atomic(
        GEMMBackend.allCases.firstIndex(of: environmentBackend() ?? GEMMBackend.buildDefault)!)

    /// The backend named by `AEGRID_GEMM`, or nil when unset. A name this build lacks is reported by
    /// `validateEnvironment()`; here it falls back to the build default.
    static func environmentBackend() -> GEMMBackend? {
        guard let raw = getenvString("AEGRID_GEMM"), !raw.isEmpty,
              let backend = GEMMBackend(name: raw), GEMMBackend.available.contains(backend) else { return nil }
        return backend
    }

    /// Throws when `AEGRID_GEMM` is set to something this build cannot honour, or `AEGRID_GEMM_BLOCKING` is not
    /// `mc,kc,nc[,packA[,readB[,wideRows[,wideDepth]]]]`, so a CLI can say so clearly.
    public static func validateEnvironment() throws {
        if let blocking = getenvString("AEGRID_GEMM_BLOCKING"), GEMMBlocking.fromEnvironment() == nil {
            throw LinearAlgebraError.invalidEnvironment(
                variable: "AEGRID_GEMM_BLOCKING", value: blocking,
                expected: "mc,kc,nc[,packA[,readB[,wideRows[,wideDepth]]]] as whole numbers ≥ 0, mc/kc/nc from 1 to "
                    + "\(GEMMBlocking.maximumBlock) (e.g. 120,256,4080)")
        }
        guard let raw = getenvString("AEGRID_GEMM"), !raw.isEmpty else { return }
        let names = GEMMBackend.available.map(\.rawValue).joined(separator: "|")
        guard let backend = GEMMBackend(name: raw) else {
            throw LinearAlgebraError.invalidEnvironment(variable: "AEGRID_GEMM", value: raw, expected: names)
        }
        guard GEMMBackend.available.contains(backend) else { throw LinearAlgebraError.backendUnavailable(backend) }
    }

    /// Pointer-level GEMM for hot loops: no allocation in the BLAS and naive backends; the Swift backend packs
    /// into per-thread workspace that is allocated once per thread and reused. See the type's documentation for
    /// the contract. Shapes are checked with `precondition`.
    ///
    /// `threads` above one lets a large product use that many threads, with exactly one call's bits: on a backend
    /// that `splitsExactly`, C is cut into blocks of whole rows or whole columns, one per thread
    /// (`ParallelGEMM.swift`); on OpenBLAS the product runs whole on the calling thread.
    @inline(__always)
    public static func multiply(
        _ transA: Transpose, _ transB: Transpose,
        m: Int, n: Int, k: Int,
        alpha: Float,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        backend: GEMMBackend? = nil, threads: Int = 1
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "GEMM: negative size m=\(m) n=\(n) k=\(k)")
        precondition(lda >= max(1, transA == .none ? k : m), "GEMM: lda=\(lda) too small for op(A) \(m)×\(k) (\(transA))")
        precondition(ldb >= max(1, transB == .none ? n : k), "GEMM: ldb=\(ldb) too small for op(B) \(k)×\(n) (\(transB))")
        precondition(ldc >= max(1, n), "GEMM: ldc=\(ldc) too small for C \(m)×\(n)")
        if m == 0 || n == 0 { return }
        let backend = backend ?? defaultBackend
        if threads > 1 && backend.splitsExactly {
            let split = parallelSplit(m: m, n: n, k: k, threads: threads)
            if split.blocks > 1 {
                let operands = SplitOperands(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a,
                                             lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, backend: backend)
                if split.byColumns {
                    operands.multiply(columnBlocks: split.blocks)
                } else {
                    operands.multiply(rowBlocks: split.blocks)
                }
                return
            }
        }
        switch backend {
        case .blas:
            #if BLAS
            BLASBackend.sgemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                              beta: beta, c: c, ldc: ldc)
            #else
            preconditionFailure(LinearAlgebraError.backendUnavailable(.blas).description)
            #endif
        case .swift:
            SwiftGEMM.sgemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                            beta: beta, c: c, ldc: ldc)
        case .naive:
            NaiveGEMM.sgemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                            beta: beta, c: c, ldc: ldc)
        }
    }
}

extension Matrix {
    /// `self ← α·op(a)·op(b) + β·self`, shape-checked (see `GEMM` for the contract). Throws
    /// `LinearAlgebraError.shapeMismatch` naming all three shapes when they do not fit.
    public mutating func multiply(
        _ a: Matrix, _ b: Matrix,
        transA: Transpose = .none, transB: Transpose = .none,
        alpha: Float = 1, beta: Float = 0,
        backend: GEMMBackend? = nil
    ) throws {
        let (m, ka) = transA == .none ? (a.rows, a.columns) : (a.columns, a.rows)
        let (kb, n) = transB == .none ? (b.rows, b.columns) : (b.columns, b.rows)
        guard ka == kb, rows == m, columns == n else {
            throw LinearAlgebraError.shapeMismatch(
                "GEMM shape mismatch: op(A) is \(m)×\(ka) (A \(a.rows)×\(a.columns)\(transA == .none ? "" : "ᵀ")), "
                + "op(B) is \(kb)×\(n) (B \(b.rows)×\(b.columns)\(transB == .none ? "" : "ᵀ")), C is \(rows)×\(columns)")
        }
        if let backend, !GEMMBackend.available.contains(backend) { throw LinearAlgebraError.backendUnavailable(backend) }
        let cols = columns
        a.elements.withUnsafeBufferPointer { pa in
            b.elements.withUnsafeBufferPointer { pb in
                elements.withUnsafeMutableBufferPointer { pc in
                    guard let ca = pc.baseAddress else { return }
                    // Empty operands still have a valid (dummy) address for the k == 0 case.
                    withDummyIfEmpty(pa) { aa in
                        withDummyIfEmpty(pb) { bb in
                            GEMM.multiply(transA, transB, m: m, n: n, k: ka, alpha: alpha,
                                          a: aa, lda: max(1, a.columns), b: bb, ldb: max(1, b.columns),
                                          beta: beta, c: ca, ldc: max(1, cols), backend: backend)
                        }
                    }
                }
            }
        }
    }

    /// `op(a)·op(b)` as a new matrix.
    public static func product(_ a: Matrix, _ b: Matrix, transA: Transpose = .none, transB: Transpose = .none,
                               backend: GEMMBackend? = nil) throws -> Matrix {
        let m = transA == .none ? a.rows : a.columns
        let n = transB == .none ? b.columns : b.rows
        var c = Matrix(rows: m, columns: n)
        try c.multiply(a, b, transA: transA, transB: transB, backend: backend)
        return c
    }
}

@inline(__always)
func withDummyIfEmpty<R>(_ p: UnsafeBufferPointer<Float>, _ body: (UnsafePointer<Float>) -> R) -> R {
    if let base = p.baseAddress { return body(base) }
    var dummy: Float = 0
    return withUnsafePointer(to: &dummy) { body($0) }
}
