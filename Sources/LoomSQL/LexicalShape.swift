// This file implements LexicalShape: a statement seen as tokens only, with every literal
// token masked, so the session's statement cache can find a statement compiled before
// without parsing it again. Layer: L5. Spec: Spec/L6-session.md §Statement cache (SC10).
import LoomRecord

/// The statement at an offset of a SQL text as its lexer sees it: the key (the statement's
/// bytes from its first token to the end of its last, without the ';', with each literal
/// token — integer, float, string, blob — replaced by 0x00 and a kind byte), its literal
/// tokens in text order, where it starts (its first token) and ends
/// (past its ';', or the end of the text, as `Parser.parseNext` reports it).
///
/// Two statements with equal keys are the same token sequence but for their literals, so
/// they parse alike wherever their literals agree. `LexicalShape.Role` records, for a
/// statement of a cached shape, which literal tokens became hidden parameters (SC2) and the
/// exact text of the others; a later statement with the same key and those same texts
/// parses to the same rewritten statement (SC3) and can run the cached program.
package struct LexicalShape {
    package var key: [UInt8]
    package var literals: [Token]
    package var start: Int
    package var end: Int

    /// What a literal token of a cached statement is: hidden parameter `parameter` (1-based)
    /// of kind `kind` (the shape's marker: `i`, `r`, `t`, `b`), or a literal compiled into the
    /// program, which must be spelled `text` exactly.
    package enum Role: Sendable {
        case parameter(Int, kind: UInt8)
        case fixed(text: [UInt8])
    }

    /// The longest statement looked at (longer ones are parsed as usual).
    static let maximumLength = 4096

    /// The statement at UTF-8 offset `offset` of `sql`, or nil when there is none, it holds a
    /// token no cached statement can (a parameter of its own, an unrecognized token) or it
    /// is longer than `maximumLength`.
    package init?(_ sql: String, from offset: Int) {
        var sql = sql
        guard let made = sql.withUTF8({ LexicalShape.make($0, from: offset) }) else { return nil }
        self = made
    }

    private init(key: [UInt8], literals: [Token], start: Int, end: Int) {
        self.key = key; self.literals = literals; self.start = start; self.end = end
    }

    private static func make(_ whole: UnsafeBufferPointer<UInt8>, from offset: Int) -> LexicalShape? {
        let bytes = UnsafeBufferPointer(rebasing: whole[0..<Lexer.lengthBeforeNUL(whole)])
        guard offset >= 0, offset <= bytes.count else { return nil }
        var at = offset
        var first: Token
        // Leading space and ';' belong to no statement (as in parseNext).
        repeat {
            first = Lexer.token(in: bytes, at: at)
            at = first.end
        } while first.kind == .space || first.kind == .semicolon
        guard first.kind != .end else { return nil }
        let start = first.start
        var literals: [Token] = []
        var token = first
        var end = bytes.count
        var last = first.end
        while true {
            switch token.kind {
            case .integer, .float, .string, .blob:
                literals.append(token)
            case .variable, .register, .illegal:
                return nil
            case .semicolon:
                end = token.end
            default:
                break
            }
            if token.kind == .semicolon || token.kind == .end { break }
            if token.kind != .space { last = token.end }
            guard token.end - start <= maximumLength else { return nil }
            token = Lexer.token(in: bytes, at: token.end)
        }
        var key: [UInt8] = []
        key.reserveCapacity(last - start + literals.count)
        var from = start
        for t in literals {
            key.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[from..<t.start]))
            key.append(0)
            switch t.kind {
            case .integer: key.append(UInt8(ascii: "I"))
            case .float: key.append(UInt8(ascii: "F"))
            case .string: key.append(UInt8(ascii: "S"))
            default: key.append(UInt8(ascii: "B"))
            }
            from = t.end
        }
        key.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[from..<last]))
        return LexicalShape(key: key, literals: literals, start: start, end: end)
    }

    /// The roles of this statement's literal tokens, given the shape of the same statement
    /// (`spans`: each hidden parameter's literal span, by parameter number; `kinds`: its
    /// marker), or nil when a parameter's span is not exactly one literal token (a literal
    /// in parentheses) or the statement is not the one `sql` holds at `start`.
    package func roles(_ sql: String, spans: [SourceSpan], kinds: [UInt8]) -> [Role]? {
        guard spans.count == kinds.count else { return nil }
        var roles: [Role?] = Array(repeating: nil, count: literals.count)
        for (p, span) in spans.enumerated() {
            guard let i = literals.firstIndex(where: { $0.start == span.start && $0.end == span.end }),
                  roles[i] == nil else { return nil }
            roles[i] = .parameter(p + 1, kind: kinds[p])
        }
        var sql = sql
        return sql.withUTF8 { bytes -> [Role]? in
            var out: [Role] = []
            out.reserveCapacity(literals.count)
            for (i, t) in literals.enumerated() {
                if let role = roles[i] { out.append(role); continue }
                guard t.start >= 0, t.end <= bytes.count else { return nil }
                out.append(.fixed(text: Array(UnsafeBufferPointer(rebasing: bytes[t.start..<t.end]))))
            }
            return out
        }
    }

    /// The hidden parameter values of this statement under `roles` (recorded for its key),
    /// or nil when a fixed literal is spelled otherwise or a parameter's literal is not of
    /// the recorded kind (a decimal beyond Int64, a hex literal too big): the statement then
    /// takes the parsing path.
    package func values(_ sql: String, roles: [Role], parameterCount: Int) -> [Value]? {
        guard roles.count == literals.count else { return nil }
        var sql = sql
        return sql.withUTF8 { whole -> [Value]? in
            let bytes = UnsafeBufferPointer(rebasing: whole[0..<Lexer.lengthBeforeNUL(whole)])
            var values = Array(repeating: Value.null, count: parameterCount)
            for (i, t) in literals.enumerated() {
                guard t.start >= 0, t.end <= bytes.count else { return nil }
                switch roles[i] {
                case .fixed(let text):
                    guard text.count == t.end - t.start,
                          text.elementsEqual(UnsafeBufferPointer(rebasing: bytes[t.start..<t.end])) else { return nil }
                case .parameter(let n, let kind):
                    guard n >= 1, n <= parameterCount else { return nil }
                    let v: Value
                    switch (t.kind, kind) {
                    case (.integer, UInt8(ascii: "i")):
                        guard case .integer(let x)? = Parser.integerValue(bytes, t) else { return nil }
                        v = .integer(x)
                    case (.float, UInt8(ascii: "r")):
                        v = .real(Parser.realValue(bytes, t))
                    case (.string, UInt8(ascii: "t")):
                        v = .text(Parser.nameText(bytes, t))
                    case (.blob, UInt8(ascii: "b")):
                        v = .blob(Parser.blobBytes(bytes, t))
                    default:
                        return nil
                    }
                    values[n - 1] = v
                }
            }
            return values
        }
    }
}
