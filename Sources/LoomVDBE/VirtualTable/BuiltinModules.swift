// This file lists the virtual-table modules every connection has: json_each, json_tree,
// generate_series, dbstat and the pragma_* table-valued functions.
// Layer: L4. Spec: Spec/L4-vdbe.md §Virtual tables (built-in modules).
import LoomBase
import LoomBTree

package enum BuiltinModules {
    /// Registers the built-in modules on a new connection.
    package static func register(in registry: VirtualTableRegistry, btree: BTree) {
        registry.register(SeriesModule(), named: "generate_series")
        registry.register(JSONEachModule(recursive: false), named: "json_each")
        registry.register(JSONEachModule(recursive: true), named: "json_tree")
        registry.register(DBStatModule(btree: btree), named: "dbstat")
    }
}
