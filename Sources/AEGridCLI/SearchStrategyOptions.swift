import ArgumentParser

/// How `aegrid search` spends its epochs: every point to the end (default), successive halving, or a random sample.
/// Declared here for ArgumentParser (help and parsing); `SearchRequest` validates and applies them.
struct SearchStrategyOptions: ParsableArguments {
    @Flag(name: .long, help: "Successive halving over epochs (scikit-learn's HalvingGridSearchCV): every candidate trains --min-epochs, the best 1/--factor continue from their state to --factor times as many epochs, up to --max-epochs.")
    var halving = false

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Halving: candidates kept per rung are 1/factor, epochs grow by factor (>= 2).", valueName: "n"))
    var factor: Int = 3

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Halving: the first rung's epochs (default: scikit-learn's min_resources='exhaust').", valueName: "e"))
    var minEpochs: Int?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Halving: the last rung's epochs (default: the grid's largest epochs; required when the grid has no epochs key).", valueName: "e"))
    var maxEpochs: Int?

    @Flag(name: .long, help: "Halving: scikit-learn's aggressive_elimination (repeat the first rung while too many candidates are left).")
    var aggressiveElimination = false

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Randomized search: train n points sampled from the grid with --seed (scikit-learn's ParameterSampler); with --halving, HalvingRandomSearchCV.", valueName: "n"))
    var nIter: Int?
}
