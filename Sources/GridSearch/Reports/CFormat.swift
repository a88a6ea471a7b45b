#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One number formatted by a `printf` conversion (`"%.6g"`, `"%.3f"`, …) through the C library's `vsnprintf`: the
/// text Foundation's `String(format:)` gives in its default locale (which hands floating-point conversions to the
/// same C formatting), without its CFString machinery, whose per-call cost was about a third of drawing a search's
/// page and whose first use costs a conformance scan of the whole binary. For Doubles only: a `%d` or `%@`
/// conversion does not belong here.
package enum CFormat {
    package static func string(_ format: String, _ value: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 48)
        let written = format.withCString { format in
            withVaList([value]) { vsnprintf(&buffer, buffer.count, format, $0) }
        }
        if written >= buffer.count {  // a wide fixed-point number (`%.3f` of 1e300): again, in a buffer that fits
            buffer = [CChar](repeating: 0, count: Int(written) + 1)
            _ = format.withCString { format in
                withVaList([value]) { vsnprintf(&buffer, buffer.count, format, $0) }
            }
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
