import Foundation
import NeuralNet

// What a trial needs in memory, and the sizes no budget can hold.
extension TrialConfiguration {
    /// The most units a layer may have: matrix products take their dimensions as 32-bit integers (BLAS).
    public static let maximumLayerUnits = Int(Int32.max)

    /// The weights and biases of a `layerSizes` network (Σ in·out + out), or nil if that overflows `Int`.
    package static func checkedParameterCount(_ layerSizes: [Int]) -> Int? {
        var total = 0
        for (inputs, outputs) in zip(layerSizes, layerSizes.dropFirst()) {
            guard case let (weights, false) = inputs.multipliedReportingOverflow(by: outputs),
                  case let (layer, false) = weights.addingReportingOverflow(outputs),
                  case let (sum, false) = total.addingReportingOverflow(layer) else { return nil }
            total = sum
        }
        return total
    }

    /// An upper bound, in bytes, of what training this trial on `trainingRows` rows allocates, or nil when it
    /// overflows `Int` (no machine holds it). It mirrors `Trainer`'s one workspace allocation and what sits
    /// beside it:
    /// - per parameter, 7 floats: the model, the trainer's copy, the gradients, two optimizer slots (Adam's m
    ///   and v; fewer for SGD and RMSprop), early stopping's saved weights, and the best model the search keeps;
    /// - per row of a batch (`min(batch_size, rows)`): each layer's z and activation (and dropout's output and
    ///   mask), two dZ/dA buffers of the widest layer and, at a small batch, a third for the transposed input
    ///   gradient (counted at any batch size), and the gathered and noisy inputs;
    /// - per training row, the epoch's permutation (one `Int`).
    /// The data itself is not included: every trial shares it.
    ///
    /// A trial the group engine trains (`TrainingGroup.accepts`: small models, alone or side by side) allocates
    /// eight lanes of every buffer instead; its bound is `TrainingGroup.estimatedBytes`, counted as that engine
    /// allocates.
    public func estimatedTrainingBytes(trainingRows: Int) -> Int? {
        // The width test first: it bounds every product `accepts` and `architecture` compute.
        if (layerSizes.max() ?? 0) <= TrainingGroup.maximumWidth {
            let architecture = self.architecture, training = self.training
            if TrainingGroup.accepts(architecture, training) {
                return TrainingGroup.estimatedBytes(architecture, training, trainingRows: trainingRows)
            }
        }
        guard let parameters = Self.checkedParameterCount(layerSizes) else { return nil }
        let optimizerSlots: Int
        switch settings.optimizer {
        case "sgd": optimizerSlots = settings.momentum == 0 ? 0 : 1
        case "rmsprop": optimizerSlots = settings.momentum == 0 ? 1 : 2
        default: optimizerSlots = 2
        }
        let batchRows = max(1, min(settings.batchSize, trainingRows))
        let perLayer = settings.dropout > 0 ? 4 : 2
        var perRow = 0
        for outputs in layerSizes.dropFirst() {
            guard case let (sum, false) = perRow.addingReportingOverflow(perLayer * outputs) else { return nil }
            perRow = sum
        }
        let widest = layerSizes.max() ?? 0
        let floats = [(parameters, 5 + optimizerSlots), (batchRows, perRow), (batchRows, 3 * widest),
                      (batchRows, 2 * inputSize)]
        var total = trainingRows.multipliedReportingOverflow(by: MemoryLayout<Int>.size)
        for (count, each) in floats where !total.overflow {
            let (product, overflow) = count.multipliedReportingOverflow(by: each)
            let (bytes, overflow2) = product.multipliedReportingOverflow(by: MemoryLayout<Float>.size)
            total = overflow || overflow2 ? (0, true) : total.partialValue.addingReportingOverflow(bytes)
        }
        return total.overflow ? nil : total.partialValue
    }
}

extension ParameterValue {
    /// The layer sizes a value gives: one for `latent_dim: 8`, several for `encoder_units: [64, 32]`.
    package var layerSizeValues: [Int]? {
        switch self {
        case .int(let size): return [size]
        case .intList(let sizes): return sizes
        default: return nil
        }
    }
}
