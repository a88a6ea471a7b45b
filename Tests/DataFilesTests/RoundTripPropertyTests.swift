import Foundation
import XCTest
@testable import DataFiles
import LinearAlgebra

/// Writers and readers agree over generated shapes and values (issue 13, item 6): what `MatrixWriter` writes as
/// `.npy` or CSV reads back bit for bit. A small seeded generator: every failure reproduces from its case number.
final class RoundTripPropertyTests: DataTestCase {
    /// Floats that stress a text or binary format: signed zeros, subnormals, extremes, integers, fractions.
    static func value(_ generator: inout SeededGenerator) -> Float {
        switch Int.random(in: 0 ..< 8, using: &generator) {
        case 0: return [0, -0.0, 1, -1].randomElement(using: &generator)!
        case 1: return [.leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
            .randomElement(using: &generator)!
        case 2: return Float(Int.random(in: -16_777_216 ... 16_777_216, using: &generator))
        case 3: return Float(bitPattern: UInt32.random(in: 0 ..< 0x7F80_0000, using: &generator))  // any positive finite
        case 4: return -Float(bitPattern: UInt32.random(in: 0 ..< 0x7F80_0000, using: &generator))
        default: return Float.random(in: -1000 ... 1000, using: &generator)
        }
    }

    static func matrix(_ generator: inout SeededGenerator) -> Matrix {
        let rows = Int.random(in: 1 ... 9, using: &generator), columns = Int.random(in: 1 ... 12, using: &generator)
        return Matrix(rows: rows, columns: columns, elements: (0 ..< rows * columns).map { _ in value(&generator) })
    }

    func testNpyRoundTrip() throws {
        var generator = SeededGenerator(seed: 13)
        for trial in 0 ..< 300 {
            let matrix = Self.matrix(&generator)
            var source = ByteSource(bytes: Array(MatrixWriter.npy(matrix)), path: "case \(trial)")
            let read = try NPYReader.read(&source)
            XCTAssertEqual(read.rows, matrix.rows, "case \(trial)")
            XCTAssertEqual(read.columns, matrix.columns, "case \(trial)")
            XCTAssertEqual(read.elements.map(\.bitPattern), matrix.elements.map(\.bitPattern), "case \(trial)")
        }
    }

    func testCSVRoundTrip() throws {
        var generator = SeededGenerator(seed: 31)
        for trial in 0 ..< 300 {
            let matrix = Self.matrix(&generator)
            let names = (0 ..< matrix.columns).map { "c\($0)" }
            var source = ByteSource(bytes: Array(MatrixWriter.csv(matrix, columnNames: names).utf8), path: "case \(trial)")
            let table = try CSVReader.read(&source)
            XCTAssertEqual(table.columnNames, names, "case \(trial)")
            XCTAssertEqual(table.rows, matrix.rows, "case \(trial)")
            // -0.0 is written as "-0.0" and read back as -0.0: the bit patterns match too.
            XCTAssertEqual(table.elements.map(\.bitPattern), matrix.elements.map(\.bitPattern), "case \(trial)")
        }
    }
}
