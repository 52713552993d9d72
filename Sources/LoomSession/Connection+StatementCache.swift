// This file implements the connection's statement cache: programs compiled from a statement
// shape (StatementShape: the text with its safe literals as hidden parameters), reused by
// later statements of the same shape, which only bind their literals; and found again from
// the statement's tokens alone (LexicalShape), without parsing. Layer: L6.
// Spec: Spec/L6-session.md §Statement cache (SC1–SC10).
import LoomRecord
import LoomVDBE
import LoomSQL

/// Programs by shape key, valid for one schema object, flag generation and text encoding
/// (SC5). Cleared when full (SC6).
package final class StatementCache {
    static let capacity = 64
    /// The schema the entries were compiled against (compared by identity).
    weak var schema: Schema?
    var flagsGeneration: UInt64 = 0
    var encoding: TextEncoding = .utf8
    /// False when the schema has a partial index or a virtual table (SC1).
    var usable = false
    var entries: [[UInt8]: (program: Program, kind: StatementKind)] = [:]
    /// The same programs by lexical key (SC10), with the roles of the statement's literals.
    var lexical: [[UInt8]: LexicalEntry] = [:]
    /// How statements were found: by their tokens, by their parsed shape (for tests).
    package internal(set) var lexicalHits = 0
    package internal(set) var shapeHits = 0

    struct LexicalEntry {
        var program: Program
        var kind: StatementKind
        var roles: [LexicalShape.Role]
        var parameterCount: Int
    }

    func clear() {
        clearEntries()
        schema = nil
    }

    /// Empties both maps (SC6: a full cache starts again), keeping its validity.
    func clearEntries() {
        entries.removeAll(keepingCapacity: true)
        lexical.removeAll(keepingCapacity: true)
    }

    /// Whether the entries were compiled for `schema`, `flagsGeneration` and `encoding` (SC5).
    func isValid(schema: Schema, flagsGeneration: UInt64, encoding: TextEncoding) -> Bool {
        self.schema === schema && self.flagsGeneration == flagsGeneration && self.encoding == encoding
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
        let cache = statementCache
        let encoding = context.databases.first??.btree.textEncoding ?? .utf8
        // SC10: a statement whose tokens match a cached one's runs its program unparsed. (The
        // tokens, once lexed, also serve to record the statement below.)
        var lexical: LexicalShape? = nil
        if !cache.lexical.isEmpty, cache.usable,
           cache.isValid(schema: schema, flagsGeneration: context.flagsGeneration, encoding: encoding),
           !Connection.authorizerActive {
            lexical = LexicalShape(sql, from: offset)
            if let lexical, let entry = cache.lexical[lexical.key],
               let values = lexical.values(sql, roles: entry.roles, parameterCount: entry.parameterCount) {
                cache.lexicalHits &+= 1
                return PreparedStatement(program: entry.program, kind: entry.kind,
                                         sql: Compiler.statementText(start: lexical.start, end: lexical.end, sql: sql),
                                         end: lexical.end, hiddenBindings: values)
            }
        }
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
        if !cache.isValid(schema: schema, flagsGeneration: context.flagsGeneration, encoding: encoding) {
            cache.clear()
            cache.schema = schema
            cache.flagsGeneration = context.flagsGeneration
            cache.encoding = encoding
            cache.usable = Connection.cacheable(schema)
        }
        guard cache.usable else { return try compileParsed(statement, end: end, sql: sql, schema: schema) }
        let text = Compiler.statementText(start: statement.span.start, end: end, sql: sql)
        if let entry = cache.entries[shape.key] {
            cache.shapeHits &+= 1
            rememberLexically(lexical, sql, from: offset, statement: statement, end: end, shape: shape,
                              program: entry.program, kind: entry.kind)
            return PreparedStatement(program: entry.program, kind: entry.kind, sql: text, end: end,
                                     hiddenBindings: shape.values)
        }
        var prepared = try compileParsed(shape.statement, end: end, sql: sql, schema: schema)
        prepared.sql = text
        prepared.hiddenBindings = shape.values
        // Only programs that verify the schema cookies they rely on when they start (SC7).
        if Connection.verifiesSchema(prepared) {
            if cache.entries.count >= StatementCache.capacity { cache.clearEntries() }
            cache.entries[shape.key] = (prepared.program, prepared.kind)
            rememberLexically(lexical, sql, from: offset, statement: statement, end: end, shape: shape,
                              program: prepared.program, kind: prepared.kind)
        }
        return prepared
    }

    /// Records the lexical key of the statement just found by its shape (SC10), when its
    /// tokens and the parse agree on where it starts and ends and each hidden parameter is
    /// one literal token. `lexed`: the statement's tokens when the lexical lookup made them.
    private func rememberLexically(_ lexed: LexicalShape?, _ sql: String, from offset: Int, statement: Statement,
                                   end: Int, shape: StatementShape, program: Program, kind: StatementKind) {
        let cache = statementCache
        guard let lexical = lexed ?? LexicalShape(sql, from: offset), lexical.start == statement.span.start,
              lexical.end == end, cache.lexical[lexical.key] == nil,
              let roles = lexical.roles(sql, spans: shape.spans, kinds: shape.kinds) else { return }
        if cache.lexical.count >= StatementCache.capacity { cache.clearEntries() }
        cache.lexical[lexical.key] = StatementCache.LexicalEntry(
            program: program, kind: kind, roles: roles, parameterCount: shape.values.count)
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
