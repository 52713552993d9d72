// This file implements the loom-slt entry point: it hands the arguments to LoomSLT.
// Layer: tools (loom-slt). Spec: Spec/tools.md, section loom-slt.
import LoomSLT
import Foundation

exit(SLTCommand.main(Array(CommandLine.arguments.dropFirst())))
