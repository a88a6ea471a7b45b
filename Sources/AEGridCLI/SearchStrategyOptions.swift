import ArgumentParser
import GridSearch
import SearchSpace

/// How `aegrid search` spends its epochs: every point to the end (default), successive halving, or a random sample.
struct SearchStrategyOptions: ParsableArguments {
    @Flag(name: .long, help: "Successive halving over epochs (scikit-learn's HalvingGridSearchCV): every candidate trains --min-epochs, the best 1/--factor continue from their state to --factor times as many epochs, up to --max-epochs.")
    var halving = false

    @Option(name: .long, help: ArgumentHelp("Halving: candidates kept per rung are 1/factor, epochs grow by factor (>= 2).", valueName: "n"))
    var factor: Int = 3

    @Option(name: .long, help: ArgumentHelp("Halving: the first rung's epochs (default: scikit-learn's min_resources='exhaust').", valueName: "e"))
    var minEpochs: Int?

    @Option(name: .long, help: ArgumentHelp("Halving: the last rung's epochs (default: the grid's largest epochs; required when the grid has no epochs key).", valueName: "e"))
    var maxEpochs: Int?

    @Flag(name: .long, help: "Halving: scikit-learn's aggressive_elimination (repeat the first rung while too many candidates are left).")
    var aggressiveElimination = false

    @Option(name: .long, help: ArgumentHelp("Randomized search: train n points sampled from the grid with --seed (scikit-learn's ParameterSampler); with --halving, HalvingRandomSearchCV.", valueName: "n"))
    var nIter: Int?

    func validate() throws {
        if !halving && (minEpochs != nil || maxEpochs != nil || aggressiveElimination || factor != 3) {
            throw ValidationError("--factor, --min-epochs, --max-epochs and --aggressive-elimination need --halving")
        }
        if factor < 2 { throw ValidationError("--factor must be at least 2 (got \(factor))") }
        if let minEpochs, minEpochs < 1 { throw ValidationError("--min-epochs must be at least 1 (got \(minEpochs))") }
        if let maxEpochs, maxEpochs < 1 { throw ValidationError("--max-epochs must be at least 1 (got \(maxEpochs))") }
        if let minEpochs, let maxEpochs, minEpochs > maxEpochs {
            throw ValidationError("--min-epochs \(minEpochs) is greater than --max-epochs \(maxEpochs)")
        }
        if let nIter, nIter < 1 { throw ValidationError("--n-iter must be at least 1 (got \(nIter))") }
    }

    var halvingSettings: HalvingSettings? {
        halving ? HalvingSettings(factor: factor, minEpochs: minEpochs, maxEpochs: maxEpochs,
                                  aggressiveElimination: aggressiveElimination) : nil
    }
}
