/// Householder reduction to tridiagonal form followed by the implicit QL algorithm, in Double: the symmetric
/// eigen-solver of EISPACK (`tred2` + `tql2`) as transcribed in JAMA's `EigenvalueDecomposition`.
///
/// O(n³) once (about 9n³ flops with vectors), against Jacobi's O(n³) per sweep, so it is the fallback build's
/// default (d = 784 in well under a second against ten seconds for Jacobi). JAMA indexes the vector matrix
/// `V[row][column]` in Fortran's column order; here it is stored transposed (`t[column * n + row]`), which makes
/// every inner loop run over contiguous memory and leaves the eigenvectors as the rows of `t`.
enum TridiagonalQLEigen {
    /// QL iterations allowed per eigenvalue (typically 1–3 are needed).
    static let maximumIterations = 60

    /// Returns the eigenvalues (unordered) and the eigenvectors as rows. Reads the upper triangle only.
    static func decompose(_ elements: [Double], n: Int) throws -> (values: [Double], vectors: [Double]) {
        // t[b * n + a] holds JAMA's V[a][b]; V starts as A (its lower triangle, mirrored from the upper).
        var t = [Double](repeating: 0, count: n * n)
        for a in 0 ..< n {
            for b in 0 ..< n { t[b * n + a] = a <= b ? elements[a * n + b] : elements[b * n + a] }
        }
        var d = [Double](repeating: 0, count: n)
        var e = [Double](repeating: 0, count: n)
        if n == 0 { return (d, t) }
        try t.withUnsafeMutableBufferPointer { t in
            try d.withUnsafeMutableBufferPointer { d in
                try e.withUnsafeMutableBufferPointer { e in
                    tridiagonalize(t, d, e, n)
                    try diagonalize(t, d, e, n)
                }
            }
        }
        return (d, t)
    }

    /// `tred2`: on return `d` is the diagonal, `e[1...]` the sub-diagonal, and `t` the orthogonal transformation.
    private static func tridiagonalize(_ t: UnsafeMutableBufferPointer<Double>, _ d: UnsafeMutableBufferPointer<Double>,
                                       _ e: UnsafeMutableBufferPointer<Double>, _ n: Int) {
        @inline(__always) func v(_ a: Int, _ b: Int) -> Double { t[b * n + a] }
        @inline(__always) func set(_ a: Int, _ b: Int, _ x: Double) { t[b * n + a] = x }
        for j in 0 ..< n { d[j] = v(n - 1, j) }
        var i = n - 1
        while i > 0 {
            var scale = 0.0, h = 0.0
            for k in 0 ..< i { scale += abs(d[k]) }
            if scale == 0 {
                e[i] = d[i - 1]
                for j in 0 ..< i {
                    d[j] = v(i - 1, j)
                    set(i, j, 0)
                    set(j, i, 0)
                }
            } else {
                for k in 0 ..< i {
                    d[k] /= scale
                    h += d[k] * d[k]
                }
                var f = d[i - 1]
                var g = h.squareRoot()
                if f > 0 { g = -g }
                e[i] = scale * g
                h -= f * g
                d[i - 1] = f - g
                for j in 0 ..< i { e[j] = 0 }
                for j in 0 ..< i {
                    f = d[j]
                    set(j, i, f)
                    g = e[j] + v(j, j) * f
                    let column = j * n  // V[k][j] for k = j+1 ..< i is t[column + k]
                    for k in j + 1 ..< max(i, j + 1) {
                        g += t[column + k] * d[k]
                        e[k] += t[column + k] * f
                    }
                    e[j] = g
                }
                f = 0
                for j in 0 ..< i {
                    e[j] /= h
                    f += e[j] * d[j]
                }
                let hh = f / (h + h)
                for j in 0 ..< i { e[j] -= hh * d[j] }
                for j in 0 ..< i {
                    f = d[j]
                    g = e[j]
                    let column = j * n
                    for k in j ..< i { t[column + k] -= f * e[k] + g * d[k] }
                    d[j] = v(i - 1, j)
                    set(i, j, 0)
                }
            }
            d[i] = h
            i -= 1
        }
        // Accumulate the transformations.
        for i in 0 ..< n - 1 {
            set(n - 1, i, v(i, i))
            set(i, i, 1)
            let h = d[i + 1]
            let next = (i + 1) * n
            if h != 0 {
                for k in 0 ... i { d[k] = t[next + k] / h }
                for j in 0 ... i {
                    let column = j * n
                    var g = 0.0
                    for k in 0 ... i { g += t[next + k] * t[column + k] }
                    for k in 0 ... i { t[column + k] -= g * d[k] }
                }
            }
            for k in 0 ... i { t[next + k] = 0 }
        }
        for j in 0 ..< n {
            d[j] = v(n - 1, j)
            set(n - 1, j, 0)
        }
        set(n - 1, n - 1, 1)
        e[0] = 0
    }

    /// `tql2`: diagonalizes the tridiagonal matrix, rotating the rows of `t` along.
    private static func diagonalize(_ t: UnsafeMutableBufferPointer<Double>, _ d: UnsafeMutableBufferPointer<Double>,
                                    _ e: UnsafeMutableBufferPointer<Double>, _ n: Int) throws {
        for i in 1 ..< n { e[i - 1] = e[i] }
        e[n - 1] = 0
        var f = 0.0, tst1 = 0.0
        let eps = Double.ulpOfOne
        for l in 0 ..< n {
            tst1 = max(tst1, abs(d[l]) + abs(e[l]))
            var m = l
            while m < n - 1, abs(e[m]) > eps * tst1 { m += 1 }
            if m > l {
                var iterations = 0
                repeat {
                    iterations += 1
                    if iterations > maximumIterations {
                        throw EigenError.noConvergence(solver: .tridiagonalQL, detail: maximumIterations)
                    }
                    var g = d[l]
                    var p = (d[l + 1] - g) / (2 * e[l])
                    var r = hypot(p, 1)
                    if p < 0 { r = -r }
                    d[l] = e[l] / (p + r)
                    d[l + 1] = e[l] * (p + r)
                    let dl1 = d[l + 1]
                    var h = g - d[l]
                    for i in l + 2 ..< max(n, l + 2) { d[i] -= h }
                    f += h
                    p = d[m]
                    var c = 1.0, c2 = c, c3 = c
                    let el1 = e[l + 1]
                    var s = 0.0, s2 = 0.0
                    var i = m - 1
                    while i >= l {
                        c3 = c2
                        c2 = c
                        s2 = s
                        g = c * e[i]
                        h = c * p
                        r = hypot(p, e[i])
                        e[i + 1] = s * r
                        s = e[i] / r
                        c = p / r
                        p = c * d[i] - s * g
                        d[i + 1] = h + s * (c * g + s * d[i])
                        // Columns i and i+1 of V are rows i and i+1 of t.
                        let rowI = i * n, rowNext = (i + 1) * n
                        for k in 0 ..< n {
                            let hk = t[rowNext + k]
                            t[rowNext + k] = s * t[rowI + k] + c * hk
                            t[rowI + k] = c * t[rowI + k] - s * hk
                        }
                        i -= 1
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1
                    e[l] = s * p
                    d[l] = c * p
                } while abs(e[l]) > eps * tst1
            }
            d[l] += f
            e[l] = 0
        }
    }

    @inline(__always) private static func hypot(_ a: Double, _ b: Double) -> Double {
        // Scaled to avoid overflow and underflow, as JAMA's Maths.hypot.
        let x = abs(a), y = abs(b)
        if x > y { let q = y / x; return x * (1 + q * q).squareRoot() }
        if y != 0 { let q = x / y; return y * (1 + q * q).squareRoot() }
        return 0
    }
}
