// This file implements the public FTS5 extension API: custom tokenizers (`FTS5Tokenizer`,
// `Database.register(tokenizer:)`) usable in `tokenize = '…'`, and custom auxiliary functions
// (`Database.register(fts5Function:)`) receiving an `FTS5Context` for the current row.
// Layer: L7. Spec: Spec/L7-api.md §FTS5, Spec/L8-fts5.md §Custom tokenizers and auxiliary functions.
import LoomBase
import LoomRecord
import LoomVDBE
import LoomFTS5

/// One token a tokenizer produces: the text indexed (or searched), and the UTF-8 byte range
/// of the input it came from (highlight() and snippet() use it).
///
/// ```swift
/// FTS5Token("hello", range: 0..<5)
/// ```
public struct FTS5Token: Sendable, Equatable {
    public var text: String
    /// Byte offsets into `text.utf8` of the tokenized input.
    public var range: Range<Int>
    /// A synonym at the same position as the token before it (`FTS5_TOKEN_COLOCATED`; never
    /// the first token). In a document it is indexed there too, so a query for either word
    /// finds the row. In a query it is ORed with the token before it: `first place` with
    /// "1st" colocated after "first" matches like `(first OR 1st) place`, and is still two
    /// tokens of one phrase for auxiliary functions (fts5.html §Synonym Support). Provide
    /// synonyms for documents or for queries, not both.
    public var isColocated: Bool
    public init(_ text: String, range: Range<Int>, isColocated: Bool = false) {
        self.text = text
        self.range = range
        self.isColocated = isColocated
    }
}

/// Why text is tokenized (`FTS5_TOKENIZE_*`).
public enum FTS5TokenizeReason: Sendable, Equatable {
    /// A row being indexed, or re-read by an auxiliary function.
    case document
    /// A MATCH query.
    case query
    /// A query term ending in `*`: the token is a prefix.
    case prefixQuery
}

/// A tokenizer written in Swift, registered with `Database.register(tokenizer:_:)` and named
/// in `CREATE VIRTUAL TABLE … USING fts5(…, tokenize = 'name args…')` (it may also sit under
/// `porter`: `tokenize = 'porter name'`). Corresponds to `fts5_tokenizer`.
///
/// ```swift
/// /// Comma-separated values, each one token (lower-cased).
/// final class CommaTokenizer: FTS5Tokenizer {
///     func tokenize(_ text: String, reason: FTS5TokenizeReason) -> [FTS5Token] {
///         var tokens: [FTS5Token] = [], start = 0
///         let bytes = Array(text.utf8)
///         for i in 0...bytes.count where i == bytes.count || bytes[i] == UInt8(ascii: ",") {
///             if i > start {
///                 tokens.append(FTS5Token(String(decoding: bytes[start..<i], as: UTF8.self).lowercased(), range: start..<i))
///             }
///             start = i + 1
///         }
///         return tokens
///     }
/// }
/// db.register(tokenizer: "comma") { _ in CommaTokenizer() }
/// try db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'comma')")
/// ```
/// Tokens take one position after another, except colocated synonyms
/// (`FTS5Token.isColocated`). Ranges outside the text are clamped.
public protocol FTS5Tokenizer: AnyObject {
    /// The tokens of `text`, in order.
    func tokenize(_ text: String, reason: FTS5TokenizeReason) -> [FTS5Token]
}

/// The current row of an FTS5 query, as an auxiliary function sees it (SQLite's
/// `Fts5ExtensionApi`). Valid only during the call.
///
/// ```swift
/// db.register(fts5Function: "hits") { context, _ in try context.instances().count }
/// try Int.fetchAll(db, sql: "SELECT hits(t) FROM t WHERE t MATCH 'a OR b'")
/// ```
public final class FTS5Context {
    let context: FTS5AuxiliaryContext
    init(_ context: FTS5AuxiliaryContext) { self.context = context }

    /// One phrase instance: the phrase (query order, from 0), the column, and the token
    /// offset of its first token within the column.
    public struct Instance: Sendable, Equatable {
        public var phrase: Int
        public var column: Int
        public var offset: Int
    }

    /// The table's columns (`xColumnCount`).
    public var columnCount: Int { context.columnCount }
    /// The phrases of the MATCH query; 0 without one (`xPhraseCount`).
    public var phraseCount: Int { context.phraseCount }
    /// The tokens of phrase `phrase` (`xPhraseSize`).
    public func phraseSize(_ phrase: Int) -> Int { context.phraseSize(phrase) }
    /// The rows matching phrase `phrase` on its own (what bm25 counts for its IDF).
    public func phraseRowCount(_ phrase: Int) -> Int { context.phraseRowCount(phrase) }
    /// The current row's rowid (`xRowid`).
    public var rowid: Int64 { get throws { try context.rowid() } }
    /// Column `column` of the current row as text; nil when NULL, out of range or the table
    /// is contentless (`xColumnText`).
    public func columnText(_ column: Int) throws -> String? {
        try context.columnText(column).map { String(decoding: $0, as: UTF8.self) }
    }
    /// The tokens in column `column` of the current row; a negative column: the whole row
    /// (`xColumnSize`).
    public func columnSize(_ column: Int) throws -> Int { try context.columnSize(column) }
    /// The rows in the table (`xRowCount`).
    public func rowCount() throws -> Int64 { try context.rowCount() }
    /// The tokens in column `column` over all rows; negative: every column (`xColumnTotalSize`).
    public func columnTotalSize(_ column: Int) throws -> Int64 { try context.columnTotalSize(column) }
    /// The average tokens per row in `column` (negative: every column), 0 for an empty table.
    public func averageSize(_ column: Int) throws -> Double {
        let rows = try rowCount()
        return rows > 0 ? Double(try columnTotalSize(column)) / Double(rows) : 0
    }
    /// Every phrase instance in the current row, by column, offset, phrase (`xInstCount`,
    /// `xInst`).
    public func instances() throws -> [Instance] {
        try context.instances().map { Instance(phrase: $0.phrase, column: $0.column, offset: $0.offset) }
    }
    /// `text` through the table's tokenizer (`xTokenize`).
    public func tokenize(_ text: String) -> [FTS5Token] {
        context.tokenize(Array(text.utf8)).map {
            FTS5Token(String(decoding: $0.bytes, as: UTF8.self), range: $0.start ..< $0.end, isColocated: $0.colocated)
        }
    }
}

/// A Swift tokenizer on the engine's protocol. Used on the connection's thread only.
final class TokenizerAdapter: LoomFTS5.Tokenizer, @unchecked Sendable {
    let tokenizer: any FTS5Tokenizer
    init(_ tokenizer: any FTS5Tokenizer) { self.tokenizer = tokenizer }
    func tokenize(_ text: [UInt8], reason: TokenizeReason, _ emit: (Token) throws -> Void) rethrows {
        let r: FTS5TokenizeReason
        switch reason {
        case .document: r = .document
        case .query: r = .query
        case .prefixQuery: r = .prefixQuery
        }
        let n = text.count
        for t in tokenizer.tokenize(String(decoding: text, as: UTF8.self), reason: r) {
            let start = min(max(t.range.lowerBound, 0), n)
            let end = min(max(t.range.upperBound, start), n)
            try emit(Token(bytes: Array(t.text.utf8), start: start, end: end, colocated: t.isColocated))
        }
    }
}

extension Database {
    /// Registers a tokenizer under `name` (case-insensitive; replaces a tokenizer of the same
    /// name, built-in ones included) for FTS5 tables of this connection (`xCreateTokenizer`).
    /// `make` receives the words after the name in `tokenize = '…'` and may throw to reject
    /// them ("error in tokenizer constructor").
    ///
    /// ```swift
    /// db.register(tokenizer: "comma") { arguments in CommaTokenizer() }
    /// try db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'comma')")
    /// ```
    public func register(tokenizer name: String, _ make: @escaping (_ arguments: [String]) throws -> any FTS5Tokenizer) {
        guard let module = FTS5Module.module(in: connection.context.virtualTables) else { return }
        module.tokenizers.register(name) { TokenizerAdapter(try make($0)) }
        statementCache.removeAll()
    }

    /// Registers an FTS5 auxiliary function `name` (`xCreateFunction`): `name(t, a, b…)` in
    /// a query on fts5 table `t` calls `body` with the current row's context and `[a, b…]`.
    /// A table's `rank` option or `rank MATCH 'name(…)'` may name it too.
    ///
    /// ```swift
    /// db.register(fts5Function: "firsthit") { context, _ in try context.instances().first?.offset }
    /// try Int.fetchAll(db, sql: "SELECT firsthit(t) FROM t WHERE t MATCH 'b'")
    /// ```
    public func register(fts5Function name: String,
                         _ body: @escaping (FTS5Context, [DatabaseValue]) throws -> (any DatabaseValueConvertible)?) {
        guard let module = FTS5Module.module(in: connection.context.virtualTables) else { return }
        let box = UncheckedBox(body)
        let function = FTS5AuxiliaryFunction(name: name) { context, arguments in
            do {
                return (try box.value(FTS5Context(context), arguments.map(DatabaseValue.init))?.databaseValue ?? .null).engineValue
            } catch {
                throw error as? DatabaseError ?? DatabaseError(.error, "\(error)")
            }
        }
        let definition = module.register(auxiliary: function)
        let key = name.asciiFolded
        var overloads = connection.userFunctions[key] ?? []
        overloads.removeAll { $0.argumentCount == -1 }
        overloads.append(definition)
        connection.userFunctions[key] = overloads
        statementCache.removeAll()
    }
}

/// A closure called only on the connection's thread, carried through `@Sendable` code.
private final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
