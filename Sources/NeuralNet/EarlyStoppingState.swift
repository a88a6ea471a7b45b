/// Keras 3 `EarlyStopping` state for one `fit` (see `EarlyStopping` for the rules).
struct EarlyStoppingState {
    let settings: EarlyStopping
    let minDelta: Double
    var best = Float.infinity
    var wait = 0
    /// 1-based epoch of the best monitored value (or of the first save).
    var bestEpoch: Int?
    var hasSavedWeights = false

    init(settings: EarlyStopping) {
        self.settings = settings
        minDelta = decimalDouble(settings.minDelta)
    }

    /// Records epoch `epoch`'s monitored loss; saves the weights when they are the best so far. Returns true when
    /// training must stop after this epoch.
    ///
    /// weights, saved: `count` floats (the flat parameter layout); `saved` is written only with `restoreBestWeights`.
    mutating func update(epoch: Int, monitored: Float, weights: UnsafePointer<Float>,
                         saved: UnsafeMutablePointer<Float>, count: Int) -> Bool {
        if settings.restoreBestWeights && !hasSavedWeights {
            saved.update(from: weights, count: count)
            hasSavedWeights = true
            bestEpoch = epoch
        }
        if bestEpoch == nil { bestEpoch = epoch }
        wait += 1
        // Keras: `ops.less(current - (−min_delta), best)` with Python floats, i.e. the sum in Double, then both
        // sides as float32 tensors.
        if Float(Double(monitored) + minDelta) < best {
            best = monitored
            bestEpoch = epoch
            if settings.restoreBestWeights { saved.update(from: weights, count: count) }
            wait = 0
            return false
        }
        return wait >= settings.patience && epoch > 1
    }
}
