import LinearAlgebra

/// One GEMM problem of the benchmark: `op(A)·op(B)` with op(A) m×k and op(B) k×n.
struct GEMMShape {
    var name: String
    var transA: Transpose
    var transB: Transpose
    var m: Int, n: Int, k: Int

    var multiplyAdds: Int { m * n * k }

    static func square(_ n: Int) -> GEMMShape {
        GEMMShape(name: "square \(n)", transA: .none, transB: .none, m: n, n: n, k: n)
    }

    /// The three products of one training step of a dense layer with `batch` rows, `input` inputs and `output`
    /// units: forward X·W, weight gradient Xᵀ·dY (Aᵀ·B), input gradient dY·Wᵀ (A·Bᵀ).
    static func trainingStep(batch: Int, input: Int, output: Int) -> [GEMMShape] {
        [GEMMShape(name: "X·W \(batch)×\(input)·\(input)×\(output)", transA: .none, transB: .none,
                   m: batch, n: output, k: input),
         GEMMShape(name: "Xᵀ·dY \(input)×\(batch)·\(batch)×\(output)", transA: .transposed, transB: .none,
                   m: input, n: output, k: batch),
         GEMMShape(name: "dY·Wᵀ \(batch)×\(output)·\(output)×\(input)", transA: .none, transB: .transposed,
                   m: batch, n: input, k: output)]
    }
}

extension BenchmarkSection {
    /// GFLOP/s (2mnk / median seconds) of every backend of the build on square sizes and on the products of a
    /// training step; OpenBLAS at 1 and 2 threads. The naive oracle is skipped beyond 256³ multiply-adds.
    static let gemm = BenchmarkSection(
        name: "gemm",
        summary: "GEMM GFLOP/s per backend: square 16…2048 and training-step shapes (OpenBLAS at 1 and 2 threads)"
    ) { context in
        let squares = (context.quick ? [16, 64, 256, 1024] : [16, 32, 64, 128, 256, 512, 1024, 2048]).map(GEMMShape.square)
        let training = GEMMShape.trainingStep(batch: 32, input: 10, output: 4)
            + GEMMShape.trainingStep(batch: 32, input: 784, output: 256)
            + GEMMShape.trainingStep(batch: 256, input: 784, output: 128)
            + GEMMShape.trainingStep(batch: 256, input: 128, output: 784)
        var variants: [(backend: GEMMBackend, threads: Int)] = []
        for backend in GEMMBackend.available {
            variants.append((backend, 1))
            if backend == .blas && !context.singleThreadOnly { variants.append((backend, 2)) }
        }
        let savedThreads = BLASThreads.count
        defer { BLASThreads.set(savedThreads) }
        for shape in squares + training {
            let measured = variants.filter { $0.backend != .naive || shape.multiplyAdds <= 256 * 256 * 256 }
            let seconds = measureGEMM(shape, variants: measured, context: context)
            for (variant, time) in zip(measured, seconds) {
                context.record(BenchmarkRecord(
                    section: "gemm", name: shape.name, backend: variant.backend.rawValue, threads: variant.threads,
                    metric: "throughput", value: 2 * Double(shape.multiplyAdds) / time / 1e9, unit: "GFLOP/s"))
            }
        }
    }

    /// Median seconds of one `C ← op(A)·op(B)` per variant, on random operands set up outside the timed region,
    /// with the variants' samples interleaved.
    private static func measureGEMM(_ shape: GEMMShape, variants: [(backend: GEMMBackend, threads: Int)],
                                    context: BenchmarkContext) -> [Double] {
        let operands = GEMMOperands([shape])
        return context.secondsPerCall(interleaving: variants.map { variant in
            TimedOperation(prepare: { BLASThreads.set(variant.threads) }) {
                operands.round(backend: variant.backend)
            }
        })
    }
}

/// Random operands for a list of GEMM shapes (uniform in [−0.5, 0.5)) and their outputs, and one round of all the
/// products. A round costs the products and nothing else (raw buffers, trivial per-product records, no reference
/// counting): the smallest shapes of the `gemm` section take about 100 ns each.
final class GEMMOperands {
    private let products: [Product]

    private struct Product {
        var transA: Transpose, transB: Transpose
        var m: Int, n: Int, k: Int, lda: Int, ldb: Int
        var a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>
    }

    init(_ shapes: [GEMMShape]) {
        var rng = SeededGenerator(seed: 7)
        func random(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
            for i in 0 ..< count { p[i] = rng.nextUnitFloat() - 0.5 }
            return p
        }
        products = shapes.map { s in
            let a = random(s.m * s.k), b = random(s.k * s.n)
            let c = UnsafeMutablePointer<Float>.allocate(capacity: s.m * s.n)
            c.initialize(repeating: 0, count: s.m * s.n)
            return Product(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k,
                           lda: s.transA == .none ? s.k : s.m, ldb: s.transB == .none ? s.n : s.k, a: a, b: b, c: c)
        }
    }

    deinit {
        for p in products { p.a.deallocate(); p.b.deallocate(); p.c.deallocate() }
    }

    /// Σ m·n·k over the shapes.
    var multiplyAdds: Int { products.reduce(0) { $0 + $1.m * $1.n * $1.k } }

    /// Every `C ← op(A)·op(B)` once, in order, on `backend` (the build's default when nil), at the thread count
    /// `BLASThreads` holds.
    func round(backend: GEMMBackend? = nil) {
        for p in products {
            GEMM.multiply(p.transA, p.transB, m: p.m, n: p.n, k: p.k, alpha: 1, a: p.a, lda: p.lda, b: p.b, ldb: p.ldb,
                          beta: 0, c: p.c, ldc: p.n, backend: backend)
        }
    }
}
