// LoomSLT: see Spec/tools.md
