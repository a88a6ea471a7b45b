import LinearAlgebra

/// A dense autoencoder: its architecture and its parameters in one contiguous Float buffer laid out as
/// `kernel₀ (in×out, row-major), bias₀, kernel₁, bias₁, …` (see `Architecture.layers` for the offsets).
///
/// Inference (`encode`, `decode`, `reconstruct`, `reconstructionErrors`, `meanSquaredError`) allocates its results;
/// training goes through `Trainer`, which works on the buffer in place. Not thread-safe for concurrent mutation;
/// concurrent inference on one model is fine.
public final class Autoencoder {
    public let architecture: Architecture
    /// The Dense layers with their offsets in the buffer.
    public let layers: [DenseLayer]
    /// Number of Floats in the parameter buffer.
    public let parameterCount: Int
    /// The flat parameter buffer (owned; freed in deinit).
    let storage: UnsafeMutablePointer<Float>

    /// A freshly initialised model, as Keras's default `Dense`: Glorot-uniform kernels, W ~ U(−limit, limit) with
    /// `limit = √(6/(fan_in + fan_out))`, and zero biases. The values come from a `SeededGenerator` derived from
    /// `seed`, so the same seed gives the same model everywhere. The architecture must be valid
    /// (`Architecture.validate()`); an invalid one stops the program with the rule it breaks.
    public init(architecture: Architecture, seed: UInt64) {
        do { try architecture.validate() } catch { preconditionFailure("Autoencoder: \(error)") }
        self.architecture = architecture
        layers = architecture.layers
        parameterCount = architecture.parameterCount
        storage = .allocate(capacity: max(1, parameterCount))
        storage.initialize(repeating: 0, count: max(1, parameterCount))
        var rng = SeededGenerator(seed: SeededGenerator.deriveSeed(seed, Autoencoder.initialisationStream))
        for layer in layers {
            let limit = (6.0 / Double(layer.inputs + layer.outputs)).squareRoot()
            let kernel = storage + layer.kernelOffset
            for i in 0 ..< layer.kernelCount {
                kernel[i] = Float((2 * rng.nextUnitDouble() - 1) * limit)
            }
        }
    }

    /// A model with the given parameters (flat layout above). Throws when the count does not match.
    public init(architecture: Architecture, parameters: [Float]) throws {
        try architecture.validate()
        guard parameters.count == architecture.parameterCount else {
            throw ModelError.parameterCount(expected: architecture.parameterCount, found: parameters.count,
                                            architecture: architecture.summary)
        }
        self.architecture = architecture
        layers = architecture.layers
        parameterCount = parameters.count
        storage = .allocate(capacity: max(1, parameterCount))
        storage.initialize(repeating: 0, count: max(1, parameterCount))
        parameters.withUnsafeBufferPointer { storage.update(from: $0.baseAddress!, count: parameterCount) }
    }

    /// A copy of another model (same architecture, same parameter bits).
    public convenience init(copying other: Autoencoder) {
        try! self.init(architecture: other.architecture, parameters: other.parameters)
    }

    deinit { storage.deallocate() }

    /// Stream tag for the initial weights (so they never share random numbers with shuffling, dropout or noise).
    static let initialisationStream: UInt64 = 0x494E_4954  // "INIT"

    /// A copy of the flat parameter buffer.
    public var parameters: [Float] { Array(UnsafeBufferPointer(start: storage, count: parameterCount)) }

    /// A copy of layer `index`'s kernel as an `inputs × outputs` matrix.
    public func kernel(_ index: Int) -> Matrix {
        let l = layers[index]
        return Matrix(rows: l.inputs, columns: l.outputs,
                      elements: Array(UnsafeBufferPointer(start: storage + l.kernelOffset, count: l.kernelCount)))
    }

    /// A copy of layer `index`'s bias.
    public func bias(_ index: Int) -> [Float] {
        let l = layers[index]
        return Array(UnsafeBufferPointer(start: storage + l.biasOffset, count: l.outputs))
    }

    /// Overwrites the parameters with `count` values from `source`.
    func setParameters(from source: UnsafePointer<Float>) {
        storage.update(from: source, count: parameterCount)
    }

    /// Number of encoder layers (up to and including the bottleneck).
    public var encoderLayerCount: Int { architecture.encoderUnits.count }

    /// The latent codes of `x` (rows × inputSize) → (rows × latentSize). Inference mode: no dropout, no noise.
    public func encode(_ x: Matrix) -> Matrix {
        precondition(x.columns == architecture.inputSize,
                     "Autoencoder.encode: input has \(x.columns) columns, the model expects \(architecture.inputSize)")
        return run(x, layers: 0 ..< encoderLayerCount)
    }

    /// Decodes latent codes (rows × latentSize) → (rows × inputSize).
    public func decode(_ z: Matrix) -> Matrix {
        precondition(z.columns == architecture.latentSize,
                     "Autoencoder.decode: input has \(z.columns) columns, the latent size is \(architecture.latentSize)")
        return run(z, layers: encoderLayerCount ..< layers.count)
    }

    /// `decode(encode(x))`, in one pass: (rows × inputSize) → (rows × inputSize).
    public func reconstruct(_ x: Matrix) -> Matrix {
        precondition(x.columns == architecture.inputSize,
                     "Autoencoder.reconstruct: input has \(x.columns) columns, the model expects \(architecture.inputSize)")
        return run(x, layers: 0 ..< layers.count)
    }

    /// Per-row mean squared reconstruction error (the anomaly score): `(1/d) Σⱼ (xᵢⱼ − x̂ᵢⱼ)²`, in Float32.
    /// Works through `x` in chunks of rows, so memory stays small for large data sets.
    public func reconstructionErrors(_ x: Matrix) -> [Float] {
        precondition(x.columns == architecture.inputSize,
                     "Autoencoder.reconstructionErrors: input has \(x.columns) columns, the model expects \(architecture.inputSize)")
        var result = [Float](repeating: 0, count: x.rows)
        let d = x.columns
        result.withUnsafeMutableBufferPointer { out in
            forEachReconstructedChunk(x) { start, rows, input, output in
                for r in 0 ..< rows {
                    var sum: Float = 0
                    for c in 0 ..< d {
                        let e = input[r * d + c] - output[r * d + c]
                        sum += e * e
                    }
                    out[start + r] = sum / Float(d)
                }
            }
        }
        return result
    }

    /// `sklearn.metrics.mean_squared_error(x, reconstruct(x))`: the mean over all entries, accumulated in Double
    /// from the Float32 reconstruction. 0 for an empty matrix. Works through `x` in chunks of rows.
    public func meanSquaredError(_ x: Matrix) -> Double {
        precondition(x.columns == architecture.inputSize,
                     "Autoencoder.meanSquaredError: input has \(x.columns) columns, the model expects \(architecture.inputSize)")
        guard x.count > 0 else { return 0 }
        var sum = 0.0
        forEachReconstructedChunk(x) { _, rows, input, output in
            for i in 0 ..< rows * x.columns {
                let e = Double(input[i]) - Double(output[i])
                sum += e * e
            }
        }
        return sum / Double(x.count)
    }

    /// Rows reconstructed per chunk by the streaming evaluations.
    static let chunkRows = 1024

    /// Reconstructs `x` chunk by chunk (inference mode) and calls `body(firstRow, rows, input, reconstruction)`,
    /// both `rows × inputSize`, dense.
    func forEachReconstructedChunk(_ x: Matrix,
                                   _ body: (Int, Int, UnsafePointer<Float>, UnsafePointer<Float>) -> Void) {
        let chunk = min(Autoencoder.chunkRows, x.rows)
        guard chunk > 0 else { return }
        let widest = architecture.layerSizes.max()!
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * chunk * widest)
        defer { scratch.deallocate() }
        x.elements.withUnsafeBufferPointer { all in
            var start = 0
            while start < x.rows {
                let rows = min(chunk, x.rows - start)
                let input = all.baseAddress! + start * x.columns
                var current = input, ping = scratch, pong = scratch + chunk * widest
                // The forward pass as Keras's `predict` computes it (denormals flushed, `FloatingPointMode`); `body`
                // (the error sums) as NumPy and scikit-learn compute them, with gradual underflow, whatever mode the
                // calling thread is in (a pool thread started by a flushing one inherits its mode).
                FloatingPointMode.flushingDenormals {
                    for layer in layers {
                        layer.forward(x: current, ldx: layer.inputs, rows: rows, parameters: storage, z: ping, a: ping,
                                      backend: GEMM.defaultBackend)
                        current = UnsafePointer(ping)
                        swap(&ping, &pong)
                    }
                }
                FloatingPointMode.with(.gradual) { body(start, rows, input, current) }
                start += rows
            }
        }
    }

    /// Runs `x` through a contiguous range of layers, in inference mode, with denormals flushed as in Keras
    /// (`FloatingPointMode`).
    func run(_ x: Matrix, layers range: Range<Int>) -> Matrix {
        FloatingPointMode.flushingDenormals { runInCurrentMode(x, layers: range) }
    }

    private func runInCurrentMode(_ x: Matrix, layers range: Range<Int>) -> Matrix {
        var current = x
        for l in range {
            let layer = layers[l]
            var z = Matrix(rows: x.rows, columns: layer.outputs)
            guard x.rows > 0 else { current = z; continue }
            current.elements.withUnsafeBufferPointer { input in
                z.elements.withUnsafeMutableBufferPointer { out in
                    layer.forward(x: input.baseAddress!, ldx: layer.inputs, rows: x.rows, parameters: storage,
                                  z: out.baseAddress!, a: out.baseAddress!, backend: GEMM.defaultBackend)
                }
            }
            current = z
        }
        return current
    }
}

/// Errors building a model from parameters.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case parameterCount(expected: Int, found: Int, architecture: String)

    public var description: String {
        switch self {
        case .parameterCount(let expected, let found, let architecture):
            return "the architecture \(architecture) has \(expected) parameters, got \(found)"
        }
    }
}
