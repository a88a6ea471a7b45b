import Foundation

extension Report {
    /// The best trial must be more than this many times PCA's error at its latent size for the hint to appear.
    public static let baselineHintRatio = 2.0

    /// One line when, at some latent size, the best finished trial is more than `baselineHintRatio` times worse
    /// than PCA with as many components (the best linear reconstruction, which a nonlinear autoencoder should
    /// match or beat), naming the usual causes; nil otherwise or without a baseline. When the search gave warnings
    /// (an output activation that cannot reach the data), the line points at them.
    /// Latent sizes at which PCA keeps all of the training data's variance are left to `wideLatentHint`.
    public var baselineHint: String? {
        guard let baseline else { return nil }
        let bestBySize = bestScoreByLatentSize
        let worse: [(size: Int, score: Double, pca: Double)] = bestBySize.keys.sorted().compactMap { size in
            guard let score = bestBySize[size], let pca = baseline.testMSE(components: size), pca > 0,
                  !baseline.keepsAllVariance(components: size),
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

    /// One line when some finished trial's latent size is so wide that PCA with as many components keeps all of the
    /// training data's variance (it reconstructs the data up to rounding, so "× worse than PCA" would be a ratio
    /// to rounding error): such a bottleneck need not compress, and an encoding from it is no reduction.
    public var wideLatentHint: String? {
        guard let baseline else { return nil }
        let sizes = bestScoreByLatentSize.keys.sorted().filter { baseline.keepsAllVariance(components: $0) }
        guard !sizes.isEmpty else { return nil }
        let list = sizes.map(String.init).joined(separator: ", ")
        return "hint: at latent size\(sizes.count == 1 ? "" : "s") \(list) PCA with as many components keeps all of the "
            + "training data's variance, so the bottleneck need not compress anything; for an encoding that reduces "
            + "the data, try latent sizes whose PCA MSE is well above 0 (`aegrid pca` lists them)."
    }

    /// The best test score of the finished trials at each latent size.
    private var bestScoreByLatentSize: [Int: Double] {
        var best: [Int: Double] = [:]
        for record in ranked where record.status == .ok {
            guard let score = record.testScore, let size = latentSizes[record.trialID] else { continue }
            best[size] = min(best[size] ?? .infinity, score)
        }
        return best
    }
}
