// This file implements SQLite's built-in core scalar functions (lang_corefunc.html).
// Layer: L4. Spec: Spec/L4-vdbe.md (§Functions).
import LoomBase
import LoomRecord

func builtinScalarFunctions() -> [FunctionDefinition] {
    []
}
