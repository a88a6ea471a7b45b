import Foundation

extension Report {
    /// The best trial must be more than this many times PCA's error at its latent size for the hint to appear.
    public static let baselineHintRatio = 2.0

    /// One line when, at some latent size, the best finished trial is more than `baselineHintRatio` times worse
    /// than PCA with as many components (the best linear reconstruction, which a nonlinear autoencoder should
    /// match or beat), naming the usual causes; nil otherwise or without a baseline. When the search gave warnings
    /// (an output activation that cannot reach the data), the line points at them.
    public var baselineHint: String? {
        guard let baseline else { return nil }
        var bestBySize: [Int: Double] = [:]
        for record in ranked where record.status == .ok {
            guard let score = record.testScore, let size = latentSizes[record.trialID] else { continue }
            bestBySize[size] = min(bestBySize[size] ?? .infinity, score)
        }
        let worse: [(size: Int, score: Double, pca: Double)] = bestBySize.keys.sorted().compactMap { size in
            guard let score = bestBySize[size], let pca = baseline.testMSE(components: size), pca > 0,
                  score > Self.baselineHintRatio * pca else { return nil }
            return (size, score, pca)
        }
        guard !worse.isEmpty else { return nil }
        let sizes = worse.map { String($0.size) }.joined(separator: ", ")
        let ratios = worse.map { CFormat.string("%.1f×", $0.score / $0.pca) }.joined(separator: ", ")
        let cause = warnings.isEmpty
            ? "an output activation that cannot reach the data's range"
            : "an output activation that cannot reach the data's range (see the warning below)"
        let subject = worse.count == 1
            ? "latent size \(sizes) the best trial is" : "latent sizes \(sizes) the best trials are"
        return "hint: at \(subject) \(ratios) worse than PCA with as many components (a linear autoencoder's "
            + "optimum); usual causes: \(cause), too few epochs, a learning rate too low or too high."
    }
}
