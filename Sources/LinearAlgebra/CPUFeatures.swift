#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the CPU offers beyond the instruction set the build was compiled for, as the operating system reports it.
public enum CPUFeatures {
    /// The AVX-512 subsets x86-64-v4 assumes (F, CD, BW, DQ, VL), which `SwiftGEMMAVX512` and `OptimizerAVX512` are
    /// compiled for. Read from the `flags` line of `/proc/cpuinfo`, which lists a feature only when the kernel also
    /// saves its registers (the 512-bit state in XCR0); false on other systems and other architectures.
    public static let hasAVX512: Bool = {
        #if arch(x86_64) && os(Linux)
        guard let flags = firstProcessor["flags"].map({ Set($0.split(separator: " ")) }) else { return false }
        return ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains)
        #else
        return false
        #endif
    }()

    /// Whether the CPU is AMD's (`vendor_id` AuthenticAMD in `/proc/cpuinfo`): the Swift GEMM's blocking plan
    /// differs where the vendors' CPUs were measured to differ (`GEMMBlocking.defaultWideInPlaceMaximumRows` and
    /// `defaultWideInPlaceMaximumDepth`).
    public static let isAMD: Bool = {
        #if arch(x86_64) && os(Linux)
        return firstProcessor["vendor_id"] == "AuthenticAMD"
        #else
        return false
        #endif
    }()

    /// The first processor's `vendor_id` and `flags`, from one read of `/proc/cpuinfo` (the kernel builds the whole
    /// file for any read, about 30 µs), made when either fact is first asked for.
    private static let firstProcessor = cpuinfoFields(["vendor_id", "flags"])

    /// The first processor's values of `fields` in `/proc/cpuinfo` (what follows the colon, trimmed), each the first
    /// line of that name; a field that is not there (or a file that cannot be read) is left out.
    static func cpuinfoFields(_ fields: Set<String>) -> [String: String] {
        var values: [String: String] = [:]
        guard let file = fopen("/proc/cpuinfo", "r") else { return values }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while values.count < fields.count, getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line)
            guard let colon = text.firstIndex(of: ":") else { continue }
            let name = String(trimmed(text[..<colon]))
            guard fields.contains(name), values[name] == nil else { continue }
            values[name] = String(trimmed(text[text.index(after: colon)...]))
        }
        return values
    }

    /// `text` without leading and trailing blanks, tabs and newlines.
    private static func trimmed(_ text: Substring) -> Substring {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" }
        guard let first = text.firstIndex(where: { !blank($0) }),
              let last = text.lastIndex(where: { !blank($0) }) else { return "" }
        return text[first ... last]
    }
}
