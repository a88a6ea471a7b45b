#if canImport(Glibc) && arch(x86_64)
import Glibc
@testable import NeuralNet
import XCTest

/// A training step allocates nothing: the allocator's counters after training N steps and 2N steps grow by the
/// same amount (the per-`fit` bookkeeping), not with the number of steps.
///
/// `mallinfo2` reports the bytes in use and the mapped regions; memory allocated and freed inside a step leaves no
/// trace there, so this catches per-step growth (appends, leaks, caches) while the step itself uses only the
/// trainer's preallocated buffers by construction.
final class AllocationTests: XCTestCase {
    struct Counters {
        var inUse: Int, arena: Int, mapped: Int
        static func now() -> Counters {
            let info = AllocationTests.mallinfo2()
            return Counters(inUse: info.uordblks, arena: info.arena, mapped: info.hblkhd)
        }
    }

    /// glibc's `struct mallinfo2` (ten `size_t` fields, in order).
    struct MallocInfo2 {
        var arena = 0, ordblks = 0, smblks = 0, hblks = 0, hblkhd = 0, usmblks = 0, fsmblks = 0, uordblks = 0,
            fordblks = 0, keepcost = 0
    }

    /// `mallinfo2()` through `dlsym`: Swift's Glibc module does not import <malloc.h>. The 80-byte struct comes back
    /// through a hidden result pointer passed as the first integer argument (x86-64 System V), so the function is
    /// called as `void f(struct mallinfo2 *)`.
    static func mallinfo2() -> MallocInfo2 {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallinfo2") else {
            preconditionFailure("glibc ≥ 2.33 provides mallinfo2")
        }
        typealias Function = @convention(c) (UnsafeMutableRawPointer) -> Void
        var info = MallocInfo2()
        withUnsafeMutablePointer(to: &info) { unsafeBitCast(symbol, to: Function.self)(UnsafeMutableRawPointer($0)) }
        return info
    }

    /// Heap growth across one `fit` of one epoch of `batches` steps, on a trainer that has already run once.
    /// `wide`: 128 ↔ 96 at batch 64 on two threads, so products are split (or run side by side on OpenBLAS).
    func growth(batches: Int, backend: GEMMBackend, wide: Bool = false) throws -> Counters {
        let batchSize = wide ? 64 : 8, width = wide ? 128 : 12
        let train = TrainerTests.data(rows: batches * batchSize, columns: width, seed: 1)
        let validation = TrainerTests.data(rows: 9, columns: width, seed: 2)
        let configuration = TrainingConfiguration(optimizer: .adam(learningRate: 1e-3), batchSize: batchSize, epochs: 1,
                                                  l1: 1e-4, l2: 1e-4, dropout: 0.1, noiseStandardDeviation: 0.05,
                                                  shuffle: true, seed: 3,
                                                  earlyStopping: EarlyStopping(patience: 2))
        let model = Autoencoder(architecture: Architecture(inputSize: width, encoderUnits: wide ? [96, 96] : [9, 4]),
                                seed: 1)
        let trainer = try Trainer(model: model, configuration: configuration, training: train, validation: validation,
                                  backend: backend, threads: ThreadAllowance(wide ? 2 : 1))
        // Warm-up: lazily created library state (GEMM workspaces, BLAS buffers), once per thread: with two threads
        // the second product runs on one of Dispatch's pool threads, and several fits meet each of them.
        for _ in 0 ..< (wide ? 4 : 1) { _ = trainer.fit() }
        let before = Counters.now()
        let result = trainer.fit()
        let after = Counters.now()
        XCTAssertEqual(result.history.count, 1)
        return Counters(inUse: after.inUse - before.inUse, arena: after.arena - before.arena,
                        mapped: after.mapped - before.mapped)
    }

    func testTrainingStepsDoNotAllocate() throws {
        // 200 more steps that each kept even one 16-byte block would grow the heap by ≥ 3200 bytes. Other threads
        // (Dispatch workers, lazily freed runtime caches) may move the counters by a few hundred bytes while we
        // measure, so the comparison allows less than one block per step of noise, in either direction.
        // With two threads (`wide`), a product may land on a Dispatch pool thread that has never run one, which
        // then sets up its own GEMM workspace and OpenBLAS buffers once (tens of KB, whatever the step count); in
        // a test process with many pool threads that can happen in any fit. And the counters are the whole
        // process's: a thread another test left behind (a writer queue's last fsync, a pipe reader) can allocate
        // while we measure. So every case gets five attempts, and per-step growth is what shows in all five.
        let noise = 1024
        for (backend, wide) in GEMMBackend.available.flatMap({ b in [(b, false), (b, b != .naive)] }) {
            var attempts: [(n: Counters, twice: Counters)] = []
            for _ in 0 ..< 5 {
                let n = try growth(batches: 200, backend: backend, wide: wide)
                let twice = try growth(batches: 400, backend: backend, wide: wide)
                attempts.append((n, twice))
                if abs(twice.inUse - n.inUse) < noise && abs(twice.arena - n.arena) < noise
                    && abs(twice.mapped - n.mapped) < noise { break }
            }
            let (n, twice) = attempts.last!
            let label = "\(backend)\(wide ? ", two threads" : "")"
            XCTAssertLessThan(abs(twice.inUse - n.inUse), noise,
                              "\(label): bytes in use grow with the number of steps (\(n.inUse) → \(twice.inUse))")
            XCTAssertLessThan(abs(twice.arena - n.arena), noise, "\(label): arena grows with the number of steps")
            XCTAssertLessThan(abs(twice.mapped - n.mapped), noise, "\(label): mapped memory grows with the number of steps")
        }
    }

    /// The grouped engine's steps allocate nothing either: eight members with penalties, shuffling and early
    /// stopping, one epoch of N and of 2N steps.
    func testGroupedTrainingStepsDoNotAllocate() throws {
        func growth(batches: Int) throws -> Counters {
            let train = TrainerTests.data(rows: batches * 8, columns: 12, seed: 1)
            let validation = TrainerTests.data(rows: 9, columns: 12, seed: 2)
            let configurations = (0 ..< TrainingGroup.capacity).map { m in
                TrainingConfiguration(optimizer: .adam(learningRate: Float(m + 1) * 1e-3), batchSize: 8, epochs: 1,
                                      l1: 1e-4, l2: 1e-4, shuffle: true, seed: UInt64(m),
                                      earlyStopping: EarlyStopping(patience: 2))
            }
            let models = configurations.map {
                Autoencoder(architecture: Architecture(inputSize: 12, encoderUnits: [9, 4]), seed: $0.seed)
            }
            let group = try TrainingGroup(models: models, configurations: configurations, training: train,
                                          validation: validation)
            let before = Counters.now()
            let results = group.fit()
            let after = Counters.now()
            XCTAssertEqual(results[0].history.count, 1)
            return Counters(inUse: after.inUse - before.inUse, arena: after.arena - before.arena,
                            mapped: after.mapped - before.mapped)
        }
        let noise = 1024
        var n = Counters(inUse: 0, arena: 0, mapped: 0), twice = n
        for _ in 0 ..< 5 {
            n = try growth(batches: 200)
            twice = try growth(batches: 400)
            if abs(twice.inUse - n.inUse) < noise && abs(twice.arena - n.arena) < noise
                && abs(twice.mapped - n.mapped) < noise { break }
        }
        XCTAssertLessThan(abs(twice.inUse - n.inUse), noise, "bytes in use grow with the steps (\(n.inUse) → \(twice.inUse))")
        XCTAssertLessThan(abs(twice.arena - n.arena), noise, "arena grows with the number of steps")
        XCTAssertLessThan(abs(twice.mapped - n.mapped), noise, "mapped memory grows with the number of steps")
    }
}
#endif
import LinearAlgebra
