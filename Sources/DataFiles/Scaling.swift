import Foundation
import LinearAlgebra

/// How features are scaled before training (`--scale`).
public enum Scaling: String, CaseIterable, Codable, Sendable {
    /// Values used as they are.
    case none
    /// Each column mapped to [0, 1] by its training minimum and maximum (sklearn `MinMaxScaler`).
    case minmax
    /// Each column centred on its training mean and divided by its training standard deviation (population,
    /// `ddof = 0`, as sklearn `StandardScaler`).
    case standard
}

/// A scaling fitted on training rows: `scaled = (x − offset) / scale` per column, computed in Double and
/// rounded to Float. A column with zero range (minmax) or zero variance (standard) gets `scale = 1`, as sklearn
/// does, so it maps to 0 instead of dividing by zero. Codable, and encodable into the model file's string
/// metadata (`metadataValue`, under `FittedScaler.metadataKey`).
public struct FittedScaler: Codable, Equatable, Sendable {
    public var kind: Scaling
    /// Per-column value subtracted first (min for minmax, mean for standard, 0 for none).
    public var offsets: [Double]
    /// Per-column divisor applied second (range, standard deviation, or 1).
    public var scales: [Double]

    /// The metadata key the model file stores the scaler under.
    public static let metadataKey = "aegrid.scaler"

    public var columns: Int { offsets.count }

    /// A scaler from explicit per-column offsets and scales (same length, scales non-zero).
    public init(kind: Scaling, offsets: [Double], scales: [Double]) {
        precondition(offsets.count == scales.count, "FittedScaler: \(offsets.count) offsets but \(scales.count) scales")
        self.kind = kind
        self.offsets = offsets
        self.scales = scales
    }

    /// Fits `kind` on the rows of `train` (at least one row).
    public static func fit(_ train: Matrix, kind: Scaling) -> FittedScaler {
        let n = train.rows, d = train.columns
        precondition(n > 0 || kind == .none, "FittedScaler: cannot fit \(kind) scaling on 0 rows")
        var offsets = [Double](repeating: 0, count: d)
        var scales = [Double](repeating: 1, count: d)
        train.elements.withUnsafeBufferPointer { x in
            switch kind {
            case .none:
                break
            case .minmax:
                // Row by row (the data's order), not column by column: one sequential pass instead of `d` strided
                // ones over a possibly large matrix. Minimum and maximum do not depend on the order.
                var lo = [Float](repeating: .infinity, count: d), hi = [Float](repeating: -.infinity, count: d)
                for r in 0 ..< n {
                    let row = x.baseAddress! + r * d
                    for j in 0 ..< d {
                        lo[j] = min(lo[j], row[j])
                        hi[j] = max(hi[j], row[j])
                    }
                }
                for j in 0 ..< d {
                    offsets[j] = Double(lo[j])
                    scales[j] = hi[j] > lo[j] ? Double(hi[j]) - Double(lo[j]) : 1
                }
            case .standard:
                var sums = [Double](repeating: 0, count: d)
                for r in 0 ..< n { for j in 0 ..< d { sums[j] += Double(x[r * d + j]) } }
                for j in 0 ..< d { offsets[j] = sums[j] / Double(n) }
                var squares = [Double](repeating: 0, count: d)
                for r in 0 ..< n {
                    for j in 0 ..< d {
                        let c = Double(x[r * d + j]) - offsets[j]
                        squares[j] += c * c
                    }
                }
                for j in 0 ..< d {
                    let std = (squares[j] / Double(n)).squareRoot()
                    // sklearn treats a variance within rounding of zero as zero.
                    scales[j] = std > 10 * Double.ulpOfOne * max(abs(offsets[j]), 1) ? std : 1
                }
            }
        }
        return FittedScaler(kind: kind, offsets: offsets, scales: scales)
    }

    /// `(x − offset) / scale` for every row of `x` (which must have `columns` columns).
    public func transform(_ x: Matrix) -> Matrix {
        var out = x
        transformInPlace(&out)
        return out
    }

    /// `transform` without a second copy of the data: scales `x`'s elements where they are (a large training
    /// set need not be held twice).
    public func transformInPlace(_ x: inout Matrix) {
        apply(&x) { v, j in (v - offsets[j]) / scales[j] }
    }

    /// `x · scale + offset`: undoes `transform` (up to Float rounding).
    public func inverseTransform(_ x: Matrix) -> Matrix {
        var out = x
        apply(&out) { v, j in v * scales[j] + offsets[j] }
        return out
    }

    private func apply(_ x: inout Matrix, _ f: (Double, Int) -> Double) {
        precondition(x.columns == columns, "FittedScaler: data has \(x.columns) columns, the scaler was fitted on \(columns)")
        if kind == .none { return }
        let d = columns, rows = x.rows
        x.elements.withUnsafeMutableBufferPointer { e in
            for row in 0 ..< rows {
                for j in 0 ..< d { e[row * d + j] = Float(f(Double(e[row * d + j]), j)) }
            }
        }
    }

    /// The scaler as a compact JSON string, for the model file's string metadata. Doubles are written in their
    /// shortest round-tripping form, so `init(metadataValue:)` restores it exactly.
    public var metadataValue: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain numbers and strings cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// Restores a scaler from `metadataValue`; throws `DataError.invalidScaler` for anything else.
    public init(metadataValue: String) throws {
        do {
            self = try JSONDecoder().decode(FittedScaler.self, from: Data(metadataValue.utf8))
        } catch {
            throw DataError.invalidScaler("the stored scaler metadata cannot be read (\(error.localizedDescription)): \(metadataValue.prefix(80))")
        }
        guard offsets.count == scales.count, scales.allSatisfy({ $0.isFinite && $0 != 0 }),
              offsets.allSatisfy(\.isFinite) else {
            throw DataError.invalidScaler("the stored scaler is inconsistent: \(offsets.count) offsets, \(scales.count) scales, scales must be finite and non-zero")
        }
    }

    /// Throws `DataError.invalidScaler` unless the data at `path` has the scaler's column count.
    public func checkCompatible(with data: Dataset) throws {
        guard data.columns == columns else {
            throw DataError.invalidScaler("\(data.path) has \(data.columns) columns but the model's scaler was fitted on \(columns)")
        }
    }
}
