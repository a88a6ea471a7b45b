// libFuzzer target: delimited text (CSV, TSV, whitespace) as `Dataset.load` reads it.
@testable import DataFiles

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var source = ByteSource(bytes: Array(UnsafeBufferPointer(start: data, count: size)), path: "fuzz.csv")
    if let table = try? CSVReader.read(&source) {
        precondition(table.elements.count == table.rows * table.columns, "CSV: \(table.rows)×\(table.columns) table holds \(table.elements.count) values")
    }
    return 0
}
