import XCTest
@testable import DataFiles
import LinearAlgebra

final class ScalingTests: XCTestCase {
    private let train = Matrix([[1, 10, 5], [3, 20, 5], [5, 60, 5]])

    func testMinMaxMatchesSklearnAndHandlesConstantColumns() {
        let scaler = FittedScaler.fit(train, kind: .minmax)
        XCTAssertEqual(scaler.offsets, [1, 10, 5])
        XCTAssertEqual(scaler.scales, [4, 50, 1])  // constant column: scale 1, maps to 0
        XCTAssertEqual(scaler.transform(train), Matrix([[0, 0, 0], [0.5, 0.2, 0], [1, 1, 0]]))
        // Applied to other rows with the training statistics (values may leave [0, 1]).
        XCTAssertEqual(scaler.transform(Matrix([[9, 0, 6]])), Matrix([[2, -0.2, 1]]))
    }

    func testStandardUsesPopulationStandardDeviation() {
        let scaler = FittedScaler.fit(train, kind: .standard)
        XCTAssertEqual(scaler.offsets, [3, 30, 5])
        XCTAssertEqual(scaler.scales[0], (8.0 / 3).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(scaler.scales[1], (1400.0 / 3).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(scaler.scales[2], 1)
        let scaled = scaler.transform(train)
        for j in 0 ..< 2 {
            let column = (0 ..< 3).map { Double(scaled[$0, j]) }
            XCTAssertEqual(column.reduce(0, +) / 3, 0, accuracy: 1e-7)
            XCTAssertEqual(column.map { $0 * $0 }.reduce(0, +) / 3, 1, accuracy: 1e-6)
        }
        XCTAssertEqual((0 ..< 3).map { scaled[$0, 2] }, [0, 0, 0])
    }

    func testRoundTripsAndMetadata() throws {
        var rng = SeededGenerator(seed: 2)
        let x = Matrix(rows: 20, columns: 4, elements: (0 ..< 80).map { _ in rng.nextUnitFloat() * 100 - 30 })
        for kind in Scaling.allCases {
            let scaler = FittedScaler.fit(x, kind: kind)
            let back = scaler.inverseTransform(scaler.transform(x))
            for (a, b) in zip(back.elements, x.elements) { XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b)), "\(kind)") }
            let restored = try FittedScaler(metadataValue: scaler.metadataValue)
            XCTAssertEqual(restored, scaler, "\(kind): metadata must restore every Double exactly")
            let json = try JSONEncoder().encode(scaler)
            XCTAssertEqual(try JSONDecoder().decode(FittedScaler.self, from: json), scaler)
        }
        XCTAssertEqual(FittedScaler.fit(x, kind: .none).transform(x), x)
        var inPlace = x
        let standard = FittedScaler.fit(x, kind: .standard)
        standard.transformInPlace(&inPlace)
        XCTAssertEqual(inPlace, standard.transform(x))
        XCTAssertEqual(FittedScaler(kind: .minmax, offsets: [1], scales: [0.5]).metadataValue,
                       #"{"kind":"minmax","offsets":[1],"scales":[0.5]}"#)
    }

    func testBadMetadataAndWidthAreTypedErrors() throws {
        XCTAssertThrowsError(try FittedScaler(metadataValue: "{\"kind\":\"cubic\",\"offsets\":[],\"scales\":[]}")) {
            XCTAssertTrue("\($0)".hasPrefix("the stored scaler metadata cannot be read"), "\($0)")
        }
        XCTAssertThrowsError(try FittedScaler(metadataValue: #"{"kind":"standard","offsets":[0,1],"scales":[1]}"#)) {
            XCTAssertEqual("\($0)", "the stored scaler is inconsistent: 2 offsets, 1 scales, scales must be finite and non-zero")
        }
        let scaler = FittedScaler.fit(train, kind: .standard)
        let narrow = Dataset(matrix: Matrix([[1, 2]]), path: "new.csv")
        XCTAssertThrowsError(try scaler.checkCompatible(with: narrow)) {
            XCTAssertEqual("\($0)", "new.csv has 2 columns but the model's scaler was fitted on 3")
        }
    }
}
