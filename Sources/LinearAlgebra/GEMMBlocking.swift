/// The cache-blocking plan of the packed Swift GEMM (the `.swift` backend, SwiftGEMM*.swift), kept as data as BLIS keeps its
/// per-architecture context tables.
///
/// The Goto/BLIS loop nest walks C in `nc`-wide column panels (the packed `kc×nc` slab of op(B) lives in L3 or L2),
/// splits k into `kc`-deep slices, packs `mc×kc` blocks of op(A) (kept in L2), and sweeps `mr×nr` tiles of C with the
/// micro-kernel, whose `mr×kc` sliver of A and `kc×nr` sliver of B stay in L1.
///
/// `mr` and `nr` are the micro-kernel's register shape and cannot change without a new micro-kernel; `mc`, `kc`,
/// `nc` and `packAMinimumColumns` are tunable. Products with fewer than `nr` columns take the narrow-product path
/// (`SwiftGEMM+NarrowProducts.swift`) instead.
public struct GEMMBlocking: Sendable, Equatable, CustomStringConvertible {
    /// Rows of the C tile one micro-kernel call computes (broadcast elements of A per k step).
    public let mr: Int
    /// Columns of the C tile one micro-kernel call computes (two `SIMD8<Float>` of B per k step).
    public let nr: Int
    /// Rows of op(A) packed per block; a multiple of `mr`.
    public let mc: Int
    /// Depth of the packed slices of op(A) and op(B).
    public let kc: Int
    /// Columns of op(B) packed per slab; a multiple of `nr`.
    public let nc: Int
    /// A non-transposed op(A) is packed only for products with at least this many columns: a packed block is
    /// reused by every 16-column tile, so narrower products are faster reading A's rows where they lie. (A
    /// transposed op(A) is always packed: read in place, each k step would touch a new cache line.)
    public let packAMinimumColumns: Int
    /// A stored (non-transposed) op(B) is read where it lies, each 16-column sliver at B's own row stride, by
    /// products with at most this many rows; only a partial last sliver is packed. Packing copies the whole slab
    /// for every product while few rows reuse it: at a batch of 32 that copy is paid by every forward product, once
    /// per step whatever the batch size, which made the step's weight packing a share of a batch-32 step several
    /// times its share at batch 256. Above this many rows the packed, contiguous sliver is faster. The order of the
    /// multiply-adds is the same either way, so the bits are too.
    public let readBInPlaceMaximumRows: Int
    /// Products on the AVX-512 tiles (`wideTiles`, on a CPU with AVX-512) with at most this many rows read a
    /// non-transposed op(A) and a stored op(B) where they lie, whatever their width, in 8×32 tiles (the rows of A
    /// need no 6-row panels then). On a Zen 5 EPYC (48 KiB L1d, 1 MiB L2) that is 1.3–1.8× the packed products'
    /// speed at 16–32 rows (a 32×784·784×256 product 162 → 229 GFLOP/s on one thread) and still ahead at 256
    /// rows, while either operand read in place alone gained far less, and B read in place beside a packed A lost
    /// (measurements.md, 2026-12-04 21:00). On an Intel Xeon (48 KiB L1d) B read in place at the weights' 1 KiB
    /// row stride lost to a packed B with the 6-row tiles (5–19 % on the batch-32 step, 2026-12-04 00:36); the
    /// 8-row tiles are not measured there. So the default is 256 on AMD's CPUs and 0 on others
    /// (`defaultWideInPlaceMaximumRows`). Above the limit, A is packed as `packAMinimumColumns` says and B is
    /// packed; an A read in place takes 8×32 tiles either way.
    public var wideInPlaceMaximumRows: Int { wideInPlaceRows ?? GEMMBlocking.defaultWideInPlaceMaximumRows }
    /// Products on the AVX-512 tiles with a transposed op(A) and a depth (k) of at most this many steps read A where
    /// it lies, 8 contiguous floats per k step for an 8×32 tile, instead of packing it: a weight gradient `xᵀ·dZ`,
    /// whose depth is the batch. On the Zen 5 EPYC that gave 1.04–1.14× the packed products for 64–784 rows at
    /// depths 32 and 256, while square products of depth 1024 and more lost (k steps 4 KiB apart and more, one
    /// cache line each; measurements.md, 2026-12-04 21:00). Not measured on Intel: 256 on AMD's CPUs, 0 on others
    /// (`defaultWideInPlaceMaximumDepth`).
    public var wideInPlaceMaximumDepth: Int { wideInPlaceDepth ?? GEMMBlocking.defaultWideInPlaceMaximumDepth }
    /// The two limits as given; nil for the CPU's default, which asks `/proc/cpuinfo` for the vendor only when a
    /// product on the AVX-512 tiles reads the limit (as `usesWideTiles` asks for the CPU's features only then).
    private let wideInPlaceRows: Int?, wideInPlaceDepth: Int?
    /// Two full 16-column slivers side by side are computed as one 32-column tile by the AVX-512 micro-kernels
    /// (`SwiftGEMM+WideTiles.swift`), where the CPU has AVX-512 (`usesWideTiles`). The bits are the same either way.
    public let wideTiles: Bool

    /// Whether plans ask for wide tiles unless told otherwise: yes, unless `AEGRID_GEMM_AVX512=0` is set (to compare
    /// the two kernels in one build).
    public static let wideTilesByDefault = getenvString("AEGRID_GEMM_AVX512") != "0"

    /// Whether this plan's products use the AVX-512 kernel here: asked for, and the CPU has it. The CPU is asked on
    /// the first use (a read of `/proc/cpuinfo`), which only a product of 32 columns or more makes.
    public var usesWideTiles: Bool { wideTiles && SwiftGEMM.wideTilesAvailable }

    /// A plan with the micro-kernel's register shape (6×16); `mc` and `nc` are rounded up to multiples of it.
    /// `wideTiles` asks for the AVX-512 kernel, which products use only where the CPU has it; the AVX-512 tiles'
    /// in-place limits are the CPU's defaults unless given.
    public init(mc: Int, kc: Int, nc: Int, packAMinimumColumns: Int = 512, readBInPlaceMaximumRows: Int = 64,
                wideInPlaceMaximumRows: Int? = nil, wideInPlaceMaximumDepth: Int? = nil,
                wideTiles: Bool = GEMMBlocking.wideTilesByDefault) {
        precondition(mc > 0 && kc > 0 && nc > 0, "GEMMBlocking: mc=\(mc) kc=\(kc) nc=\(nc) must be positive")
        mr = 6
        nr = 16
        self.mc = (mc + mr - 1) / mr * mr
        self.kc = kc
        self.nc = (nc + nr - 1) / nr * nr
        self.packAMinimumColumns = max(0, packAMinimumColumns)
        self.readBInPlaceMaximumRows = max(0, readBInPlaceMaximumRows)
        wideInPlaceRows = wideInPlaceMaximumRows.map { max(0, $0) }
        wideInPlaceDepth = wideInPlaceMaximumDepth.map { max(0, $0) }
        self.wideTiles = wideTiles
    }

    /// This plan with wide tiles asked for (used where the CPU has AVX-512) or not.
    public func with(wideTiles: Bool) -> GEMMBlocking {
        GEMMBlocking(mc: mc, kc: kc, nc: nc, packAMinimumColumns: packAMinimumColumns,
                     readBInPlaceMaximumRows: readBInPlaceMaximumRows,
                     wideInPlaceMaximumRows: wideInPlaceRows, wideInPlaceMaximumDepth: wideInPlaceDepth,
                     wideTiles: wideTiles)
    }

    /// `wideInPlaceMaximumRows` unless given: 256 on AMD's CPUs (measured on Zen 5), 0 on others.
    public static let defaultWideInPlaceMaximumRows = CPUFeatures.isAMD ? 256 : 0
    /// `wideInPlaceMaximumDepth` unless given: 256 on AMD's CPUs (measured on Zen 5), 0 on others.
    public static let defaultWideInPlaceMaximumDepth = CPUFeatures.isAMD ? 256 : 0

    /// Tuned on an AMD EPYC (Zen 4: 32 KiB L1d, 1 MiB L2 per core) with `aegrid-bench gemm`; the AVX-512 tiles'
    /// in-place limits on a Zen 5 EPYC.
    public static let tuned = GEMMBlocking(mc: 120, kc: 256, nc: 4080)

    /// The plan the Swift backend uses: `AEGRID_GEMM_BLOCKING=mc,kc,nc[,packA[,readB[,wideRows[,wideDepth]]]]` from
    /// the environment when set and valid (a tuning knob for other CPUs; `packA` is `packAMinimumColumns`, `readB`
    /// is `readBInPlaceMaximumRows`, `wideRows` and `wideDepth` are `wideInPlaceMaximumRows` and
    /// `wideInPlaceMaximumDepth`; each as in `tuned` when left out), else `tuned`.
    public static let `default`: GEMMBlocking = fromEnvironment() ?? tuned

    /// The largest `mc`, `kc` or `nc` the environment may give: far beyond any cache, and small enough that
    /// rounding it up to the register shape cannot overflow.
    static let maximumBlock = 1 << 30

    /// The plan `AEGRID_GEMM_BLOCKING` gives, or nil when it is unset or not valid: every field a whole number,
    /// none left out or unreadable (a field that does not parse must not shift the others into its place).
    static func fromEnvironment() -> GEMMBlocking? {
        guard let raw = getenvString("AEGRID_GEMM_BLOCKING") else { return nil }
        let fields = raw.split(separator: ",", omittingEmptySubsequences: false)
            .map { Int(String($0.filter { $0 != " " })) }
        let parts = fields.compactMap { $0 }
        guard parts.count == fields.count, (3 ... 7).contains(parts.count), parts.allSatisfy({ $0 >= 0 }),
              parts.prefix(3).allSatisfy({ (1 ... maximumBlock).contains($0) }) else { return nil }
        return GEMMBlocking(mc: parts[0], kc: parts[1], nc: parts[2],
                            packAMinimumColumns: parts.count >= 4 ? parts[3] : 512,
                            readBInPlaceMaximumRows: parts.count >= 5 ? parts[4] : 64,
                            wideInPlaceMaximumRows: parts.count >= 6 ? parts[5] : nil,
                            wideInPlaceMaximumDepth: parts.count == 7 ? parts[6] : nil)
    }

    public var description: String {
        "mr=\(mr) nr=\(nr) mc=\(mc) kc=\(kc) nc=\(nc) packA≥\(packAMinimumColumns) readB≤\(readBInPlaceMaximumRows)"
            + (wideTiles ? " wide (in place: rows≤\(wideInPlaceMaximumRows), Aᵀ depth≤\(wideInPlaceMaximumDepth))" : "")
    }
}
