extension GEMM {
    /// Whether `multiplyByTransposedB` computes `A·Bᵀ` (m×n, inner size k) as the transposed product: on AEGrid's own
    /// kernels, with few rows (a small batch's input gradient `dZ·Wᵀ`) and a large B, when both products take the
    /// packed path.
    ///
    /// Packing `Bᵀ` for the kernel is a transposing gather of all n×k elements of B (a layer's kernel), paid once per
    /// product whatever m is: at 32 rows it costs a third as much as the product's arithmetic. `Cᵀ = B·Aᵀ` reads B
    /// where it lies and packs `Aᵀ` (m×k, a sixteenth of B's size at 32 rows and 512 columns), then transposes the
    /// m×n result. Every element is the same sum of the same products in the same k order (`fma(a, b, c)` equals
    /// `fma(b, a, c)`), so the bits are one direct call's, as long as neither product takes the narrow path (fewer than
    /// 16 columns), whose order differs. OpenBLAS gives no such promise, so its products stay as written.
    public static func transposesProduct(m: Int, n: Int, k: Int, backend: GEMMBackend) -> Bool {
        backend.splitsExactly && m >= 16 && m <= transposedProductMaximumRows && n >= 16
            && n * k >= transposedProductMinimumSizeOfB
    }

    /// Below this many elements of B (a kernel under 64 KB, e.g. 64→32 at batch 32), the gather is cheap and the
    /// transposition of the result is not repaid.
    static let transposedProductMinimumSizeOfB = 1 << 14

    /// Above this many rows, packing Bᵀ is shared by enough rows that the direct product is as fast (at 256 rows the
    /// transposed product and its transposition cost about what the gather saves).
    public static let transposedProductMaximumRows = 64

    /// `C ← A·Bᵀ`: A is m×k (rows `lda` apart), B is n×k (rows `ldb` apart), C is m×n (rows `ldc` apart), with exactly
    /// the bits of `multiply(.none, .transposed, …, alpha: 1, …, beta: 0, …)` on the same backend. With few rows on
    /// AEGrid's own kernels it is computed as `Cᵀ = B·Aᵀ` into `scratch` (n×m, dense) and transposed into C
    /// (`transposesProduct`); otherwise as one direct product, and `scratch` is not touched. `threads`: as in
    /// `multiply(threads:)`, with the same bits for any count.
    public static func multiplyByTransposedB(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, scratch: UnsafeMutablePointer<Float>, scratchCount: Int,
        backend: GEMMBackend? = nil, threads: Int = 1
    ) {
        let backend = backend ?? defaultBackend
        guard transposesProduct(m: m, n: n, k: k, backend: backend) else {
            multiply(.none, .transposed, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb, beta: 0, c: c,
                     ldc: ldc, backend: backend, threads: threads)
            return
        }
        precondition(scratchCount >= m * n, "GEMM: scratch of \(scratchCount) floats for a \(n)×\(m) product")
        // Cᵀ: (n, k) · (k, m) → (n, m).
        multiply(.none, .transposed, m: n, n: m, k: k, alpha: 1, a: b, lda: ldb, b: a, ldb: lda, beta: 0, c: scratch,
                 ldc: m, backend: backend, threads: threads)
        transposeScratch(scratch, rows: m, columns: 0 ..< n, into: c, ldc: ldc)
    }

    /// Columns `columns` of `C ← A·Bᵀ` as `multiplyByTransposedB` computes them when it `transposesProduct` (which
    /// the caller has checked): `Cᵀ[columns] = B[columns]·Aᵀ`, one product on the calling thread, into rows
    /// `columns` of the same n×m `scratch`, then transposed into those columns of C. Row blocks of a product hold one
    /// call's bits on AEGrid's own kernels (`GEMMBackend.splitsExactly`), so blocks of columns computed on different
    /// threads give exactly the whole product; each block writes only its own columns of C and rows of `scratch`.
    /// `columns` must start at a multiple of 16 (`parallelRowAlignment`).
    public static func multiplyByTransposedB(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, columns: Range<Int>, scratch: UnsafeMutablePointer<Float>,
        scratchCount: Int, backend: GEMMBackend
    ) {
        precondition(transposesProduct(m: m, n: n, k: k, backend: backend), "GEMM: \(m)×\(n)·\(k) is not transposed")
        precondition(columns.lowerBound >= 0 && columns.upperBound <= n
                     && columns.lowerBound % parallelRowAlignment == 0, "GEMM: columns \(columns) of \(n)")
        precondition(scratchCount >= m * n, "GEMM: scratch of \(scratchCount) floats for a \(n)×\(m) product")
        if columns.isEmpty { return }
        multiply(.none, .transposed, m: columns.count, n: m, k: k, alpha: 1, a: b + columns.lowerBound * ldb,
                 lda: ldb, b: a, ldb: lda, beta: 0, c: scratch + columns.lowerBound * m, ldc: m, backend: backend)
        transposeScratch(scratch, rows: m, columns: columns, into: c, ldc: ldc)
    }

    /// `C[r][j] = Cᵀ[j][r]` for r in 0..<rows and j in `columns`, `Cᵀ` dense (n×rows): eight columns of C (rows of
    /// Cᵀ) at a time, so each read of Cᵀ feeds eight writes.
    private static func transposeScratch(_ scratch: UnsafePointer<Float>, rows m: Int, columns: Range<Int>,
                                         into c: UnsafeMutablePointer<Float>, ldc: Int) {
        var j = columns.lowerBound
        while j + 8 <= columns.upperBound {
            let s = scratch + j * m
            for r in 0 ..< m {
                let row = c + r * ldc + j
                row[0] = s[r]; row[1] = s[m + r]; row[2] = s[2 * m + r]; row[3] = s[3 * m + r]
                row[4] = s[4 * m + r]; row[5] = s[5 * m + r]; row[6] = s[6 * m + r]; row[7] = s[7 * m + r]
            }
            j += 8
        }
        while j < columns.upperBound {
            for r in 0 ..< m { c[r * ldc + j] = scratch[j * m + r] }
            j += 1
        }
    }
}
