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
        guard let flags = cpuinfoFlags() else { return false }
        return ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains)
        #else
        return false
        #endif
    }()

    /// The first processor's `flags` in `/proc/cpuinfo`, or nil when it cannot be read.
    static func cpuinfoFlags() -> Set<Substring>? {
        guard let file = fopen("/proc/cpuinfo", "r") else { return nil }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line)
            guard text.hasPrefix("flags") else { continue }
            guard let colon = text.firstIndex(of: ":") else { return nil }
            return Set(text[text.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\n" }))
        }
        return nil
    }
}
