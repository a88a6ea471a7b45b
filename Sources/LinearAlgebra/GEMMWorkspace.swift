#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Swift GEMM's packing buffers, one set per thread, allocated on a thread's first GEMM and grown only when a
/// larger problem arrives: a training loop calling GEMM from several threads at once never allocates in steady
/// state and never shares a buffer.
///
/// The buffers are 64-byte aligned so every packed `nr`-wide row of B starts on a cache line.
final class GEMMWorkspace {
    private(set) var packedA: UnsafeMutablePointer<Float>
    private(set) var packedB: UnsafeMutablePointer<Float>
    /// One `mr×nr` tile for the edges of C, where the micro-kernel cannot write in place.
    let edgeTile: UnsafeMutablePointer<Float>
    private var capacityA = 0
    private var capacityB = 0

    private static let alignment = 64

    private init() {
        packedA = GEMMWorkspace.allocate(0)
        packedB = GEMMWorkspace.allocate(0)
        edgeTile = GEMMWorkspace.allocate(8 * 32)
    }

    deinit {
        packedA.deallocate()
        packedB.deallocate()
        edgeTile.deallocate()
    }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: max(count, 16) * MemoryLayout<Float>.stride, alignment: alignment)
            .bindMemory(to: Float.self, capacity: max(count, 16))
    }

    /// Makes `packedA` hold at least `a` and `packedB` at least `b` floats (contents are not preserved).
    @inline(__always)
    private func reserve(a: Int, b: Int) {
        if a > capacityA {
            packedA.deallocate()
            packedA = GEMMWorkspace.allocate(a)
            capacityA = a
        }
        if b > capacityB {
            packedB.deallocate()
            packedB = GEMMWorkspace.allocate(b)
            capacityB = b
        }
    }

    /// This thread's buffers, grown to hold at least `a` floats of packed A and `b` of packed B. The pointers stay
    /// valid until the thread's next call (the thread owns its workspace until it exits), which is all one GEMM
    /// needs; GEMM never calls itself, so no call sees its buffers reused underneath it.
    @inline(__always)
    static func buffers(a: Int, b: Int) -> (packedA: UnsafeMutablePointer<Float>, packedB: UnsafeMutablePointer<Float>,
                                            edgeTile: UnsafeMutablePointer<Float>) {
        let body = { (workspace: GEMMWorkspace) in
            workspace.reserve(a: a, b: b)
            return (workspace.packedA, workspace.packedB, workspace.edgeTile)
        }
        if let raw = pthread_getspecific(threadKey) {
            // The key slot holds a reference for the thread's lifetime, so no retain/release is needed here.
            return Unmanaged<GEMMWorkspace>.fromOpaque(raw)._withUnsafeGuaranteedRef(body)
        }
        return body(makeCurrent())
    }

    /// Creates this thread's workspace on its first GEMM.
    @inline(never)
    private static func makeCurrent() -> GEMMWorkspace {
        let workspace = GEMMWorkspace()
        // The thread's key slot owns one reference; the key's destructor releases it when the thread exits.
        pthread_setspecific(threadKey, Unmanaged.passRetained(workspace).toOpaque())
        return workspace
    }

    private static let threadKey: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { raw in
            guard let raw else { return }
            Unmanaged<GEMMWorkspace>.fromOpaque(raw).release()
        }
        precondition(status == 0, "GEMMWorkspace: pthread_key_create failed with \(status)")
        return key
    }()
}
