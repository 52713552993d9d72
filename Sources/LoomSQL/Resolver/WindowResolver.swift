// This file implements the resolution of window function calls (`f(…) OVER …`): named windows
// and chaining, frame checks, and SQLite's prepare-time errors. Each call becomes a column of
// the select's window cursor, computed by WindowCodegen. Layer: L5. Spec: Spec/L5-sql.md §Window functions.
import LoomBase
import LoomRecord
import LoomVDBE

/// A frame boundary after resolution (offsets are constant expressions).
package enum RFrameBound {
    case unboundedPreceding
    case preceding(RExpr)
    case currentRow
    case following(RExpr)
    case unboundedFollowing
}

/// One window function call of a select.
package struct WindowCall {
    package var name: String
    package var kind: WindowProgram.Kind
    /// The call's source text (ORDER BY terms repeating a result column's call reuse it).
    package var text: String
    /// Identity of the window (PARTITION BY, ORDER BY, frame as SQLite compares windows, with
    /// the fixed frames SQLite gives ranking functions): calls with equal keys share one sort.
    package var windowKey: String
    package var arguments: [RExpr]
    package var filter: RExpr?
    package var partition: [RExpr]
    package var order: [OrderTerm]
    package var unit: WindowProgram.Unit
    package var start: RFrameBound
    package var end: RFrameBound
    package var exclude: WindowProgram.Exclude
    /// An EXCLUDE clause was written (SQLite recomputes each frame then).
    package var excludeWritten: Bool
    /// min()/max() compare with their argument's collation.
    package var argumentCollation: String?
}

/// A window definition after applying its base window (still unresolved AST).
struct EffectiveWindow {
    var partitionBy: [Expr]
    var orderBy: [OrderingTerm]
    var frame: FrameSpec?
}

extension Resolver {
    /// The argument counts the built-in window functions accept.
    static func windowArgumentCounts(_ kind: WindowProgram.Kind) -> ClosedRange<Int> {
        switch kind {
        case .rowNumber, .rank, .denseRank, .percentRank, .cumeDist: return 0 ... 0
        case .ntile, .firstValue, .lastValue: return 1 ... 1
        case .lag, .lead: return 1 ... 3
        case .nthValue: return 2 ... 2
        case .aggregate: return 0 ... 2
        }
    }

    /// `name(…)` without OVER where `name` is a window-only function.
    func checkWindowOnlyFunction(_ call: FunctionCall, expr: Expr) throws {
        let lower = call.name.lowercasedASCII
        if WindowProgram.builtinKind(lower) != nil {
            throw c.error("misuse of window function \(call.name)()", at: expr.span)
        }
    }

    /// Resolves a call with OVER into a column of `select.windowCursor`.
    func resolveWindowCall(_ call: FunctionCall, over: WindowReference, expr: Expr, in scope: Scope?,
                           context: ExprContext, select: ResolvedSelect?, insideAggregate: Bool) throws -> RExpr {
        let lower = call.name.lowercasedASCII
        guard let select, !insideAggregate, select.windowDepth == 0,
              context == .resultColumn || context == .orderBy else {
            throw c.error("misuse of window function \(call.name)()", at: expr.span)
        }
        var argExprs: [Expr] = []
        var star = false
        switch call.arguments {
        case .star: star = true
        case .list(let list): argExprs = list
        }
        let argc = argExprs.count
        let kind: WindowProgram.Kind
        var collationSource = false
        if let k = WindowProgram.builtinKind(lower) {
            if star || !Resolver.windowArgumentCounts(k).contains(argc) {
                throw c.error("wrong number of arguments to function \(call.name)()", at: expr.span)
            }
            if call.filter != nil {
                throw c.error("FILTER clause may only be used with aggregate window functions", at: nil)
            }
            kind = k
        } else if Resolver.isAggregateName(lower, argc: argc) {
            if star && lower != "count" {
                throw c.error("wrong number of arguments to function \(call.name)()", at: expr.span)
            }
            guard let fn = lookupFunction(lower, argc: argc), case .aggregate(let ak) = fn.body else {
                throw c.error("wrong number of arguments to function \(call.name)()", at: expr.span)
            }
            kind = .aggregate(ak)
            collationSource = lower == "min" || lower == "max"
        } else if lookupFunction(lower, argc: argc) != nil {
            throw c.error("\(call.name)() may not be used as a window function", at: expr.span)
        } else if functionExists(lower) {
            throw c.error("wrong number of arguments to function \(call.name)()", at: expr.span)
        } else {
            throw c.error("no such function: \(call.name)", at: expr.span)
        }
        if call.distinct {
            throw c.error("DISTINCT is not supported for window functions", at: expr.span)
        }
        // An ORDER BY term written like a result column's window call is that call.
        let text = c.text(expr.span)
        if context == .orderBy, let k = select.windowCalls.firstIndex(where: { $0.text == text }) {
            return .column(RColumn(cursor: select.windowCursor, column: k), affinity: .blob, collation: nil, notNull: false)
        }
        let window = try effectiveWindow(over, in: select, span: expr.span)
        select.windowDepth += 1
        defer { select.windowDepth -= 1 }
        func r(_ e: Expr) throws -> RExpr {
            try resolve(e, in: scope, context: context, aggregates: select, insideAggregate: false)
        }
        let args = try argExprs.map(r)
        let filter = try call.filter.map(r)
        let partition = try window.partitionBy.map(r)
        var order: [OrderTerm] = []
        for term in window.orderBy {
            var e = try r(term.expr)
            if case .collate(let inner, let name) = e {
                guard let coll = Collation(name: name) else {
                    throw c.error("no such collation sequence: \(name)", at: term.expr.span)
                }
                e = .collate(inner, coll == .binary ? "BINARY" : name.uppercasedASCII)
            }
            order.append(OrderTerm(expr: e, descending: term.order == .descending,
                                   nullsFirst: term.nulls.map { $0 == .first }))
        }
        // Frame (default: RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW).
        var unit = WindowProgram.Unit.range
        var start = RFrameBound.unboundedPreceding, end = RFrameBound.currentRow
        var exclude = WindowProgram.Exclude.noOthers
        if let frame = window.frame {
            switch frame.unit {
            case .rows: unit = .rows
            case .range: unit = .range
            case .groups: unit = .groups
            }
            func bound(_ b: FrameSpec.Bound) throws -> RFrameBound {
                func offset(_ e: Expr) throws -> RExpr {
                    let v = try resolve(e, in: scope, context: .general, aggregates: nil)
                    var used = Set<Int>()
                    v.cursorsUsed(into: &used)
                    return used.isEmpty ? v : .null
                }
                switch b {
                case .unboundedPreceding: return .unboundedPreceding
                case .preceding(let e): return .preceding(try offset(e))
                case .currentRow: return .currentRow
                case .following(let e): return .following(try offset(e))
                case .unboundedFollowing: return .unboundedFollowing
                }
            }
            start = try bound(frame.start)
            end = try frame.end.map(bound) ?? .currentRow
            switch frame.exclude {
            case nil, .noOthers?: exclude = .noOthers
            case .currentRow?: exclude = .currentRow
            case .group?: exclude = .group
            case .ties?: exclude = .ties
            }
            // Start after end in bound order: unsupported.
            func rank(_ b: RFrameBound) -> Int {
                switch b {
                case .unboundedPreceding: return 0
                case .preceding: return 1
                case .currentRow: return 2
                case .following: return 3
                case .unboundedFollowing: return 4
                }
            }
            let rs = rank(start), re = rank(end)
            if rs > re || (rs == 2 && re == 1) || rs == 4 || re == 0 {
                throw c.error("unsupported frame specification", at: expr.span)
            }
            if unit == .range && window.orderBy.count != 1 && (rs == 1 || rs == 3 || re == 1 || re == 3) {
                throw c.error("RANGE with offset PRECEDING/FOLLOWING requires one ORDER BY expression",
                              at: nil)
            }
        }
        // The window's identity, as SQLite compares windows (ranking functions and lag/lead
        // get a fixed frame of their own first).
        var key = "P:" + window.partitionBy.map { c.text($0.span) }.joined(separator: ",")
        key += " O:" + window.orderBy.map { t in
            c.text(t.expr.span) + (t.order == .descending ? " D" : "") + (t.nulls.map { $0 == .first ? " NF" : " NL" } ?? "")
        }.joined(separator: ",")
        func boundKey(_ b: FrameSpec.Bound) -> String {
            switch b {
            case .unboundedPreceding: return "UP"
            case .preceding(let e): return c.text(e.span) + "P"
            case .currentRow: return "CR"
            case .following(let e): return c.text(e.span) + "F"
            case .unboundedFollowing: return "UF"
            }
        }
        switch kind {
        case .rowNumber, .lag: key += " ROWS UP CR"
        case .rank, .denseRank: key += " RANGE UP CR"
        case .percentRank: key += " GROUPS CR UF"
        case .cumeDist: key += " GROUPS F UF"
        case .ntile: key += " ROWS CR UF"
        case .lead: key += " ROWS UP UF"
        default:
            if let f = window.frame {
                let unitName = f.unit == .rows ? "ROWS" : (f.unit == .range ? "RANGE" : "GROUPS")
                key += " \(unitName) \(boundKey(f.start)) \(boundKey(f.end ?? .currentRow))"
                if let x = f.exclude { key += " EXCLUDE \(x)" }
            } else {
                key += " RANGE UP CR"
            }
        }
        let call = WindowCall(name: lower, kind: kind, text: text, windowKey: key, arguments: args, filter: filter, partition: partition,
                              order: order, unit: unit, start: start, end: end, exclude: exclude,
                              excludeWritten: window.frame?.exclude != nil,
                              argumentCollation: collationSource
                                ? args.first.flatMap { $0.explicitCollation ?? $0.columnCollation } : nil)
        if select.windowCursor < 0 { select.windowCursor = c.builder.allocateCursor() }
        select.windowCalls.append(call)
        return .column(RColumn(cursor: select.windowCursor, column: select.windowCalls.count - 1),
                       affinity: .blob, collation: nil, notNull: false)
    }

    /// The definition `over` names or writes, with its base window applied.
    func effectiveWindow(_ over: WindowReference, in select: ResolvedSelect, span: SourceSpan) throws -> EffectiveWindow {
        switch over {
        case .name(let name):
            return try namedWindow(name, in: select, span: span, depth: 0)
        case .definition(let d):
            return try applyBase(d, in: select, span: span, depth: 0)
        }
    }

    private func namedWindow(_ name: String, in select: ResolvedSelect, span: SourceSpan, depth: Int) throws -> EffectiveWindow {
        guard depth < 100, let def = select.namedWindows.last(where: { $0.name.equalsIgnoringCase(name) }) else {
            throw c.error("no such window: \(name)", at: nil)
        }
        return try applyBase(def.definition, in: select, span: span, depth: depth + 1)
    }

    private func applyBase(_ d: WindowDefinition, in select: ResolvedSelect, span: SourceSpan, depth: Int) throws -> EffectiveWindow {
        guard let baseName = d.base else {
            return EffectiveWindow(partitionBy: d.partitionBy, orderBy: d.orderBy, frame: d.frame)
        }
        let base = try namedWindow(baseName, in: select, span: span, depth: depth)
        if !d.partitionBy.isEmpty {
            throw c.error("cannot override PARTITION clause of window: \(baseName)", at: nil)
        }
        if !d.orderBy.isEmpty && !base.orderBy.isEmpty {
            throw c.error("cannot override ORDER BY clause of window: \(baseName)", at: nil)
        }
        if base.frame != nil {
            throw c.error("cannot override frame specification of window: \(baseName)", at: nil)
        }
        return EffectiveWindow(partitionBy: base.partitionBy, orderBy: d.orderBy.isEmpty ? base.orderBy : d.orderBy,
                               frame: d.frame)
    }
}
