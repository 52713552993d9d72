// This file implements the SQL keyword table: the 147 keywords of lang_keywords.html and which of
// them may also serve as identifiers (SQLite's fallback-to-ID rule).
// Layer: L5 (LoomSQL). Spec: Spec/L5-sql.md, section "Lexer and parser".

/// A SQLite keyword. The raw value is its upper-case spelling.
package enum Keyword: String, CaseIterable, Hashable, Sendable {
    case abort = "ABORT"
    case action = "ACTION"
    case add = "ADD"
    case after = "AFTER"
    case all = "ALL"
    case alter = "ALTER"
    case always = "ALWAYS"
    case analyze = "ANALYZE"
    case and = "AND"
    case `as` = "AS"
    case asc = "ASC"
    case attach = "ATTACH"
    case autoincrement = "AUTOINCREMENT"
    case before = "BEFORE"
    case begin = "BEGIN"
    case between = "BETWEEN"
    case by = "BY"
    case cascade = "CASCADE"
    case `case` = "CASE"
    case cast = "CAST"
    case check = "CHECK"
    case collate = "COLLATE"
    case column = "COLUMN"
    case commit = "COMMIT"
    case conflict = "CONFLICT"
    case constraint = "CONSTRAINT"
    case create = "CREATE"
    case cross = "CROSS"
    case current = "CURRENT"
    case currentDate = "CURRENT_DATE"
    case currentTime = "CURRENT_TIME"
    case currentTimestamp = "CURRENT_TIMESTAMP"
    case database = "DATABASE"
    case `default` = "DEFAULT"
    case deferrable = "DEFERRABLE"
    case deferred = "DEFERRED"
    case delete = "DELETE"
    case desc = "DESC"
    case detach = "DETACH"
    case distinct = "DISTINCT"
    case `do` = "DO"
    case drop = "DROP"
    case each = "EACH"
    case `else` = "ELSE"
    case end = "END"
    case escape = "ESCAPE"
    case except = "EXCEPT"
    case exclude = "EXCLUDE"
    case exclusive = "EXCLUSIVE"
    case exists = "EXISTS"
    case explain = "EXPLAIN"
    case fail = "FAIL"
    case filter = "FILTER"
    case first = "FIRST"
    case following = "FOLLOWING"
    case `for` = "FOR"
    case foreign = "FOREIGN"
    case from = "FROM"
    case full = "FULL"
    case generated = "GENERATED"
    case glob = "GLOB"
    case group = "GROUP"
    case groups = "GROUPS"
    case having = "HAVING"
    case `if` = "IF"
    case ignore = "IGNORE"
    case immediate = "IMMEDIATE"
    case `in` = "IN"
    case index = "INDEX"
    case indexed = "INDEXED"
    case initially = "INITIALLY"
    case inner = "INNER"
    case insert = "INSERT"
    case instead = "INSTEAD"
    case intersect = "INTERSECT"
    case into = "INTO"
    case `is` = "IS"
    case isnull = "ISNULL"
    case join = "JOIN"
    case key = "KEY"
    case last = "LAST"
    case left = "LEFT"
    case like = "LIKE"
    case limit = "LIMIT"
    case match = "MATCH"
    case materialized = "MATERIALIZED"
    case natural = "NATURAL"
    case no = "NO"
    case not = "NOT"
    case nothing = "NOTHING"
    case notnull = "NOTNULL"
    case null = "NULL"
    case nulls = "NULLS"
    case of = "OF"
    case offset = "OFFSET"
    case on = "ON"
    case or = "OR"
    case order = "ORDER"
    case others = "OTHERS"
    case outer = "OUTER"
    case over = "OVER"
    case partition = "PARTITION"
    case plan = "PLAN"
    case pragma = "PRAGMA"
    case preceding = "PRECEDING"
    case primary = "PRIMARY"
    case query = "QUERY"
    case raise = "RAISE"
    case range = "RANGE"
    case recursive = "RECURSIVE"
    case references = "REFERENCES"
    case regexp = "REGEXP"
    case reindex = "REINDEX"
    case release = "RELEASE"
    case rename = "RENAME"
    case replace = "REPLACE"
    case restrict = "RESTRICT"
    case returning = "RETURNING"
    case right = "RIGHT"
    case rollback = "ROLLBACK"
    case row = "ROW"
    case rows = "ROWS"
    case savepoint = "SAVEPOINT"
    case select = "SELECT"
    case set = "SET"
    case table = "TABLE"
    case temp = "TEMP"
    case temporary = "TEMPORARY"
    case then = "THEN"
    case ties = "TIES"
    case to = "TO"
    case transaction = "TRANSACTION"
    case trigger = "TRIGGER"
    case unbounded = "UNBOUNDED"
    case union = "UNION"
    case unique = "UNIQUE"
    case update = "UPDATE"
    case using = "USING"
    case vacuum = "VACUUM"
    case values = "VALUES"
    case view = "VIEW"
    case virtual = "VIRTUAL"
    case when = "WHEN"
    case `where` = "WHERE"
    case window = "WINDOW"
    case with = "WITH"
    case without = "WITHOUT"
}

extension Keyword {
    /// Keywords that SQLite lets stand for an identifier where the keyword itself cannot
    /// appear (parse.y's `%fallback ID` list, plus WINDOW/OVER/FILTER which the tokenizer
    /// turns into identifiers outside their contexts, and TEMPORARY/COLUMN/CURRENT_* which
    /// share a token class with fallback keywords). Checked against sqlite3 3.40.1:
    /// exactly these are accepted as column names besides the join keywords and INDEXED.
    package var isFallbackIdentifier: Bool {
        switch self {
        case .abort, .action, .after, .always, .analyze, .asc, .attach, .before, .begin, .by, .cascade,
             .cast, .column, .conflict, .current, .currentDate, .currentTime, .currentTimestamp, .database,
             .deferred, .desc, .detach, .do, .each, .end, .exclude, .exclusive, .explain, .fail, .filter,
             .first, .following, .for, .generated, .glob, .groups, .if, .ignore, .immediate, .initially,
             .instead, .key, .last, .like, .match, .materialized, .no, .nulls, .of, .offset, .others, .over,
             .partition, .plan, .pragma, .preceding, .query, .raise, .range, .recursive, .regexp, .reindex,
             .release, .rename, .replace, .restrict, .rollback, .row, .rows, .savepoint, .temp, .temporary, .ties,
             .trigger, .unbounded, .vacuum, .view, .virtual, .window, .with, .without:
            return true
        default:
            return false
        }
    }

    /// CROSS FULL INNER LEFT NATURAL OUTER RIGHT (SQLite's JOIN_KW token class): usable as
    /// names and in expressions, but not as implicit aliases.
    package var isJoinKeyword: Bool {
        switch self {
        case .cross, .full, .inner, .left, .natural, .outer, .right: return true
        default: return false
        }
    }

    /// A keyword's spelling packed 5 bits per letter (a-z → 1…26, '_' → 27), any case: the
    /// first 12 letters in `a`, the rest in `b`. Lookup needs no allocation.
    private struct Packed {
        var a: UInt64 = 0
        var b: UInt64 = 0
    }

    private static func pack<C: Collection>(_ bytes: C) -> Packed? where C.Element == UInt8 {
        var p = Packed()
        var i = 0
        for c in bytes {
            let v: UInt64
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt64(c &- 0x60)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt64(c &- 0x40)
            case UInt8(ascii: "_"): v = 27
            default: return nil
            }
            if i < 12 { p.a = p.a << 5 | v } else { p.b = p.b << 5 | v }
            i += 1
        }
        return p
    }

    /// An open-addressing table of the packed spellings (1024 slots for 147 keywords, linear
    /// probing): a lookup is one multiply and usually one comparison, where hashing a
    /// dictionary key was ~180 instructions per word of every statement. One array of
    /// slots holding the keyword itself (three parallel arrays were retained and released,
    /// and a second table read, on every word).
    private struct Slot {
        var a: UInt64 = 0
        var b: UInt64 = 0
        /// nil for an empty slot.
        var keyword: Keyword? = nil
    }
    private static let slotBits: UInt64 = 10

    @inline(__always) private static func slot(_ p: Packed) -> Int {
        Int(truncatingIfNeeded: ((p.a ^ (p.b &* 0x2545F4914F6CDD1D)) &* 0x9E3779B97F4A7C15) >> (64 - slotBits))
    }

    /// The table, built once and never freed (unsafe, fenced here: a global array was
    /// retained and released around every lookup; this block is immutable after its
    /// initialization and lives as long as the process).
    nonisolated(unsafe) private static let slots: UnsafeBufferPointer<Slot> = {
        let size = 1 << Int(slotBits)
        let t = UnsafeMutableBufferPointer<Slot>.allocate(capacity: size)
        t.initialize(repeating: Slot())
        for k in Keyword.allCases {
            guard let p = pack(k.rawValue.utf8) else { continue }
            var s = slot(p)
            while t[s].keyword != nil { s = (s + 1) & (size - 1) }
            t[s] = Slot(a: p.a, b: p.b, keyword: k)
        }
        return UnsafeBufferPointer(t)
    }()

    /// The keyword spelled by `bytes` (ASCII, any case), or nil.
    package static func lookup(_ bytes: ArraySlice<UInt8>) -> Keyword? {
        guard bytes.count >= 2, bytes.count <= 17, let p = pack(bytes) else { return nil }
        return lookup(packed: p.a, p.b)
    }

    /// The keyword whose spelling packs to (`a`, `b`) as `pack` does (the lexer packs a word
    /// while scanning it), or nil.
    @inline(__always)
    package static func lookup(packed a: UInt64, _ b: UInt64) -> Keyword? {
        let p = Packed(a: a, b: b)
        let t = slots
        let mask = t.count - 1
        var s = slot(p)
        while true {
            let e = t[s]
            guard let k = e.keyword else { return nil }
            if e.a == p.a && e.b == p.b { return k }
            s = (s + 1) & mask
        }
    }
}
