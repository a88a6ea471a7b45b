// NeuralNet builds on LinearAlgebra's Matrix and GEMM; re-export it so `import NeuralNet` is enough for callers.
@_exported import LinearAlgebra
