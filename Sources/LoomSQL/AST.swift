// This file declares the abstract syntax tree the parser produces.
// Layer: L5. Spec: Spec/L5-sql.md.
import LoomBase
import LoomVDBE
