import Foundation
import LinearAlgebra
import XCTest
@testable import GridSearch
import TestSupport

/// OpenBLAS's threads through a search's set-up. `aegrid` stops OpenBLAS's idle worker threads first thing (they
/// would busy-wait on the cores for the first 0.1 s of every process); the search then runs its PCA at one thread
/// when the PCA is small, and gives OpenBLAS its own count back when the PCA is large enough to gain from it. In the
/// fallback build there is no OpenBLAS: every count is 1.
final class SearchBLASThreadsTests: ScratchDirectoryTestCase {
    func testThePCAsSizeDecides() {
        XCTAssertFalse(Search.pcaNeedsBLASThreads(work: 0))
        XCTAssertFalse(Search.pcaNeedsBLASThreads(work: Search.multithreadedBLASWork - 1))
        XCTAssertTrue(Search.pcaNeedsBLASThreads(work: Search.multithreadedBLASWork))
        XCTAssertTrue(Search.pcaNeedsBLASThreads(work: nil), "a size that overflows Int is large")
    }

    func testASmallPCARunsOnOneThreadAndALargeOneGetsOpenBLASsCountBack() throws {
        let before = BLASThreads.count
        defer { BLASThreads.set(before) }
        BLASThreads.stopIdleThreads()
        XCTAssertEqual(BLASThreads.count, 1)
        XCTAssertGreaterThanOrEqual(BLASThreads.startingCount, 1)

        // 2600 rows × 32 columns, 2080 of them for training: 2080 · 32² ≥ 2²¹ multiply-adds, a PCA that gains from
        // OpenBLAS's threads.
        var generator = SeededGenerator(seed: 7)
        let columns = 32, rows = 2600
        var csv = (0 ..< columns).map { "f\($0)" }.joined(separator: ",") + "\n"
        for _ in 0 ..< rows {
            csv += (0 ..< columns).map { _ in String(Float(generator.next() % 1000) / 1000) }.joined(separator: ",")
            csv += "\n"
        }
        let wide = scratch.appendingPathComponent("wide.csv")
        try csv.write(to: wide, atomically: true, encoding: .utf8)
        XCTAssertGreaterThanOrEqual(rows * 8 / 10 * columns * columns, Search.multithreadedBLASWork,
                                    "even the 80 % training split is above the threshold")
        let grid = #"{"latent_dim": [4], "epochs": [1]}"#
        _ = try Search(settings: SearchSettings(trainPath: wide.path, evaluation: .holdout(fraction: 0.2), grid: grid,
                                                outputDirectory: scratch.appendingPathComponent("wide").path, jobs: 1))
        XCTAssertEqual(BLASThreads.count, BLASThreads.startingCount, "a large PCA gets OpenBLAS's own count back")

        // The seed's 1000 × 10: 10⁵ multiply-adds.
        _ = try Search(settings: SearchSettings(
            trainPath: exampleDataPath("seed", "X_train.npy"), evaluation: .testFile(exampleDataPath("seed", "X_test.npy")),
            grid: grid, outputDirectory: scratch.appendingPathComponent("seed").path, jobs: 1))
        XCTAssertEqual(BLASThreads.count, 1, "a small PCA runs at one thread, with OpenBLAS's workers stopped")
    }
}
