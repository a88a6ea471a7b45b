import Dispatch

/// Work cut into blocks that run at the same time, for the loops above LinearAlgebra that are not products: the
/// optimiser's update of a layer's parameters at a small batch, where one thread's pass over every weight, gradient
/// and moment is a large share of the step (`OptimizerState.update(threads:)` in NeuralNet).
///
/// Every split product (`GEMM.multiply(threads:)`), pair of products (`GEMM.concurrently`) and split update goes
/// through `run`. Two blocks, the case of a trainer lent one more core, go to `HelperThread`, which stays awake
/// between one step's many short hand-offs; more blocks, or two while the helper is taken, come from Dispatch's
/// pool (`concurrentPerform`). The calling thread runs one block, and every block runs in the caller's
/// `FloatingPointMode` (denormals flushed while training, as TensorFlow), whichever thread runs it: the bits of a
/// split product never depend on the thread.
public enum ParallelBlocks {
    /// Calls `body(0)`, …, `body(count − 1)` at the same time and returns when all have returned; with `count` ≤ 1,
    /// calls `body(0)` (if any) on the calling thread.
    ///
    /// The caller promises what the compiler cannot check: the blocks touch disjoint memory (each writes only its
    /// own part of the buffers it shares with the others), so running them at once is safe although `body`
    /// captures raw pointers.
    public static func run(_ count: Int, _ body: (Int) -> Void) {
        guard count > 1 else {
            if count == 1 { body(0) }
            return
        }
        let mode = FloatingPointMode.current
        // The helper thread runs only these blocks: it takes each block's mode and keeps it (setting an unchanged
        // mode costs a read of it). Dispatch's pool threads run other work too: they get their mode back.
        if count == 2 && HelperThread.shared.run({ body(0) }, { FloatingPointMode.set(mode); body(1) }) { return }
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let shared = body
            DispatchQueue.concurrentPerform(iterations: count) { block in FloatingPointMode.with(mode) { shared(block) } }
        }
    }
}
