// This file implements expression parsing: precedence climbing over SQLite's operator table,
// primaries (literals, names, function calls, CASE, CAST, subqueries, RAISE) and windows.
// Layer: L5 (LoomSQL). Spec: Spec/L5-sql.md, section "Lexer and parser" (invariants P3-P6).
import LoomBase

/// Binding strength of SQLite's binary operators (lang_expr.html, parse.y precedence).
enum Precedence {
    static let or = 1
    static let and = 2
    static let not = 3
    static let equality = 4
    static let comparison = 5
    static let escape = 6
    static let bitwise = 7
    static let additive = 8
    static let multiplicative = 9
    static let concat = 10
    static let collate = 11
    static let unary = 12
}

extension Parser {
    /// Parses a full expression.
    mutating func expr() throws -> Expr { try expr(0) }

    /// Builds a node spanning `start` to the end of the last consumed token, checking
    /// SQLite's expression-depth limit.
    /// (`kind` is consumed: borrowed, it was copied into the node, a retain and release of
    /// its box per node.)
    func node(_ kind: consuming Expr.Kind, from start: Int) throws -> Expr {
        let e = Expr(kind, span: SourceSpan(start: start, end: previousEnd))
        if e.height > Parser.maxExprDepth {
            throw error("Expression tree is too large (maximum depth \(Parser.maxExprDepth))")
        }
        return e
    }

    /// Precedence climbing: parses operators binding at least as tightly as `minLevel`.
    /// `stopAtAnd` leaves a top-level AND for an enclosing BETWEEN.
    mutating func expr(_ minLevel: Int, stopAtAnd: Bool = false) throws -> Expr {
        var lhs = try unary()
        let start = lhs.span.start
        while true {
            let t = current
            switch t.kind {
            case .keyword(.or):
                guard minLevel <= Precedence.or else { return lhs }
                try advance()
                let rhs = try nested(2) { try $0.expr(Precedence.or + 1) }
                lhs = try node(.binary(.or, lhs, rhs), from: start)
            case .keyword(.and):
                guard minLevel <= Precedence.and, !stopAtAnd else { return lhs }
                try advance()
                let rhs = try nested(2) { try $0.expr(Precedence.and + 1) }
                lhs = try node(.binary(.and, lhs, rhs), from: start)
            case .equal, .notEqual:
                guard minLevel <= Precedence.equality else { return lhs }
                try advance()
                let rhs = try nested(2) { try $0.expr(Precedence.equality + 1) }
                lhs = try node(.binary(t.kind == .equal ? .equal : .notEqual, lhs, rhs), from: start)
            case .keyword(.is):
                guard minLevel <= Precedence.equality else { return lhs }
                try advance()
                var negated = try accept(.not)
                if try accept(.distinct) {
                    try expect(.from)
                    negated.toggle()
                }
                let rhs = try nested(2) { try $0.expr(Precedence.equality + 1) }
                if case .literal(.null) = rhs.kind {
                    lhs = try node(negated ? .notNull(lhs) : .isNull(lhs), from: start)
                } else {
                    lhs = try node(.binary(negated ? .isNot : .is, lhs, rhs), from: start)
                }
            case .keyword(.isnull):
                guard minLevel <= Precedence.equality else { return lhs }
                try advance()
                lhs = try node(.isNull(lhs), from: start)
            case .keyword(.notnull):
                guard minLevel <= Precedence.equality else { return lhs }
                try advance()
                lhs = try node(.notNull(lhs), from: start)
            case .keyword(.not):
                guard minLevel <= Precedence.equality else { return lhs }
                try advance()
                if try accept(.null) {
                    lhs = try node(.notNull(lhs), from: start)
                } else {
                    lhs = try equalityTail(lhs, negated: true, start: start)
                }
            case .keyword(.in), .keyword(.like), .keyword(.glob), .keyword(.regexp), .keyword(.match),
                 .keyword(.between):
                guard minLevel <= Precedence.equality else { return lhs }
                lhs = try equalityTail(lhs, negated: false, start: start)
            case .less, .lessEqual, .greater, .greaterEqual:
                guard minLevel <= Precedence.comparison else { return lhs }
                try advance()
                let rhs = try nested(2) { try $0.expr(Precedence.comparison + 1) }
                let op: BinaryOperator = t.kind == .less ? .less : t.kind == .lessEqual ? .lessEqual
                    : t.kind == .greater ? .greater : .greaterEqual
                lhs = try node(.binary(op, lhs, rhs), from: start)
            case .bitAnd, .bitOr, .shiftLeft, .shiftRight:
                guard minLevel <= Precedence.bitwise else { return lhs }
                try advance()
                let rhs = try nested(2) { try $0.expr(Precedence.bitwise + 1) }
                let op: BinaryOperator = t.kind == .bitAnd ? .bitAnd : t.kind == .bitOr ? .bitOr
                    : t.kind == .shiftLeft ? .shiftLeft : .shiftRight
                lhs = try node(.binary(op, lhs, rhs), from: start)
            case .plus, .minus:
                guard minLevel <= Precedence.additive else { return lhs }
                try advance()
                let rhs = try nested(2) { try $0.expr(Precedence.additive + 1) }
                lhs = try node(.binary(t.kind == .plus ? .add : .subtract, lhs, rhs), from: start)
            case .star, .slash, .percent:
                guard minLevel <= Precedence.multiplicative else { return lhs }
                try advance()
                let rhs = try nested(2) { try $0.expr(Precedence.multiplicative + 1) }
                let op: BinaryOperator = t.kind == .star ? .multiply : t.kind == .slash ? .divide : .remainder
                lhs = try node(.binary(op, lhs, rhs), from: start)
            case .concat, .pointer:
                guard minLevel <= Precedence.concat else { return lhs }
                try advance()
                let rhs = try nested(2) { try $0.expr(Precedence.concat + 1) }
                let op: BinaryOperator = t.kind == .concat ? .concat : (t.end - t.start == 3 ? .jsonExtractText : .jsonExtract)
                lhs = try node(.binary(op, lhs, rhs), from: start)
            case .keyword(.collate):
                guard minLevel <= Precedence.collate else { return lhs }
                try advance()
                let name = try collationName()
                lhs = try node(.collate(lhs, name), from: start)
            default:
                return lhs
            }
        }
    }

    /// COLLATE's operand: `ids` (an identifier or a string).
    mutating func collationName() throws -> String {
        guard isIds(current) else { throw syntaxError() }
        let s = nameText(current)
        try advance()
        return s
    }

    /// After `lhs [NOT]`: IN, LIKE/GLOB/REGEXP/MATCH [ESCAPE], BETWEEN.
    private mutating func equalityTail(_ lhs: Expr, negated: Bool, start: Int) throws -> Expr {
        switch current.kind {
        case .keyword(.between):
            try advance()
            let low = try nested(2) { try $0.expr(0, stopAtAnd: true) }
            try expect(.and)
            let high = try nested(2) { try $0.expr(Precedence.equality + 1) }
            return try node(.between(lhs, negated: negated, low: low, high: high), from: start)
        case .keyword(.like), .keyword(.glob), .keyword(.regexp), .keyword(.match):
            let op: LikeOperator = isKeyword(.like) ? .like : isKeyword(.glob) ? .glob : isKeyword(.regexp) ? .regexp : .match
            try advance()
            let pattern = try nested(2) { try $0.expr(Precedence.equality + 1) }
            var escape: Expr?
            if try accept(.escape) {
                escape = try nested(2) { try $0.expr(Precedence.escape + 1) }
            }
            return try node(.like(op, negated: negated, lhs, pattern: pattern, escape: escape), from: start)
        case .keyword(.in):
            try advance()
            if current.kind == .leftParen {
                try advance()
                if isKeyword(.select) || isKeyword(.with) || isKeyword(.values) {
                    let s = try nested(3) { try $0.select() }
                    try expect(.rightParen)
                    return try node(.inSelect(lhs, negated: negated, s), from: start)
                }
                var list: [Expr] = []
                if current.kind != .rightParen {
                    list = try nested(3) { try $0.exprList() }
                }
                try expect(.rightParen)
                return try node(.inList(lhs, negated: negated, list), from: start)
            }
            let q = try qualifiedName()
            var args: [Expr]?
            if current.kind == .leftParen {
                try advance()
                args = current.kind == .rightParen ? [] : try nested(3) { try $0.exprList() }
                try expect(.rightParen)
            }
            return try node(.inTable(lhs, negated: negated, schema: q.schema, name: q.name, arguments: args), from: start)
        default:
            throw syntaxError()
        }
    }

    /// expr [, expr]*
    mutating func exprList() throws -> [Expr] {
        // Room for a typical VALUES row or argument list up front (growing 1→2→4→8 was
        // three allocations per row).
        var list: [Expr] = []
        list.reserveCapacity(8)
        list.append(try expr())
        while try accept(.comma) { list.append(try expr()) }
        return list
    }

    /// Prefix operators, then a primary.
    private mutating func unary() throws -> Expr {
        let t = current
        switch t.kind {
        case .keyword(.not):
            try advance()
            let operand = try nested(1, slack: 1) { try $0.expr(Precedence.not) }
            return try node(.unary(.not, operand), from: t.start)
        case .minus, .plus, .bitNot:
            try advance()
            let operand = try nested(1, slack: 1) { try $0.unary() }
            let op: UnaryOperator = t.kind == .minus ? .negate : t.kind == .plus ? .plus : .bitNot
            return try node(.unary(op, operand), from: t.start)
        default:
            return try primary()
        }
    }

    private mutating func primary() throws -> Expr {
        let t = current
        let start = t.start
        switch t.kind {
        case .integer:
            try advance()
            // (The mutating call first: as an argument of `node` it made Swift copy the
            // whole parser to keep `self` stable for `node`.)
            let value = try integerLiteral(t)
            return try node(.literal(value), from: start)
        case .float:
            try advance()
            return try node(.literal(.real(realValue(t))), from: start)
        case .string:
            if peek().kind == .dot { return try columnRef() }
            try advance()
            return try node(.literal(.string(nameText(t))), from: start)
        case .blob:
            try advance()
            return try node(.literal(.blob(blobBytes(t))), from: start)
        case .keyword(.null):
            try advance()
            return try node(.literal(.null), from: start)
        case .keyword(.currentTime), .keyword(.currentDate), .keyword(.currentTimestamp):
            try advance()
            let lit: Literal = t.kind == .keyword(.currentTime) ? .currentTime
                : t.kind == .keyword(.currentDate) ? .currentDate : .currentTimestamp
            return try node(.literal(lit), from: start)
        case .variable:
            try advance()
            let parameter = try variable(t)
            return try node(.parameter(parameter), from: start)
        case .register:
            // SQLite parses `#N` as a term and rejects it in the grammar action.
            try advance()
            actionError("near \"\(text(t))\": syntax error", at: t.start)
            return try node(.literal(.null), from: start)
        case .leftParen:
            return try nested(1) { p in
                try p.advance()
                if p.isKeyword(.select) || p.isKeyword(.with) || p.isKeyword(.values) {
                    let s = try p.select()
                    try p.expect(.rightParen)
                    return try p.node(.subquery(s), from: start)
                }
                let list = try p.exprList()
                try p.expect(.rightParen)
                if list.count == 1, var only = list.first {
                    only.span = SourceSpan(start: start, end: p.previousEnd)
                    return only
                }
                return try p.node(.row(list), from: start)
            }
        case .keyword(.cast):
            try advance()
            return try nested(3) { p in
                try p.expect(.leftParen)
                let e = try p.expr()
                try p.expect(.as)
                let type = try p.typeName() ?? ""
                try p.expect(.rightParen)
                return try p.node(.cast(e, type: type), from: start)
            }
        case .keyword(.case):
            try advance()
            return try nested(5) { p in
                var operand: Expr?
                if !p.isKeyword(.when) { operand = try p.expr() }
                var whens: [WhenThen] = []
                repeat {
                    try p.expect(.when)
                    let w = try p.expr()
                    try p.expect(.then)
                    whens.append(WhenThen(when: w, then: try p.expr()))
                } while p.isKeyword(.when)
                var otherwise: Expr?
                if try p.accept(.else) { otherwise = try p.expr() }
                try p.expect(Keyword.end)
                return try p.node(.caseWhen(operand: operand, whens: whens, otherwise: otherwise), from: start)
            }
        case .keyword(.exists):
            try advance()
            return try nested(1) { p in
                try p.expect(.leftParen)
                let s = try p.select()
                try p.expect(.rightParen)
                return try p.node(.exists(s), from: start)
            }
        case .keyword(.raise):
            try advance()
            try expect(.leftParen)
            let action: RaiseAction
            switch current.kind {
            case .keyword(.ignore): action = .ignore
            case .keyword(.rollback): action = .rollback
            case .keyword(.abort): action = .abort
            case .keyword(.fail): action = .fail
            default: throw syntaxError()
            }
            try advance()
            var message: Expr?
            if action != .ignore {
                try expect(.comma)
                // The message is a name or string token (`nm`), not an expression.
                let m = current
                let text = try name()
                message = try node(.literal(.string(text)), from: m.start)
            }
            try expect(.rightParen)
            return try node(.raise(action, message: message), from: start)
        default:
            if isId(t) || isJoinKeywordToken(t) { return try columnRef() }
            throw syntaxError()
        }
    }

    private func isJoinKeywordToken(_ t: Token) -> Bool {
        if case .keyword(let k) = t.kind { return k.isJoinKeyword }
        return false
    }

    /// id | id(…) | nm.nm | nm.nm.nm, plus bare TRUE/FALSE.
    private mutating func columnRef() throws -> Expr {
        let first = current
        let start = first.start
        if peek().kind == .leftParen, isId(first) {
            return try functionCall()
        }
        try advance()
        if current.kind != .dot {
            if first.kind == .identifier, first.quote == 0, first.end - first.start <= 5 {
                // (ASCII folding of the bytes in place: no non-ASCII letter lower-cases to one
                // of these, and building a String per column reference showed in profiles.)
                if bytesEqualIgnoringCase(first, "true") { return try node(.literal(.boolean(true)), from: start) }
                if bytesEqualIgnoringCase(first, "false") { return try node(.literal(.boolean(false)), from: start) }
            }
            let ref = ColumnRef(column: nameText(first), isDoubleQuoted: first.quote == UInt8(ascii: "\""))
            return try node(.column(ref), from: start)
        }
        try advance()
        let second = try name()
        if current.kind == .dot {
            try advance()
            let third = try name()
            return try node(.column(ColumnRef(schema: nameText(first), table: second, column: third)), from: start)
        }
        return try node(.column(ColumnRef(table: nameText(first), column: second)), from: start)
    }

    /// name ( [DISTINCT|ALL] args | * ) [FILTER (WHERE e)] [OVER window]
    private mutating func functionCall() throws -> Expr {
        let start = current.start
        let name = nameText(current)
        try advance()
        try expect(.leftParen)
        var call = try nested(3) { p -> FunctionCall in
            if p.current.kind == .star {
                try p.advance()
                try p.expect(.rightParen)
                return FunctionCall(name: name, arguments: .star)
            }
            var distinct = false
            if try p.accept(.distinct) { distinct = true } else { _ = try p.accept(.all) }
            var args: [Expr] = []
            if p.current.kind != .rightParen { args = try p.exprList() }
            try p.expect(.rightParen)
            return FunctionCall(name: name, distinct: distinct, arguments: .list(args))
        }
        if isKeyword(.filter), contextualKeywordIsActive {
            try advance()
            try advance()
            try expect(.where)
            call.filter = try nested(3) { try $0.expr() }
            try expect(.rightParen)
        }
        if isKeyword(.over), contextualKeywordIsActive {
            try advance()
            if current.kind == .leftParen {
                call.over = .definition(try windowDefinition())
            } else {
                call.over = .name(try self.name())
            }
            if call.distinct { actionError("DISTINCT is not supported for window functions") }
        }
        return try node(.function(call), from: start)
    }

    /// ( [base] [PARTITION BY …] [ORDER BY …] [frame] ) — current is the '('.
    mutating func windowDefinition() throws -> WindowDefinition {
        try expect(.leftParen)
        return try nested(3) { p in
            var def = WindowDefinition()
            let t = p.current
            let structural: Bool
            switch t.kind {
            case .keyword(.partition), .keyword(.order), .keyword(.range), .keyword(.rows), .keyword(.groups):
                structural = true
            default: structural = false
            }
            if !structural, t.kind != .rightParen, p.isName(t) {
                def.base = try p.name()
            }
            if p.isKeyword(.partition) {
                try p.advance()
                try p.expect(.by)
                def.partitionBy = try p.exprList()
            }
            if p.isKeyword(.order) {
                try p.advance()
                try p.expect(.by)
                def.orderBy = try p.orderingTerms()
            }
            if p.isKeyword(.range) || p.isKeyword(.rows) || p.isKeyword(.groups) {
                def.frame = try p.frameSpec()
            }
            try p.expect(.rightParen)
            return def
        }
    }

    private mutating func frameSpec() throws -> FrameSpec {
        let unit: FrameSpec.Unit = isKeyword(.range) ? .range : isKeyword(.rows) ? .rows : .groups
        try advance()
        let startBound: FrameSpec.Bound
        var endBound: FrameSpec.Bound?
        if try accept(.between) {
            startBound = try frameBound(isEnd: false)
            try expect(.and)
            endBound = try frameBound(isEnd: true)
        } else {
            startBound = try frameBound(isEnd: false)
        }
        var exclude: FrameSpec.Exclude?
        if try accept(.exclude) {
            switch current.kind {
            case .keyword(.no): try advance(); try expect(.others); exclude = .noOthers
            case .keyword(.current): try advance(); try expect(.row); exclude = .currentRow
            case .keyword(.group): try advance(); exclude = .group
            case .keyword(.ties): try advance(); exclude = .ties
            default: throw syntaxError()
            }
        }
        // SQLite's window constructor rejects a start bound that comes after the end bound.
        func rank(_ b: FrameSpec.Bound) -> Int {
            switch b {
            case .unboundedPreceding: return 0
            case .preceding: return 1
            case .currentRow: return 2
            case .following: return 3
            case .unboundedFollowing: return 4
            }
        }
        let s = rank(startBound), e = rank(endBound ?? .currentRow)
        if (s == 2 && e == 1) || (s == 3 && e < 3) {
            actionError("unsupported frame specification")
        }
        return FrameSpec(unit: unit, start: startBound, end: endBound, exclude: exclude)
    }

    /// `isEnd`: the bound after AND (UNBOUNDED FOLLOWING allowed, UNBOUNDED PRECEDING not).
    private mutating func frameBound(isEnd: Bool) throws -> FrameSpec.Bound {
        if isKeyword(.unbounded) {
            try advance()
            if !isEnd, try accept(.preceding) { return .unboundedPreceding }
            if isEnd, try accept(.following) { return .unboundedFollowing }
            throw syntaxError()
        }
        if isKeyword(.current) {
            try advance()
            try expect(.row)
            return .currentRow
        }
        let e = try expr()
        if try accept(.preceding) { return .preceding(e) }
        if try accept(.following) { return .following(e) }
        throw syntaxError()
    }

    /// term [, term]* where term is expr [ASC|DESC] [NULLS FIRST|LAST].
    mutating func orderingTerms() throws -> [OrderingTerm] {
        var terms: [OrderingTerm] = []
        repeat {
            let e = try expr()
            var order: SortOrder?
            if try accept(.asc) { order = .ascending } else if try accept(.desc) { order = .descending }
            var nulls: NullsOrder?
            if isKeyword(.nulls) {
                try advance()
                if try accept(.first) { nulls = .first } else if try accept(.last) { nulls = .last } else { throw syntaxError() }
            }
            terms.append(OrderingTerm(expr: e, order: order, nulls: nulls))
        } while try accept(.comma)
        return terms
    }

    /// `typetoken`: ids+ [ ( signed [, signed] ) ], returned as the source text from the first
    /// to the last token; nil when there is no type name.
    mutating func typeName() throws -> String? {
        guard isIds(current) else { return nil }
        let start = current.start
        while isIds(current) {
            try advance()
        }
        if current.kind == .leftParen {
            try advance()
            try signedNumber()
            if try accept(.comma) { try signedNumber() }
            try expect(.rightParen)
        }
        return text(SourceSpan(start: start, end: previousEnd))
    }

    /// [+|-] number
    private mutating func signedNumber() throws {
        if current.kind == .plus || current.kind == .minus { try advance() }
        guard current.kind == .integer || current.kind == .float else { throw syntaxError() }
        try advance()
    }

    // MARK: - Literal values

    mutating func integerLiteral(_ t: Token) throws -> Literal {
        guard let value = Parser.integerValue(bytes, t) else {
            if statementEndError == nil {
                statementEndError = error("hex literal too big: \(text(t))", at: t.start)
            }
            return .integer(0)
        }
        return value
    }

    /// The value of integer token `t`: `.integer`, or `.bigInteger` for a decimal beyond
    /// Int64; nil for a hex literal of more than 16 significant digits ("hex literal too big").
    static func integerValue(_ bytes: UnsafeBufferPointer<UInt8>, _ t: Token) -> Literal? {
        let u = slice(bytes, t.start, t.end)
        if u.count > 2, u[0] == UInt8(ascii: "0"), u[1] | 0x20 == UInt8(ascii: "x") {
            var digits = u.dropFirst(2).drop(while: { $0 == UInt8(ascii: "0") })
            if digits.count > 16 { return nil }
            var v: UInt64 = 0
            while let d = digits.popFirst() {
                let x = Lexer.isDigit(d) ? d &- 0x30 : (d | 0x20) &- 0x61 &+ 10
                v = v << 4 | UInt64(x)
            }
            return .integer(Int64(bitPattern: v))
        }
        var v: Int64 = 0
        if u.count <= 18 {
            // At most 18 digits cannot overflow: no checks per digit.
            for d in u { v = v &* 10 &+ Int64(d &- 0x30) }
            return .integer(v)
        }
        for d in u {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(d &- 0x30))
            if o1 || o2 { return .bigInteger(text(bytes, t.start, t.end)) }
            v = a
        }
        return .integer(v)
    }

    /// The value of a float token, as `Double(text)` (strtod) gives it. A decimal with at most
    /// 15 significant digits and a decimal exponent within ±22 is m × 10^e or m / 10^e of two
    /// exact doubles, one correctly rounded operation: the same double, without building a
    /// String and calling strtod (1.1k instructions per literal). Others go through `parseReal`.
    @inline(__always) func realValue(_ t: Token) -> Double { Parser.realValue(bytes, t) }
    static func realValue(_ bytes: UnsafeBufferPointer<UInt8>, _ t: Token) -> Double {
        let b = slice(bytes, t.start, t.end)
        let n = b.count
        var mantissa: UInt64 = 0, significant = 0, scale = 0, i = 0
        var seenDot = false
        while i < n {
            let c = b[i]
            if Lexer.isDigit(c) {
                if significant > 0 || c != UInt8(ascii: "0") { significant += 1 }
                if significant <= 19 { mantissa = mantissa &* 10 &+ UInt64(c &- 0x30) }
                if seenDot { scale -= 1 }
            } else if c == UInt8(ascii: "."), !seenDot {
                seenDot = true
            } else {
                break
            }
            i += 1
        }
        if i < n {
            // [eE][+-]digits (the lexer admits nothing else after the digits of a float).
            i += 1
            var negative = false
            if i < n, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") { negative = b[i] == UInt8(ascii: "-"); i += 1 }
            var exponent = 0
            while i < n, Lexer.isDigit(b[i]) {
                if exponent < 100_000 { exponent = exponent * 10 + Int(b[i] &- 0x30) }
                i += 1
            }
            scale += negative ? -exponent : exponent
        }
        if i == n, significant <= 15, scale >= -22, scale <= 22 {
            let power = Parser.powersOfTen[scale < 0 ? -scale : scale]
            return scale < 0 ? Double(mantissa) / power : Double(mantissa) * power
        }
        return parseReal(text(bytes, t.start, t.end))
    }

    /// 10^0 … 10^22, every one exact in a Double.
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    static func parseReal(_ s: String) -> Double {
        if let d = Double(s) { return d }
        // Swift's parser wants a digit after '.', e.g. "5." or "1.e5".
        var fixed = ""
        var previousDot = false
        for ch in s {
            if previousDot, !ch.isNumber { fixed.append("0") }
            fixed.append(ch)
            previousDot = ch == "."
        }
        if previousDot { fixed.append("0") }
        return Double(fixed) ?? 0
    }

    @inline(__always) func blobBytes(_ t: Token) -> [UInt8] { Parser.blobBytes(bytes, t) }
    /// The bytes of blob token `t` (x'…': the lexer admits an even count of hex digits only).
    static func blobBytes(_ bytes: UnsafeBufferPointer<UInt8>, _ t: Token) -> [UInt8] {
        guard t.start >= 0, t.end <= bytes.count, t.end - t.start >= 3 else { return [] }
        var out: [UInt8] = []
        var i = t.start + 2
        let end = t.end - 1
        out.reserveCapacity((end - i) / 2)
        func hex(_ c: UInt8) -> UInt8 { Lexer.isDigit(c) ? c &- 0x30 : (c | 0x20) &- 0x61 &+ 10 }
        while i + 1 < end {
            out.append(hex(bytes[i]) << 4 | hex(bytes[i + 1]))
            i += 2
        }
        return out
    }
}
