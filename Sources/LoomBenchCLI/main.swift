// This file implements the loom-bench entry point: it hands the arguments to LoomBench.
// Layer: tools (loom-bench). Spec: Spec/tools.md, section loom-bench.
import LoomBench
import Foundation

exit(BenchCommand.main(Array(CommandLine.arguments.dropFirst())))
