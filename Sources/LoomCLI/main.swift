// This file implements the `loom` executable's entry point: it hands the process's
// arguments and standard streams to LoomShell. Layer: tools. Spec: Spec/tools.md (loom).
import Glibc
import LoomShell

let status = Shell.main(arguments: CommandLine.arguments,
                        input: FileDescriptorLineSource(fd: 0),
                        output: FileDescriptorSink(fd: 1),
                        error: FileDescriptorSink(fd: 2, unbuffered: true),
                        isTerminal: isatty(0) != 0)
exit(status)
