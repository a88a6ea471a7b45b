import Foundation
import LinearAlgebra

/// Double-precision reference GEMM: `C ← α·op(A)·op(B) + β·C` computed in Double on row-major arrays.
/// `beta == 0` ignores C entirely (so NaN poison in C never leaks), as the GEMM contract requires.
public func referenceGEMM(
    _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float,
    a: [Float], lda: Int, b: [Float], ldb: Int, beta: Float, c: [Float], ldc: Int
) -> [Double] {
    var out = c.map(Double.init)
    for i in 0 ..< m {
        for j in 0 ..< n {
            var sum = 0.0
            for p in 0 ..< k {
                let aip = transA == .none ? a[i * lda + p] : a[p * lda + i]
                let bpj = transB == .none ? b[p * ldb + j] : b[j * ldb + p]
                sum += Double(aip) * Double(bpj)
            }
            out[i * ldc + j] = Double(alpha) * sum + (beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j]))
        }
    }
    return out
}

/// The path of a dataset the repository ships, `examples/<name>/<file>` (the digits and breast-cancer data, each
/// with its provenance and reference figures in that folder's README.md). Tests read nothing outside the repository.
public func exampleDataPath(_ name: String, _ file: String, source: StaticString = #filePath) -> String {
    repositoryDirectory(file: source) + "/examples/\(name)/\(file)"
}

/// The repository's root directory, found from this source file's location.
public func repositoryDirectory(file: StaticString = #filePath) -> String {
    // The nearest directory above the calling file that holds Package.swift: test files sit at different depths.
    var url = ("\(file)" as NSString).deletingLastPathComponent
    while url.count > 1, !FileManager.default.fileExists(atPath: url + "/Package.swift") {
        url = (url as NSString).deletingLastPathComponent
    }
    return url
}

