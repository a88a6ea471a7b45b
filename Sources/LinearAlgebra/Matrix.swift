/// A dense, row-major matrix of `Float`.
///
/// Element `(r, c)` lives at `elements[r * columns + c]`. The storage is a Swift array, so copies are
/// copy-on-write: passing a matrix around never copies its elements until one copy is mutated.
public struct Matrix: Equatable, Sendable {
    public private(set) var rows: Int
    public private(set) var columns: Int
    /// Row-major elements; `elements.count == rows * columns` always holds.
    // Accessors rather than a property observer: with a `willSet`, every `elements.withUnsafeMutableBufferPointer`
    // (or any in-place mutation) from another module copied the whole array first (a 150 MB copy to scale
    // Fashion-MNIST in place); `_modify` yields the storage itself, so in-place mutation stays in place.
    public var elements: [Float] {
        get { storage }
        set {
            precondition(newValue.count == rows * columns, "Matrix: \(newValue.count) elements for a \(rows)×\(columns) matrix")
            storage = newValue
        }
        _modify {
            yield &storage
            precondition(storage.count == rows * columns, "Matrix: \(storage.count) elements for a \(rows)×\(columns) matrix")
        }
    }
    private var storage: [Float]

    /// A `rows × columns` matrix with every element equal to `value`.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative shape \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.storage = Array(repeating: value, count: rows * columns)
    }

    /// A matrix over the given row-major elements; `elements.count` must be `rows * columns`.
    public init(rows: Int, columns: Int, elements: [Float]) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative shape \(rows)×\(columns)")
        precondition(elements.count == rows * columns,
                     "Matrix: \(elements.count) elements do not fill a \(rows)×\(columns) matrix")
        self.rows = rows
        self.columns = columns
        self.storage = elements
    }

    /// A matrix from nested rows, all of the same length.
    public init(_ nestedRows: [[Float]]) {
        let columns = nestedRows.first?.count ?? 0
        for (i, row) in nestedRows.enumerated() {
            precondition(row.count == columns, "Matrix: row \(i) has \(row.count) values, row 0 has \(columns)")
        }
        self.init(rows: nestedRows.count, columns: columns, elements: nestedRows.flatMap { $0 })
    }

    public var shape: (rows: Int, columns: Int) { (rows, columns) }
    public var count: Int { rows * columns }

    public subscript(row: Int, column: Int) -> Float {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns,
                         "Matrix: index (\(row), \(column)) outside \(rows)×\(columns)")
            return elements[row * columns + column]
        }
        set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns,
                         "Matrix: index (\(row), \(column)) outside \(rows)×\(columns)")
            elements[row * columns + column] = newValue
        }
    }

    /// The elements of one row, copied.
    public func row(_ index: Int) -> [Float] {
        precondition(index >= 0 && index < rows, "Matrix: row \(index) outside 0..<\(rows)")
        return Array(elements[index * columns ..< (index + 1) * columns])
    }

    /// The transpose, as a new matrix.
    public func transposed() -> Matrix {
        var result = Matrix(rows: columns, columns: rows)
        for r in 0 ..< rows {
            for c in 0 ..< columns { result.elements[c * rows + r] = elements[r * columns + c] }
        }
        return result
    }

    /// A view of rows `range` that shares this matrix's storage (no element is copied).
    public func rows(_ range: Range<Int>) -> MatrixRows {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows,
                     "Matrix: rows \(range) outside 0..<\(rows)")
        return MatrixRows(base: self, range: range)
    }

    /// A new matrix made of the given rows, in the given order (e.g. a shuffled or split subset).
    public func gatheringRows<S: Sequence>(_ indices: S) -> Matrix where S.Element == Int {
        var out: [Float] = []
        out.reserveCapacity(indices.underestimatedCount * columns)  // one allocation for collections of indices
        var n = 0
        for i in indices {
            precondition(i >= 0 && i < rows, "Matrix: row \(i) outside 0..<\(rows)")
            out.append(contentsOf: elements[i * columns ..< (i + 1) * columns])
            n += 1
        }
        return Matrix(rows: n, columns: columns, elements: out)
    }
}

/// A contiguous range of a matrix's rows, sharing the matrix's storage: a mini-batch without a copy.
public struct MatrixRows: Sendable {
    public let base: Matrix
    public let range: Range<Int>

    public var rows: Int { range.count }
    public var columns: Int { base.columns }

    /// Calls `body` with a pointer to the first element of the view; rows are `columns` apart.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try base.elements.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[range.lowerBound * columns ..< range.upperBound * columns]))
        }
    }

    /// The view's elements as a matrix of their own (this copies).
    public func copy() -> Matrix {
        Matrix(rows: rows, columns: columns,
               elements: Array(base.elements[range.lowerBound * columns ..< range.upperBound * columns]))
    }
}
