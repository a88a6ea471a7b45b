#if BLAS
internal import COpenBLAS

/// The only code that calls LAPACK (through LAPACKE). BLAS build only.
enum LAPACKBackend {
    /// `LAPACKE_dsyevd` (divide and conquer) on a row-major `n×n` symmetric matrix, reading its upper triangle.
    ///
    /// On return `a` holds the eigenvectors as its columns (`a[i * n + j]` is component `i` of vector `j`) and `w`
    /// the eigenvalues in ascending order. Returns LAPACK's `info`: 0 on success, `> 0` when the algorithm failed
    /// to converge, `< 0` for an illegal argument (a bug in the caller).
    static func dsyevd(_ a: inout [Double], _ w: inout [Double], n: Int) -> Int {
        precondition(a.count == n * n && w.count == n, "LAPACKBackend.dsyevd: buffers do not match n = \(n)")
        if n == 0 { return 0 }
        _ = BLASBackend.kernelChoice  // LAPACK's own products run on OpenBLAS's kernels
        // `lapack_int` is a C macro (int32_t in Debian's LP64 LAPACKE), so Swift sees Int32.
        let jobz = CChar(UInt8(ascii: "V")), uplo = CChar(UInt8(ascii: "U"))
        let info = a.withUnsafeMutableBufferPointer { ap in
            w.withUnsafeMutableBufferPointer { wp in
                LAPACKE_dsyevd(LAPACK_ROW_MAJOR, jobz, uplo, Int32(n), ap.baseAddress, Int32(n),
                               wp.baseAddress)
            }
        }
        return Int(info)
    }
}
#endif
