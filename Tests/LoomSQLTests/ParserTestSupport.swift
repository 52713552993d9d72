// This file implements test helpers for the parser tests: parsing shortcuts and a renderer
// that prints an expression fully parenthesised, so precedence can be checked as text.
// Layer: L5 tests. Spec: Spec/L5-sql.md, section "Lexer and parser".
@testable import LoomSQL
import LoomBase

func parseOne(_ sql: String) throws -> Statement {
    var p = Parser(sql: sql)
    guard let (s, _) = try p.parseNext(from: 0) else { throw DatabaseError(.error, "empty") }
    return s
}

/// The expression of `SELECT <expr>`.
func parseExpr(_ text: String) throws -> Expr {
    let s = try parseOne("SELECT " + text)
    guard case .select(let sel) = s.kind, case .select(let core) = sel.first,
          case .expr(let e, _) = core.columns.first else { throw DatabaseError(.error, "not an expr") }
    return e
}

/// Parse error (message, offset) for `sql`, or nil when every statement parses.
func parseError(_ sql: String) -> (String, Int?)? {
    var p = Parser(sql: sql)
    do {
        _ = try p.parseAll()
        return nil
    } catch let e as DatabaseError {
        return (e.message, e.offset)
    } catch {
        return ("\(error)", nil)
    }
}

func renderExpr(_ e: Expr) -> String {
    switch e.kind {
    case .literal(let l):
        switch l {
        case .integer(let v): return "\(v)"
        case .bigInteger(let s): return s
        case .real(let d): return "\(d)"
        case .string(let s): return "'\(s)'"
        case .blob(let b): return "x'\(b.map { String($0, radix: 16) }.joined())'"
        case .null: return "NULL"
        case .boolean(let b): return b ? "TRUE" : "FALSE"
        case .currentTime: return "CURRENT_TIME"
        case .currentDate: return "CURRENT_DATE"
        case .currentTimestamp: return "CURRENT_TIMESTAMP"
        }
    case .column(let c): return [c.schema, c.table, c.column].compactMap { $0 }.joined(separator: ".")
    case .parameter(let p): return "?\(p.index)"
    case .unary(let op, let x):
        let o: String
        switch op { case .negate: o = "-"; case .plus: o = "+"; case .bitNot: o = "~"; case .not: o = "NOT " }
        return "(\(o)\(renderExpr(x)))"
    case .binary(let op, let a, let b):
        let o: String
        switch op {
        case .or: o = "OR"; case .and: o = "AND"; case .equal: o = "="; case .notEqual: o = "!="
        case .is: o = "IS"; case .isNot: o = "IS NOT"; case .less: o = "<"; case .lessEqual: o = "<="
        case .greater: o = ">"; case .greaterEqual: o = ">="; case .bitAnd: o = "&"; case .bitOr: o = "|"
        case .shiftLeft: o = "<<"; case .shiftRight: o = ">>"; case .add: o = "+"; case .subtract: o = "-"
        case .multiply: o = "*"; case .divide: o = "/"; case .remainder: o = "%"; case .concat: o = "||"
        case .jsonExtract: o = "->"; case .jsonExtractText: o = "->>"
        }
        return "(\(renderExpr(a)) \(o) \(renderExpr(b)))"
    case .like(let op, let neg, let a, let p, let esc):
        let o = "\(op)".uppercased()
        return "(\(renderExpr(a)) \(neg ? "NOT " : "")\(o) \(renderExpr(p))\(esc.map { " ESCAPE " + renderExpr($0) } ?? ""))"
    case .between(let a, let neg, let l, let h):
        return "(\(renderExpr(a)) \(neg ? "NOT " : "")BETWEEN \(renderExpr(l)) AND \(renderExpr(h)))"
    case .inList(let a, let neg, let list):
        return "(\(renderExpr(a)) \(neg ? "NOT " : "")IN (\(list.map(renderExpr).joined(separator: ", "))))"
    case .inSelect(let a, let neg, _): return "(\(renderExpr(a)) \(neg ? "NOT " : "")IN (SELECT))"
    case .inTable(let a, let neg, _, let name, _): return "(\(renderExpr(a)) \(neg ? "NOT " : "")IN \(name))"
    case .isNull(let a): return "(\(renderExpr(a)) ISNULL)"
    case .notNull(let a): return "(\(renderExpr(a)) NOTNULL)"
    case .caseWhen(let op, let whens, let other):
        var s = "CASE"
        if let op { s += " " + renderExpr(op) }
        for w in whens { s += " WHEN \(renderExpr(w.when)) THEN \(renderExpr(w.then))" }
        if let other { s += " ELSE " + renderExpr(other) }
        return s + " END"
    case .cast(let x, let t): return "CAST(\(renderExpr(x)) AS \(t))"
    case .collate(let x, let c): return "(\(renderExpr(x)) COLLATE \(c))"
    case .exists: return "EXISTS(SELECT)"
    case .subquery: return "(SELECT)"
    case .function(let f):
        switch f.arguments {
        case .star: return "\(f.name)(*)"
        case .list(let a): return "\(f.name)(\(f.distinct ? "DISTINCT " : "")\(a.map(renderExpr).joined(separator: ", ")))"
        }
    case .raise(let a, let m): return "RAISE(\(a)\(m.map { ", " + renderExpr($0) } ?? ""))"
    case .row(let list): return "(\(list.map(renderExpr).joined(separator: ", ")))"
    }
}
