// This file implements the built-in aggregates: count, sum, total, avg, min, max, group_concat.
// Layer: L4. Spec: Spec/L4-vdbe.md (§Functions).
import LoomBase
import LoomRecord

func builtinAggregateFunctions() -> [FunctionDefinition] {
    [
        FunctionDefinition(name: "count", argumentCount: 0, body: .aggregate(.countStar)),
        FunctionDefinition(name: "count", argumentCount: 1, body: .aggregate(.count)),
        FunctionDefinition(name: "sum", argumentCount: 1, body: .aggregate(.sum)),
        FunctionDefinition(name: "total", argumentCount: 1, body: .aggregate(.total)),
        FunctionDefinition(name: "avg", argumentCount: 1, body: .aggregate(.avg)),
        FunctionDefinition(name: "min", argumentCount: 1, body: .aggregate(.min)),
        FunctionDefinition(name: "max", argumentCount: 1, body: .aggregate(.max)),
        FunctionDefinition(name: "group_concat", argumentCount: 1, body: .aggregate(.groupConcat)),
        FunctionDefinition(name: "group_concat", argumentCount: 2, body: .aggregate(.groupConcat)),
    ]
}
