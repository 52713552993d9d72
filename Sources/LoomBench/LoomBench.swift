// LoomBench: see Spec/tools.md
