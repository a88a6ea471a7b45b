extension BenchmarkSection {
    /// Every section `aegrid-bench` knows, in the order a full run executes them. Adding a section: one file
    /// with `extension BenchmarkSection { static let name = BenchmarkSection(…) }`, plus one line here.
    static let all: [BenchmarkSection] = [
        .gemm,
        .train,
        .batch,
        .search,
        .halving,
        .codec,
        .lanes,
    ]
}
