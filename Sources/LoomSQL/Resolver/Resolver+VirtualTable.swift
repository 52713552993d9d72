// This file implements name resolution for virtual tables: connecting a table named in the
// schema (xConnect) and reading its declared columns, eponymous tables, and table-valued
// function syntax `FROM f(a, b)` whose arguments constrain the HIDDEN columns in order.
// Layer: L5. Spec: Spec/L5-sql.md §Virtual tables.
import LoomBase
import LoomRecord
import LoomVDBE

extension Compilation {
    /// The virtual table `table` connected through the connection's registry, with the
    /// columns its module declared. Throws "no such module: X" for an unknown module.
    package func connectVirtualTable(_ table: Table) throws -> (table: Table, reference: VirtualTableReference) {
        let key = table.name.lowercasedASCII
        guard let module = table.virtualModule else {
            throw DatabaseError(.internal, "\(table.name) is not a virtual table")
        }
        if let pre = schema.preconnectedVirtualTables[key] { return pre }
        guard let registry = schema.virtualTables else {
            throw DatabaseError(.error, "no such module: \(module)")
        }
        let connected = try registry.table(named: table.name, module: module, arguments: table.virtualArguments,
                                           sql: table.sql)
        if let cached = schema.connectedVirtualTables[key], cached.reference.table === connected {
            return cached
        }
        var result = try Compilation.declaredTable(connected.declaredSchema, name: table.name)
        result.virtualModule = module
        result.virtualArguments = table.virtualArguments
        result.sql = table.sql
        let entry = (table: result, reference: VirtualTableReference(table: connected, name: table.name))
        schema.connectedVirtualTables[key] = entry
        return entry
    }

    /// An eponymous virtual table named `name` (`pragma_table_info`, `json_each`, …), or nil.
    /// Eponymous tables live in `main`: a name qualified by another schema is not one.
    func eponymousTable(named name: String, schema schemaName: String? = nil) -> Table? {
        if let schemaName, !schemaName.equalsIgnoringCase("main") { return nil }
        guard let registry = schema.virtualTables, let module = registry.module(named: name),
              module.kind != .ordinary else { return nil }
        var t = Table(name: name, columns: [], rootPage: 0, sql: nil)
        t.virtualModule = name
        return t
    }

    /// The columns of a module's `CREATE TABLE` declaration; the word HIDDEN in a column's
    /// type marks it hidden and is removed from the type (vtab.html §2.1.1).
    static func declaredTable(_ declaration: String, name: String) throws -> Table {
        var parser = Parser(sql: declaration)
        guard let (statement, _) = try? parser.parseNext(from: 0), case .createTable(let create) = statement.kind,
              var table = try? Table.define(create, rootPage: 0, sql: nil).table else {
            throw DatabaseError(.error, "vtable constructor did not declare schema: \(name)")
        }
        table.name = name
        for i in table.columns.indices {
            let words = table.columns[i].declaredType.split(separator: " ", omittingEmptySubsequences: true)
            guard words.contains(where: { String($0).equalsIgnoringCase("hidden") }) else { continue }
            let type = words.filter { !String($0).equalsIgnoringCase("hidden") }.joined(separator: " ")
            table.columns[i].declaredType = type
            table.columns[i].affinity = Affinity(declaredType: type)
            table.columns[i].isHidden = true
        }
        return table
    }
}

extension Resolver {
    /// xFindFunction: when `leftmost` is a column of a virtual table in scope, that table's
    /// overload of `name` with `argumentCount` arguments, if it has one.
    func virtualOverload(_ name: String, argumentCount: Int, leftmost: RExpr?, scope: Scope?) -> FunctionDefinition? {
        guard case .column(let column, _, _, _)? = leftmost else { return nil }
        var s = scope
        while let current = s {
            if let source = current.sources.first(where: { $0.cursor == column.cursor }) {
                return source.virtualTable?.table.findFunction(named: name.lowercasedASCII, argumentCount: argumentCount)
            }
            s = current.parent
        }
        return nil
    }

    /// `call` with its definition replaced by the virtual table's overload, if any.
    func overloaded(_ call: RExpr, leftmost: RExpr?, scope: Scope?) -> RExpr {
        guard case .function(let ref, let args) = call, ref.definition != nil,
              let f = virtualOverload(ref.name, argumentCount: args.count, leftmost: leftmost, scope: scope) else { return call }
        return .function(FunctionRef(name: ref.name, argumentCount: ref.argumentCount, definition: f), args)
    }

    /// `x MATCH y` when no virtual table consumes it: SQLite's default match() fails.
    static let matchFunction = FunctionDefinition(name: "match", argumentCount: 2, body: .scalar({ _, _ in
        throw DatabaseError(.error, "unable to use function MATCH in the requested context")
    }))

    /// A FROM item reading virtual table `table` (a schema table or an eponymous one).
    func virtualSource(_ table: Table, alias: String?) throws -> SourceItem {
        try c.checkTrustedVirtualTable(table)
        let (connected, reference) = try c.connectVirtualTable(table)
        var source = SourceItem(table: connected, exposedName: alias ?? connected.name, cursor: c.builder.allocateCursor())
        source.virtualTable = reference
        return source
    }

    /// `FROM name(args)`: the table-valued function `name` (a virtual table with HIDDEN
    /// columns). Its arguments are resolved once the whole FROM clause is known
    /// (`resolveTableArguments`), since they may name tables to the right.
    func tableFunctionSource(name: String, arguments: [Expr], alias: String?) throws -> SourceItem {
        let table: Table
        if let t = c.schema.table(named: name) {
            guard t.isVirtual else { throw c.error("'\(name)' is not a function", at: nil) }
            table = t
        } else if let t = c.eponymousTable(named: name) {
            table = t
        } else {
            throw c.error("no such table: \(name)", at: nil)
        }
        let source = try virtualSource(table, alias: alias)
        let hidden = source.table.columns.filter(\.isHidden).count
        if arguments.count > hidden {
            throw c.error("too many arguments on \(name)() - max \(hidden)", at: nil)
        }
        c.pendingTableArguments.append((source.cursor, name, arguments))
        return source
    }

    /// Turns the pending arguments of table-valued functions of `scope` into `hidden_k =
    /// arg_k` terms of their item's ON condition (so a LEFT JOIN keeps them with its table).
    func resolveTableArguments(since start: Int, in scope: Scope) throws {
        guard c.pendingTableArguments.count > start else { return }
        let pending = Array(c.pendingTableArguments[start...])
        c.pendingTableArguments.removeSubrange(start...)
        for p in pending {
            guard let k = scope.sources.firstIndex(where: { $0.cursor == p.cursor }) else { continue }
            let source = scope.sources[k]
            let hidden = source.table.columns.indices.filter { source.table.columns[$0].isHidden }
            for (i, e) in p.arguments.enumerated() where i < hidden.count {
                let value = try resolve(e, in: scope, context: .on)
                let term = RExpr.compare(.eq, columnExpr(source, hidden[i]), value)
                scope.sources[k].on = scope.sources[k].on.map { .binary(.and, $0, term) } ?? term
            }
        }
    }
}
