"""The live pipeline: a faust-free engine (decode, core, emit, count) and the Faust glue."""
