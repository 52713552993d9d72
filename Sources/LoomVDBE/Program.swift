// This file declares Program: a compiled statement, a list of VDBE instructions.
// Layer: L4. Spec: Spec/L4-vdbe.md.
import LoomBase
import LoomRecord
