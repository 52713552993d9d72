// LoomShell: see Spec/tools.md
