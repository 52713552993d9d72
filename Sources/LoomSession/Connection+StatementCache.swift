// This file implements the connection's statement cache: programs compiled from a statement
// shape (StatementShape: the text with its safe literals as hidden parameters), reused by
// later statements of the same shape, which only bind their literals. Layer: L6.
// Spec: Spec/L6-session.md §Statement cache (SC1–SC8).
import LoomRecord
import LoomVDBE
import LoomSQL

/// Programs by shape key, valid for one schema object, flag generation and text encoding
/// (SC5). Cleared when full (SC6).
final class StatementCache {
    static let capacity = 64
    /// The schema the entries were compiled against (compared by identity).
    weak var schema: Schema?
    var flagsGeneration: UInt64 = 0
    var encoding: TextEncoding = .utf8
    /// False when the schema has a partial index or a virtual table (SC1).
    var usable = false
    var entries: [[UInt8]: (program: Program, kind: StatementKind)] = [:]

    func clear() {
        entries.removeAll(keepingCapacity: true)
        schema = nil
    }
}

extension Connection {
    /// True when no authorizer is bound to this compilation (SC1: an authorizer sees every
    /// compile, so nothing is cached or reused while one is set).
    static var authorizerActive: Bool {
        Authorization.everInstalled.load(ordering: .relaxed) && Authorization.current != nil
    }

    /// Compiles the statement at `offset` of `sql` against `schema` through the statement
    /// cache: a statement whose shape was compiled before reuses that program with its own
    /// literal values; any other statement that may change compilation clears the cache.
    func compileCached(_ sql: String, from offset: Int, schema: Schema) throws -> PreparedStatement? {
        var parser = Parser(sql: sql)
        guard let (statement, end) = try parser.parseNext(from: offset) else { return nil }
        switch statement.kind {
        case .select, .insert, .update, .delete:
            break
        case .begin, .commit, .rollback, .savepoint, .release:
            return try compileParsed(statement, end: end, sql: sql, schema: schema)
        default:
            statementCache.clear()
            return try compileParsed(statement, end: end, sql: sql, schema: schema)
        }
        guard !Connection.authorizerActive, let shape = StatementShape(statement, sql: sql, end: end) else {
            return try compileParsed(statement, end: end, sql: sql, schema: schema)
        }
        let cache = statementCache
        let encoding = context.databases.first??.btree.textEncoding ?? .utf8
        if cache.schema !== schema || cache.flagsGeneration != context.flagsGeneration || cache.encoding != encoding {
            cache.clear()
            cache.schema = schema
            cache.flagsGeneration = context.flagsGeneration
            cache.encoding = encoding
            cache.usable = Connection.cacheable(schema)
        }
        guard cache.usable else { return try compileParsed(statement, end: end, sql: sql, schema: schema) }
        let text = Compiler.statementText(statement, end: end, sql: sql)
        if let entry = cache.entries[shape.key] {
            return PreparedStatement(program: entry.program, kind: entry.kind, sql: text, end: end,
                                     hiddenBindings: shape.values)
        }
        var prepared = try compileParsed(shape.statement, end: end, sql: sql, schema: schema)
        prepared.sql = text
        prepared.hiddenBindings = shape.values
        // Only programs that verify the schema cookies they rely on when they start (SC7).
        if Connection.verifiesSchema(prepared) {
            if cache.entries.count >= StatementCache.capacity { cache.entries.removeAll(keepingCapacity: true) }
            cache.entries[shape.key] = (prepared.program, prepared.kind)
        }
        return prepared
    }

    /// Compiles one parsed statement with this connection's user functions and collations.
    private func compileParsed(_ statement: Statement, end: Int, sql: String, schema: Schema) throws -> PreparedStatement {
        try withUserCollations {
            if userFunctions.isEmpty {
                return try Compiler.prepare(parsed: statement, end: end, sql: sql, schema: schema)
            }
            return try FunctionRegistry.$connectionFunctions.withValue(userFunctions) {
                try Compiler.prepare(parsed: statement, end: end, sql: sql, schema: schema)
            }
        }
    }

    /// False when `schema` (or a linked one) has a partial index, whose usability can depend
    /// on a literal, or a virtual table, whose planning sees constraint values (SC1).
    static func cacheable(_ schema: Schema) -> Bool {
        for s in [schema] + schema.linked {
            if s.indexes.values.contains(where: { $0.whereClause != nil }) { return false }
            if s.allTables.contains(where: { $0.isVirtual }) { return false }
        }
        return true
    }
}
