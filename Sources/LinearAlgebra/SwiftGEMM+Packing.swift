/// Packing: copies a block of op(A) or op(B) into the contiguous, zero-padded slivers the micro-kernel streams
/// through. Transposition is handled here, so the micro-kernel sees one layout for every `transA`/`transB`.
extension SwiftGEMM {
    /// Packs `op(B)[pc ..< pc+kc, jc ..< jc+nc]` as `⌈nc/16⌉` slivers of `kc×16`, row p of a sliver holding the
    /// sixteen columns it covers (zeros beyond column nc).
    static func packB(
        _ transB: Transpose, b: UnsafePointer<Float>, ldb: Int,
        pc: Int, kc: Int, jc: Int, nc: Int, into dst: UnsafeMutablePointer<Float>
    ) {
        let nr = 16
        var out = dst
        var j0 = 0
        while j0 < nc {
            let width = min(nr, nc - j0)
            if transB == .none {
                // op(B) rows are stored rows: each k step copies `width` contiguous floats.
                var src = b + (pc * ldb + jc + j0)
                if width == nr {
                    for _ in 0 ..< kc {
                        let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(out)
                        d.storeBytes(of: s.loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
                        d.storeBytes(of: s.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self),
                                     toByteOffset: 32, as: SIMD8<Float>.self)
                        src += ldb
                        out += nr
                    }
                } else {
                    for _ in 0 ..< kc {
                        for j in 0 ..< width { out[j] = src[j] }
                        for j in width ..< nr { out[j] = 0 }
                        src += ldb
                        out += nr
                    }
                }
            } else {
                // op(B)[p, j] = B[j, p]: column j of the sliver is a contiguous run of stored row jc+j0+j.
                let src = b + ((jc + j0) * ldb + pc)
                // A full sliver, eight k steps at a time: two 8×8 blocks of B transposed in registers.
                var p0 = 0
                if width == nr {
                    while p0 + 8 <= kc {
                        transpose8x8(src + p0, ldb: ldb, into: out + p0 * nr)
                        transpose8x8(src + 8 * ldb + p0, ldb: ldb, into: out + p0 * nr + 8)
                        p0 += 8
                    }
                }
                for j in 0 ..< width {
                    let row = src + j * ldb
                    var d = out + p0 * nr + j
                    for p in p0 ..< kc {
                        d.pointee = row[p]
                        d += nr
                    }
                }
                if width < nr {
                    for p in 0 ..< kc {
                        for j in width ..< nr { out[p * nr + j] = 0 }
                    }
                }
                out += kc * nr
            }
            j0 += nr
        }
    }

    /// `out[c·16 + r] = src[r·ldb + c]` for r, c in 0..<8: eight rows of B, eight k steps each, transposed into the
    /// first eight columns of eight rows of a packed sliver. Three rounds of pairwise unzips (each row pair's
    /// concatenation split into its even and odd elements), pairing rows that differ in bit 0, then 1, then 2 of their
    /// index, leave row c holding column c.
    @inline(__always)
    static func transpose8x8(_ src: UnsafePointer<Float>, ldb: Int, into out: UnsafeMutablePointer<Float>) {
        @inline(__always) func load(_ r: Int) -> SIMD8<Float> {
            UnsafeRawPointer(src + r * ldb).loadUnaligned(as: SIMD8<Float>.self)
        }
        @inline(__always) func unzip(_ a: inout SIMD8<Float>, _ b: inout SIMD8<Float>) {
            let both = SIMD16(lowHalf: a, highHalf: b)
            (a, b) = (both.evenHalf, both.oddHalf)
        }
        var r0 = load(0), r1 = load(1), r2 = load(2), r3 = load(3)
        var r4 = load(4), r5 = load(5), r6 = load(6), r7 = load(7)
        unzip(&r0, &r1); unzip(&r2, &r3); unzip(&r4, &r5); unzip(&r6, &r7)
        unzip(&r0, &r2); unzip(&r1, &r3); unzip(&r4, &r6); unzip(&r5, &r7)
        unzip(&r0, &r4); unzip(&r1, &r5); unzip(&r2, &r6); unzip(&r3, &r7)
        let d = UnsafeMutableRawPointer(out), stride = 16 * MemoryLayout<Float>.stride
        d.storeBytes(of: r0, as: SIMD8<Float>.self)
        d.storeBytes(of: r1, toByteOffset: stride, as: SIMD8<Float>.self)
        d.storeBytes(of: r2, toByteOffset: 2 * stride, as: SIMD8<Float>.self)
        d.storeBytes(of: r3, toByteOffset: 3 * stride, as: SIMD8<Float>.self)
        d.storeBytes(of: r4, toByteOffset: 4 * stride, as: SIMD8<Float>.self)
        d.storeBytes(of: r5, toByteOffset: 5 * stride, as: SIMD8<Float>.self)
        d.storeBytes(of: r6, toByteOffset: 6 * stride, as: SIMD8<Float>.self)
        d.storeBytes(of: r7, toByteOffset: 7 * stride, as: SIMD8<Float>.self)
    }

    /// Packs `op(A)[ic ..< ic+mc, pc ..< pc+kc]` as `⌈mc/6⌉` slivers of `kc×6`, k step p of a sliver holding the
    /// six rows it covers (zeros beyond row mc).
    static func packA(
        _ transA: Transpose, a: UnsafePointer<Float>, lda: Int,
        ic: Int, mc: Int, pc: Int, kc: Int, into dst: UnsafeMutablePointer<Float>
    ) {
        let mr = 6
        var out = dst
        var i0 = 0
        while i0 < mc {
            let height = min(mr, mc - i0)
            if transA == .none {
                // op(A)[i, p] = A[i, p]: gather one value from each of the sliver's rows per k step.
                let src = a + ((ic + i0) * lda + pc)
                if height == mr {
                    let r0 = src, r1 = src + lda, r2 = src + 2 * lda
                    let r3 = src + 3 * lda, r4 = src + 4 * lda, r5 = src + 5 * lda
                    for p in 0 ..< kc {
                        out[0] = r0[p]; out[1] = r1[p]; out[2] = r2[p]
                        out[3] = r3[p]; out[4] = r4[p]; out[5] = r5[p]
                        out += mr
                    }
                } else {
                    for p in 0 ..< kc {
                        for r in 0 ..< height { out[r] = src[r * lda + p] }
                        for r in height ..< mr { out[r] = 0 }
                        out += mr
                    }
                }
            } else {
                // op(A)[i, p] = A[p, i]: the sliver's rows are contiguous within stored row p.
                var src = a + (pc * lda + ic + i0)
                if height == mr {
                    for _ in 0 ..< kc {
                        let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(out)
                        d.storeBytes(of: s.loadUnaligned(as: SIMD4<Float>.self), as: SIMD4<Float>.self)
                        d.storeBytes(of: s.loadUnaligned(fromByteOffset: 16, as: SIMD2<Float>.self),
                                     toByteOffset: 16, as: SIMD2<Float>.self)
                        src += lda
                        out += mr
                    }
                } else {
                    for _ in 0 ..< kc {
                        for r in 0 ..< height { out[r] = src[r] }
                        for r in height ..< mr { out[r] = 0 }
                        src += lda
                        out += mr
                    }
                }
            }
            i0 += mr
        }
    }
}
