@testable import NeuralNet
import XCTest
import LinearAlgebra

/// The trainer's workspace layout: every named buffer 64-byte aligned, sized as the trainer uses it, inside the
/// allocation and disjoint from every other, over a sweep of shapes and options.
final class TrainerWorkspaceTests: XCTestCase {
    typealias Layout = TrainerWorkspace.Layout

    static let architectures = [
        Architecture(inputSize: 10, encoderUnits: [4]),
        Architecture(inputSize: 7, encoderUnits: [13, 3], hiddenActivation: .tanh, outputActivation: .linear),
        Architecture(inputSize: 3, encoderUnits: [5, 17, 2], hiddenActivations: [.relu, .linear, .elu, .linear, .gelu]),
    ]

    /// Every option combination, for rows 1…33 (each remainder mod 16 floats of padding).
    func forEachLayout(_ body: (Architecture, Int, Layout, [Bool]) -> Void) {
        for architecture in TrainerWorkspaceTests.architectures {
            for rows in Array(1 ... 33) + [64, 65] {
                for options in 0 ..< 16 {
                    let flags = (0 ..< 4).map { options >> $0 & 1 == 1 }
                    let layout = Layout(layers: architecture.layers, rows: rows, inputSize: architecture.inputSize,
                                        parameterCount: architecture.parameterCount, trainingRows: rows * 3 + 1,
                                        dropout: flags[0], gather: flags[1], noise: flags[2],
                                        restoreBestWeights: flags[3])
                    body(architecture, rows, layout, flags)
                }
            }
        }
    }

    func testEveryBufferIsAlignedSizedInBoundsAndDisjoint() {
        forEachLayout { architecture, rows, layout, flags in
            let (dropout, gather, noise, restore) = (flags[0], flags[1], flags[2], flags[3])
            let label = "\(architecture.layerSizes) rows \(rows) options \(flags)"
            let widest = architecture.layerSizes.max()!, d = architecture.inputSize
            let layers = architecture.layers
            var named: [(name: String, slot: Layout.Slot, stride: Int, expected: Int)] = []
            for (l, (slots, layer)) in zip(layout.layers, layers).enumerated() {
                let perSample = rows * layer.outputs, hidden = l < layers.count - 1
                named.append(("z\(l)", slots.z, 4, perSample))
                XCTAssertEqual(slots.activation == nil, layer.activation == .linear, label)
                if let a = slots.activation { named.append(("a\(l)", a, 4, perSample)) }
                named.append(("dropped\(l)", slots.dropped, 4, dropout && hidden ? perSample : 0))
                named.append(("mask\(l)", slots.mask, 4, dropout && hidden ? perSample : 0))
            }
            named += [("deltaA", layout.deltaA, 4, rows * widest), ("deltaB", layout.deltaB, 4, rows * widest),
                      ("transposedDelta", layout.transposedDelta, 4,
                       rows <= GEMM.transposedProductMaximumRows ? rows * widest : 0),
                      ("gradients", layout.gradients, 4, architecture.parameterCount),
                      ("batchTarget", layout.batchTarget, 4, gather ? rows * d : 0),
                      ("batchInput", layout.batchInput, 4, noise ? rows * d : 0),
                      ("bestWeights", layout.bestWeights, 4, restore ? architecture.parameterCount : 0),
                      ("permutation", layout.permutation, 8, rows * 3 + 1)]
            XCTAssertEqual(layout.byteCount % Layout.alignment, 0, label)
            XCTAssertGreaterThan(layout.byteCount, 0, label)
            var ranges: [(String, Range<Int>)] = []
            for (name, slot, stride, expected) in named {
                XCTAssertEqual(slot.count, expected, "\(name): \(label)")
                XCTAssertEqual(slot.offset % Layout.alignment, 0, "\(name) is not 64-byte aligned: \(label)")
                let bytes = slot.offset ..< slot.offset + slot.count * stride
                XCTAssertLessThanOrEqual(bytes.upperBound, layout.byteCount, "\(name) ends outside: \(label)")
                for (other, otherBytes) in ranges where bytes.overlaps(otherBytes) {
                    XCTFail("\(name) overlaps \(other): \(label)")
                }
                if !bytes.isEmpty { ranges.append((name, bytes)) }
            }
        }
    }

    /// The allocation itself: zeroed, 64-byte aligned, the identity permutation, a linear layer's activations in
    /// its pre-activations' memory, and each buffer's writes landing in its own memory only.
    func testWorkspaceBuffersHoldTheirOwnValues() {
        let architecture = TrainerWorkspaceTests.architectures[2]
        let layout = Layout(layers: architecture.layers, rows: 9, inputSize: architecture.inputSize,
                            parameterCount: architecture.parameterCount, trainingRows: 29, dropout: true,
                            gather: true, noise: true, restoreBestWeights: true)
        let workspace = TrainerWorkspace(layout: layout)
        var floats: [(String, WorkspaceBuffer<Float>)] = []
        for (l, buffers) in workspace.layers.enumerated() {
            floats.append(("z\(l)", buffers.z))
            if l < workspace.layers.count - 1 {
                floats += [("dropped\(l)", buffers.dropped), ("mask\(l)", buffers.mask)]
            } else {
                XCTAssertEqual(buffers.dropped.count + buffers.mask.count, 0, "the output layer has no dropout")
            }
            if architecture.layers[l].activation == .linear {
                XCTAssertEqual(buffers.activation.first(0), buffers.z.first(0), "layer \(l) is linear: a is z")
            } else {
                floats.append(("a\(l)", buffers.activation))
            }
        }
        floats += [("deltaA", workspace.deltaA), ("deltaB", workspace.deltaB), ("gradients", workspace.gradients),
                   ("batchTarget", workspace.batchTarget), ("batchInput", workspace.batchInput),
                   ("bestWeights", workspace.bestWeights)]
        XCTAssertEqual((0 ..< workspace.permutation.count).map { workspace.permutation[$0] }, Array(0 ..< 29))
        for (name, buffer) in floats {
            XCTAssertGreaterThan(buffer.count, 0, name)
            XCTAssertEqual(Int(bitPattern: buffer.first(0)) % 64, 0, "\(name) is not 64-byte aligned")
            XCTAssertTrue((0 ..< buffer.count).allSatisfy { buffer[$0] == 0 }, "\(name) starts zeroed")
        }
        for (b, (_, buffer)) in floats.enumerated() {
            for i in 0 ..< buffer.count { buffer[i] = Float(b * 10_000 + i) }
        }
        for i in 0 ..< workspace.permutation.count { workspace.permutation[i] = -i }
        for (b, (name, buffer)) in floats.enumerated() {
            XCTAssertTrue((0 ..< buffer.count).allSatisfy { buffer[$0] == Float(b * 10_000 + $0) },
                          "\(name) was overwritten by another buffer")
        }
        XCTAssertEqual((0 ..< workspace.permutation.count).map { workspace.permutation[$0] }, (0 ..< 29).map { -$0 })
    }
}
