# bench: load generators for ci/bench-* (benchmarks, not tests).
