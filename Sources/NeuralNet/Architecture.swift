import LinearAlgebra

/// The shape of a dense autoencoder: `inputSize → encoderUnits… → decoderUnits… → inputSize`.
///
/// The last encoder entry is the latent (bottleneck) size. By default the decoder mirrors the encoder without
/// repeating the bottleneck: encoder `[16, 8]` on 10 inputs gives 10 → 16 → 8 → 16 → 10, encoder `[4]` gives
/// 10 → 4 → 10. Every layer but the output uses `hiddenActivation` (the bottleneck too); the output layer uses
/// `outputActivation`.
public struct Architecture: Equatable, Hashable, Codable, Sendable {
    public var inputSize: Int
    /// Units of the encoder's Dense layers; the last entry is the latent size.
    public var encoderUnits: [Int]
    /// Units of the decoder's hidden Dense layers (the output layer of `inputSize` units is implied).
    public var decoderUnits: [Int]
    public var hiddenActivation: Activation
    public var outputActivation: Activation
    /// Optional per-layer override of `hiddenActivation`: one activation per hidden layer (encoder layers, then
    /// decoder layers), e.g. Keras models whose bottleneck uses another activation. Nil means `hiddenActivation`
    /// everywhere.
    public var hiddenActivations: [Activation]?

    public init(inputSize: Int, encoderUnits: [Int], decoderUnits: [Int]? = nil,
                hiddenActivation: Activation = .relu, outputActivation: Activation = .sigmoid,
                hiddenActivations: [Activation]? = nil) {
        self.inputSize = inputSize
        self.encoderUnits = encoderUnits
        self.decoderUnits = decoderUnits ?? Array(encoderUnits.dropLast().reversed())
        self.hiddenActivation = hiddenActivation
        self.outputActivation = outputActivation
        self.hiddenActivations = hiddenActivations
    }

    enum CodingKeys: String, CodingKey {
        case inputSize = "input_size", encoderUnits = "encoder_units", decoderUnits = "decoder_units"
        case hiddenActivation = "hidden_activation", outputActivation = "output_activation"
        case hiddenActivations = "hidden_activations"
    }

    /// The activation of Dense layer `index` (0-based; the last layer is the output layer).
    public func activation(ofLayer index: Int) -> Activation {
        if index == layerCount - 1 { return outputActivation }
        if let overrides = hiddenActivations, index < overrides.count { return overrides[index] }
        return hiddenActivation
    }

    /// Widths of every activation: `[input, encoder…, decoder…, input]`.
    public var layerSizes: [Int] { [inputSize] + encoderUnits + decoderUnits + [inputSize] }

    /// The bottleneck width (the last encoder entry).
    public var latentSize: Int { encoderUnits.last ?? inputSize }

    /// Number of Dense layers (encoder + decoder + output).
    public var layerCount: Int { encoderUnits.count + decoderUnits.count + 1 }

    /// Kernels and biases of every layer: Σ (in·out + out).
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// Σ in·out over the layers: multiply-adds of one sample's forward pass (a training step costs about 3× this
    /// per sample: forward, input gradient, kernel gradient).
    public var multiplyAddsPerSample: Int { layers.reduce(0) { $0 + $1.inputs * $1.outputs } }

    /// The Dense layers in order, with their place in the flat parameter buffer
    /// (`kernel₀ (in×out, row-major), bias₀, kernel₁, bias₁, …`).
    public var layers: [DenseLayer] {
        let sizes = layerSizes
        var result: [DenseLayer] = []
        result.reserveCapacity(sizes.count - 1)
        var offset = 0
        for l in 0 ..< sizes.count - 1 {
            let layer = DenseLayer(index: l, inputs: sizes[l], outputs: sizes[l + 1], kernelOffset: offset,
                                   activation: activation(ofLayer: l))
            result.append(layer)
            offset += layer.parameterCount
        }
        return result
    }

    /// Checks that every width is at least 1 and the encoder has a bottleneck.
    public func validate() throws {
        guard inputSize >= 1 else { throw ArchitectureError.invalidWidth(name: "input size", value: inputSize) }
        guard !encoderUnits.isEmpty else { throw ArchitectureError.emptyEncoder }
        for (i, u) in encoderUnits.enumerated() where u < 1 {
            throw ArchitectureError.invalidWidth(name: "encoder units[\(i)]", value: u)
        }
        for (i, u) in decoderUnits.enumerated() where u < 1 {
            throw ArchitectureError.invalidWidth(name: "decoder units[\(i)]", value: u)
        }
        if let overrides = hiddenActivations, overrides.count != layerCount - 1 {
            throw ArchitectureError.activationCount(expected: layerCount - 1, found: overrides.count)
        }
    }

    /// `10 → 16 → 8 → 16 → 10 (relu, sigmoid)`.
    public var summary: String {
        let hidden = hiddenActivations.map { $0.map(\.rawValue).joined(separator: "/") } ?? hiddenActivation.rawValue
        return layerSizes.map(String.init).joined(separator: " → ") + " (\(hidden), \(outputActivation.rawValue))"
    }
}

/// An autoencoder shape that cannot be built.
public enum ArchitectureError: Error, Equatable, CustomStringConvertible {
    case invalidWidth(name: String, value: Int)
    case emptyEncoder
    case activationCount(expected: Int, found: Int)

    public var description: String {
        switch self {
        case .invalidWidth(let name, let value): return "\(name) must be at least 1, got \(value)"
        case .emptyEncoder: return "encoder units must list at least one layer (the last one is the latent size)"
        case .activationCount(let expected, let found):
            return "hidden activations must list one activation per hidden layer (\(expected)), got \(found)"
        }
    }
}
