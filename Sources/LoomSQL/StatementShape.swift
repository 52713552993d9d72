// This file implements StatementShape: a parsed SELECT/INSERT/UPDATE/DELETE whose literals in
// safe positions are replaced by hidden parameters, with the key under which the session
// caches the program compiled from it. Layer: L5. Spec: Spec/L6-session.md §Statement cache
// (SC1–SC10).
import LoomRecord

/// A statement's shape: the statement with its safe literals turned into parameters
/// `1 ... values.count` (hidden: the statement declares no parameters of its own), the
/// literals' values, and the key (the statement's text with each such literal replaced by a
/// marker of its kind). Two statements with the same key parse to the same rewritten
/// statement, so one compiled program serves both (Spec/L6-session.md SC2).
package struct StatementShape {
    package var statement: Statement
    package var values: [Value]
    package var key: [UInt8]
    /// Where each hidden parameter's literal was, by parameter number (1 is first).
    package var spans: [SourceSpan]
    /// Each hidden parameter's kind marker in the key (`i`, `r`, `t`, `b`), by number.
    package var kinds: [UInt8]

    /// At most this many literals are parametrized (larger statements are not cached).
    static let maximumValues = 256

    /// The shape of `statement` (text `sql`, ending at `end`), or nil when it is not cached:
    /// not a SELECT/INSERT/UPDATE/DELETE, has parameters of its own, names a table-valued
    /// function, or has no literal in a safe position (SC1).
    package init?(_ statement: Statement, sql: String, end: Int) {
        guard statement.parameterCount == 0 else { return nil }
        var collector = Collector()
        var rewritten = statement
        switch statement.kind {
        case .select(var select):
            guard case .select(var clause) = select.first else { return nil }
            if let from = clause.from, !Collector.plain(from) { return nil }
            guard var w = clause.where else { return nil }
            collector.whereClause(&w)
            guard !collector.failed, !collector.spans.isEmpty else { return nil }
            clause.where = w
            select.first = .select(clause)
            rewritten.kind = .select(select)
        case .insert(var insert):
            guard case .select(var select) = insert.source, select.compounds.isEmpty, select.with == nil,
                  select.orderBy.isEmpty, select.limit == nil, case .values(var rows) = select.first
            else { return nil }
            for r in rows.indices {
                for i in rows[r].indices { collector.value(&rows[r][i]) }
            }
            guard !collector.failed, !collector.spans.isEmpty else { return nil }
            select.first = .values(rows)
            insert.source = .select(select)
            rewritten.kind = .insert(insert)
        case .update(var update):
            if let from = update.from, !Collector.plain(from) { return nil }
            for i in update.sets.indices { collector.value(&update.sets[i].value) }
            if var w = update.where {
                collector.whereClause(&w)
                update.where = w
            }
            guard !collector.failed, !collector.spans.isEmpty else { return nil }
            rewritten.kind = .update(update)
        case .delete(var delete):
            guard var w = delete.where else { return nil }
            collector.whereClause(&w)
            guard !collector.failed, !collector.spans.isEmpty else { return nil }
            delete.where = w
            rewritten.kind = .delete(delete)
        default:
            return nil
        }
        // The key: the text with each parametrized literal replaced by 0x00 and its kind.
        // (Only the statement's bytes are read: `sql` may be a whole script.)
        let spans = collector.spans.count < 2 ? collector.spans
            : collector.spans.sorted(by: { $0.0.start < $1.0.start })
        let start = statement.span.start
        let build = { (bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? in
            guard start >= 0, start <= end, end <= bytes.count else { return nil }
            var key: [UInt8] = []
            key.reserveCapacity(end - start + 2 * spans.count)
            var at = start
            for (span, kind) in spans {
                guard span.start >= at, span.end <= end, span.start <= span.end else { return nil }
                key.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[at..<span.start]))
                key.append(0)
                key.append(kind)
                at = span.end
            }
            key.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[at..<end]))
            return key
        }
        // (A native string's bytes are contiguous; a bridged one is copied once.)
        let made = sql.utf8.withContiguousStorageIfAvailable(build) ?? Array(sql.utf8).withUnsafeBufferPointer(build)
        guard let key = made else { return nil }
        self.statement = rewritten
        self.values = collector.values
        self.key = key
        self.spans = collector.spans.map(\.0)
        self.kinds = collector.spans.map(\.1)
    }

    /// Walks the safe positions, replacing literals by parameters in order.
    private struct Collector {
        var values: [Value] = []
        var spans: [(SourceSpan, UInt8)] = []
        var failed = false

        /// A FROM clause of plain tables and subqueries (no table-valued function).
        static func plain(_ from: FromClause) -> Bool {
            func ok(_ t: TableOrSubquery) -> Bool {
                switch t {
                case .table: return true
                case .function: return false
                case .subquery: return true
                case .join(let f): return plain(f)
                }
            }
            return ok(from.first) && from.joins.allSatisfy { ok($0.table) }
        }

        /// Replaces `e` by the next hidden parameter when it is a literal of a cached kind.
        mutating func value(_ e: inout Expr) {
            guard case .literal(let literal) = e.kind else { return }
            let v: Value, kind: UInt8
            switch literal {
            case .integer(let i): v = .integer(i); kind = UInt8(ascii: "i")
            case .real(let d): v = .real(d); kind = UInt8(ascii: "r")
            case .string(let s): v = .text(s); kind = UInt8(ascii: "t")
            case .blob(let b): v = .blob(b); kind = UInt8(ascii: "b")
            default: return  // NULL, TRUE/FALSE, CURRENT_*, too-large integers
            }
            guard values.count < StatementShape.maximumValues else { failed = true; return }
            values.append(v)
            spans.append((e.span, kind))
            e = Expr(.parameter(Parameter(index: values.count, name: nil)), span: e.span)
        }

        /// A comparison operand: a literal, or literals joined by `||` (speedtest1's
        /// `c BETWEEN 'x' AND ('x'||'~')`). A concatenation's value is all the compiler takes
        /// from it, so its literals are as safe as a bare one.
        mutating func operand(_ e: inout Expr) {
            guard case .binary(.concat, var l, var r) = e.kind else { value(&e); return }
            operand(&l); operand(&r)
            e = Expr(.binary(.concat, l, r), span: e.span)
        }

        static func isColumn(_ e: Expr) -> Bool {
            if case .column = e.kind { return true }
            return false
        }

        /// The WHERE clause: through AND/OR/NOT to comparisons of a column with an operand,
        /// `column BETWEEN operand AND operand`, `column IN (operand, …)`.
        mutating func whereClause(_ e: inout Expr) {
            switch e.kind {
            case .binary(let op, var l, var r):
                switch op {
                case .and, .or:
                    whereClause(&l); whereClause(&r)
                case .equal, .is, .less, .lessEqual, .greater, .greaterEqual:
                    if Collector.isColumn(l) { operand(&r) } else if Collector.isColumn(r) { operand(&l) } else { return }
                default:
                    return
                }
                e = Expr(.binary(op, l, r), span: e.span)
            case .unary(.not, var operand):
                whereClause(&operand)
                e = Expr(.unary(.not, operand), span: e.span)
            case .between(let x, let negated, var low, var high):
                guard Collector.isColumn(x) else { return }
                operand(&low); operand(&high)
                e = Expr(.between(x, negated: negated, low: low, high: high), span: e.span)
            case .inList(let x, let negated, var list):
                guard Collector.isColumn(x) else { return }
                for i in list.indices { operand(&list[i]) }
                e = Expr(.inList(x, negated: negated, list), span: e.span)
            default:
                return
            }
        }
    }
}
