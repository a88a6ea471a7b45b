#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LinearAlgebra

/// The optimiser state of a `TrainingGroup`: one optimiser kind for the group, each lane with its own
/// hyperparameters and slots, updating the interleaved parameter buffer with `OptimizerState`'s formulas (Keras's,
/// constants rounded as it rounds them), one lane-wise `Float8` operation at a time.
///
/// A class, not a struct: its owner calls `update` for every layer of every step, and a struct held in a class's
/// `var` was copied out for each call (its `configurations` array retained and released), 4–5 % of a 10→4→10 step.
final class LaneOptimizer {
    /// The update formula, shared by every lane of a group.
    enum Kind: String, Equatable, Sendable {
        case adam, sgd, sgdMomentum, sgdNesterov, rmsprop, rmspropMomentum

        init(_ configuration: OptimizerConfiguration) {
            switch configuration {
            case .adam: self = .adam
            case .sgd(_, let momentum, let nesterov): self = momentum == 0 ? .sgd : (nesterov ? .sgdNesterov : .sgdMomentum)
            case .rmsprop(_, _, let momentum, _): self = momentum == 0 ? .rmsprop : .rmspropMomentum
            }
        }

        var slotCount: Int {
            switch self {
            case .adam, .rmspropMomentum: return 2
            case .sgd: return 0
            case .sgdMomentum, .sgdNesterov, .rmsprop: return 1
            }
        }
    }

    let kind: Kind
    /// Parameters per lane.
    let count: Int
    /// `slotCount × count` interleaved elements (× 8 floats), zero at the start; owned, freed with the optimiser.
    let slots: UnsafeMutablePointer<Float>
    /// Batches applied so far (every lane steps together).
    private(set) var iterations = 0
    /// Per lane: the learning rate and the Float32 constants of `OptimizerState` (Adam: 1 − β₁, 1 − β₂, ε; SGD: μ;
    /// RMSprop: ρ, 1 − ρ, ε, μ).
    private let lr: Float8, c0: Float8, c1: Float8, c2: Float8, mu: Float8
    /// Adam's step size per lane for the current step (set by `beginStep`).
    private var alpha = Float8(repeating: 0)
    /// Per lane: Adam's β₁ and β₂ as given (their powers in α; 1 − β above is rounded from the decimal).
    private let beta1: Float8, beta2: Float8

    /// Lanes that hold a member (the others are padding, whose values are never read).
    private let members: Int

    /// - Parameters:
    ///   - configurations: one per lane (8), all of one `Kind`.
    ///   - members: how many of the lanes (from the first) hold a member; the step constants of the others are not
    ///     computed.
    init(configurations: [OptimizerConfiguration], count: Int, members: Int = LaneKernels.width) {
        self.members = min(max(1, members), LaneKernels.width)
        precondition(configurations.count == LaneKernels.width)
        let kind = Kind(configurations[0])
        precondition(configurations.allSatisfy { Kind($0) == kind }, "LaneOptimizer: lanes of different optimisers")
        self.kind = kind
        self.count = count
        var lr = Float8(), c0 = Float8(), c1 = Float8(), c2 = Float8(), mu = Float8()
        var beta1s = Float8(), beta2s = Float8()
        for (j, configuration) in configurations.enumerated() {
            lr[j] = configuration.learningRate
            switch configuration {
            case .adam(_, let beta1, let beta2, let epsilon):
                c0[j] = Float(1 - decimalDouble(beta1)); c1[j] = Float(1 - decimalDouble(beta2))
                c2[j] = Float(decimalDouble(epsilon))
                (beta1s[j], beta2s[j]) = (beta1, beta2)
            case .sgd(_, let momentum, _):
                mu[j] = Float(decimalDouble(momentum))
            case .rmsprop(_, let rho, let momentum, let epsilon):
                c0[j] = Float(decimalDouble(rho)); c1[j] = Float(1 - decimalDouble(rho)); c2[j] = Float(decimalDouble(epsilon))
                mu[j] = Float(decimalDouble(momentum))
            }
        }
        (self.lr, self.c0, self.c1, self.c2, self.mu) = (lr, c0, c1, c2, mu)
        (beta1, beta2) = (beta1s, beta2s)
        let n = Self.slotFloats(kind, count: count)
        slots = .allocate(capacity: n)
        slots.initialize(repeating: 0, count: n)
    }

    deinit { slots.deallocate() }

    /// Floats of the slots of `kind` for `count` parameters per lane (at least one, so the buffer always exists).
    static func slotFloats(_ kind: Kind, count: Int) -> Int { max(1, kind.slotCount * count * LaneKernels.width) }

    /// Bytes of the slots.
    var allocatedBytes: Int { Self.slotFloats(kind, count: count) * MemoryLayout<Float>.stride }

    /// Starts step t = iterations + 1; Adam's α = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ) per member's lane, as `OptimizerState`
    /// (padding lanes keep α = 0: their weights are never read). From the lanes' constants, not the configurations:
    /// matching each lane's enum case every step, and the array's retain and release, cost a few percent of a small
    /// model's step.
    func beginStep() {
        iterations += 1
        guard kind == .adam else { return }
        let t = Float(iterations)
        for j in 0 ..< members {
            alpha[j] = lr[j] * (1 - powf(beta2[j], t)).squareRoot() / (1 - powf(beta1[j], t))
        }
    }

    /// `update` for a group of one, on plain buffers (element k at k, the slots too): lane 0's formulas and
    /// constants, element by element, the same operations in the same order as `update` gives lane 0, eight
    /// elements at a time (then one at a time). Returns a sum of (w − w) over the updated weights: 0 where every
    /// weight is finite, NaN where one is not (whatever the order of the sum).
    func updateSolo(weights w: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>, range: Range<Int>) -> Float {
        var check8 = Float8(repeating: 0), check: Float = 0
        var k = range.lowerBound
        while k + 8 <= range.upperBound {
            check8 = check8 + updateSolo(Float8.self, k, weights: w, gradients: g)
            k += 8
        }
        while k < range.upperBound {
            check += updateSolo(Float.self, k, weights: w, gradients: g)
            k += 1
        }
        return check + laneSum(check8)
    }

    /// Elements k ..< k + V.lanes of `updateSolo`; returns w − w per element.
    @inline(__always)
    private func updateSolo<V: SoloVector>(_: V.Type, _ k: Int, weights w: UnsafeMutablePointer<Float>,
                                           gradients g: UnsafePointer<Float>) -> V {
        let count = self.count
        let wk: V
        switch kind {
        case .adam:
            let alpha = V(repeating: self.alpha[0]), oneMinusBeta1 = V(repeating: c0[0])
            let oneMinusBeta2 = V(repeating: c1[0]), eps = V(repeating: c2[0])
            let m = slots + k, v = slots + count + k
            let gk = V.load(g + k), mOld = V.load(m), vOld = V.load(v)
            let mk = mOld + (gk - mOld) * oneMinusBeta1
            let vk = vOld + (gk * gk - vOld) * oneMinusBeta2
            mk.store(m)
            vk.store(v)
            wk = V.load(w + k) - (mk * alpha) / (vk.squareRoot() + eps)
        case .sgd:
            wk = V.load(w + k) - V.load(g + k) * V(repeating: lr[0])
        case .sgdMomentum:
            let m = slots + k
            let mk = V.load(m) * V(repeating: mu[0]) - V.load(g + k) * V(repeating: lr[0])
            mk.store(m)
            wk = V.load(w + k) + mk
        case .sgdNesterov:
            let m = slots + k, mu = V(repeating: self.mu[0])
            let gl = V.load(g + k) * V(repeating: lr[0])
            let mk = V.load(m) * mu - gl
            mk.store(m)
            wk = V.load(w + k) + (mk * mu - gl)
        case .rmsprop, .rmspropMomentum:
            let v = slots + k, mom = slots + count + k
            let gk = V.load(g + k)
            let vk = V(repeating: c0[0]) * V.load(v) + V(repeating: c1[0]) * (gk * gk)
            vk.store(v)
            let increment = (V(repeating: lr[0]) * gk) / (vk + V(repeating: c2[0])).squareRoot()
            if kind == .rmspropMomentum {
                let mk = V(repeating: mu[0]) * V.load(mom) + increment
                mk.store(mom)
                wk = V.load(w + k) - mk
            } else {
                wk = V.load(w + k) - increment
            }
        }
        wk.store(w + k)
        return wk - wk
    }

    /// Updates the interleaved elements `range` of the parameter buffer (`w`, `g` point at the buffers' starts).
    /// Returns Σ (w − w) over the updated weights per lane: 0 where every weight is finite, NaN where one is not.
    func update(weights: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>, range: Range<Int>) -> Float8 {
        let w = weights, g = gradients, count = self.count
        var check = Float8(repeating: 0)
        switch kind {
        case .adam:
            let alpha = self.alpha, oneMinusBeta1 = c0, oneMinusBeta2 = c1, eps = c2
            let m = slots, v = slots + count * 8
            for k in range {
                let gk = LaneKernels.lane(g, k), mOld = LaneKernels.lane(m, k), vOld = LaneKernels.lane(v, k)
                let mk = mOld + (gk - mOld) * oneMinusBeta1
                let vk = vOld + (gk * gk - vOld) * oneMinusBeta2
                LaneKernels.store(mk, m, k)
                LaneKernels.store(vk, v, k)
                let wk = LaneKernels.lane(w, k) - (mk * alpha) / (vk.squareRoot() + eps)
                LaneKernels.store(wk, w, k)
                check += wk - wk
            }
        case .sgd:
            let lr = self.lr
            for k in range {
                let wk = LaneKernels.lane(w, k) - LaneKernels.lane(g, k) * lr
                LaneKernels.store(wk, w, k)
                check += wk - wk
            }
        case .sgdMomentum:
            let lr = self.lr, mu = self.mu, m = slots
            for k in range {
                let mk = LaneKernels.lane(m, k) * mu - LaneKernels.lane(g, k) * lr
                LaneKernels.store(mk, m, k)
                let wk = LaneKernels.lane(w, k) + mk
                LaneKernels.store(wk, w, k)
                check += wk - wk
            }
        case .sgdNesterov:
            let lr = self.lr, mu = self.mu, m = slots
            for k in range {
                let gl = LaneKernels.lane(g, k) * lr
                let mk = LaneKernels.lane(m, k) * mu - gl
                LaneKernels.store(mk, m, k)
                let wk = LaneKernels.lane(w, k) + (mk * mu - gl)
                LaneKernels.store(wk, w, k)
                check += wk - wk
            }
        case .rmsprop, .rmspropMomentum:
            let lr = self.lr, rho = c0, oneMinusRho = c1, eps = c2, mu = self.mu
            let v = slots, mom = slots + count * 8
            for k in range {
                let gk = LaneKernels.lane(g, k)
                let vk = rho * LaneKernels.lane(v, k) + oneMinusRho * (gk * gk)
                LaneKernels.store(vk, v, k)
                let increment = (lr * gk) / (vk + eps).squareRoot()
                let wk: Float8
                if kind == .rmspropMomentum {
                    let mk = mu * LaneKernels.lane(mom, k) + increment
                    LaneKernels.store(mk, mom, k)
                    wk = LaneKernels.lane(w, k) - mk
                } else {
                    wk = LaneKernels.lane(w, k) - increment
                }
                LaneKernels.store(wk, w, k)
                check += wk - wk
            }
        }
        return check
    }
}
