// This file implements the seam between the shell and the engine: the few calls the shell
// makes, met by the public Loom API (Database, Statement) and by fakes in tests.
// Layer: tools (LoomShell). Spec: Spec/tools.md (loom, "Engine seam").
import Loom

/// A compiled statement as the shell uses it. `Loom.Statement` conforms.
public protocol ShellStatement: AnyObject {
    var columnCount: Int { get }
    var columnNames: [String] { get }
    /// 0 none, 1 `EXPLAIN`, 2 `EXPLAIN QUERY PLAN`.
    var explainMode: Int { get }
    func step() throws -> Bool
    func column(_ index: Int) -> DatabaseValue
    /// The number of parameters (`?`, `?NNN`, `:name`, `@name`, `$name`), for `.parameter`.
    var parameterCount: Int { get }
    /// The name of parameter `index` (1-based) as written, nil for a bare `?`.
    func parameterName(at index: Int) -> String?
    func bind(_ value: DatabaseValue, at index: Int) throws
}

extension ShellStatement {
    public var parameterCount: Int { 0 }
    public func parameterName(at index: Int) -> String? { nil }
    public func bind(_ value: DatabaseValue, at index: Int) throws {}
}

/// A connection as the shell uses it. `Loom.Database` conforms.
public protocol ShellConnection: AnyObject {
    /// The first statement at or after UTF-8 `offset` of `sql` and the offset past it
    /// (nil statement when only whitespace and comments remain). Errors carry `offset`
    /// absolute in `sql`.
    func prepareStatement(_ sql: String, from offset: Int) throws -> (statement: (any ShellStatement)?, tail: Int)
    func close() throws
    /// Rows changed by the last INSERT/UPDATE/DELETE (`.changes`).
    var changes: Int { get }
    /// Rows changed since the connection opened (`.changes`).
    var totalChanges: Int { get }
    /// Copies the main database page by page into the database file at `path` (`.backup`).
    func backup(toFile path: String) throws
    /// Replaces the main database with a page-by-page copy of the file at `path` (`.restore`).
    func restore(fromFile path: String) throws
}

extension ShellConnection {
    public func backup(toFile path: String) throws {
        throw DatabaseError(.error, "backup is not supported by this engine")
    }
    public func restore(fromFile path: String) throws {
        throw DatabaseError(.error, "restore is not supported by this engine")
    }
}

/// How the shell opens connections and splits input; tests substitute fakes.
public struct ShellEngine {
    /// Opens a database (`:memory:` or a path); `readOnly` for `-readonly`.
    public var open: (_ path: String, _ readOnly: Bool) throws -> any ShellConnection
    /// Whether the text ends a complete SQL statement (`sqlite3_complete`).
    public var isComplete: (String) -> Bool

    public init(open: @escaping (String, Bool) throws -> any ShellConnection,
                isComplete: @escaping (String) -> Bool) {
        self.open = open
        self.isComplete = isComplete
    }

    /// The Loom engine.
    public static var loom: ShellEngine {
        ShellEngine(open: { path, readOnly in
            try Database(path: path.isEmpty ? ":memory:" : path, capability: readOnly ? .read : .admin)
        }, isComplete: Database.isComplete)
    }
}

extension Statement: ShellStatement {}

extension Database: ShellConnection {
    public func prepareStatement(_ sql: String, from offset: Int) throws -> (statement: (any ShellStatement)?, tail: Int) {
        let (statement, tail) = try prepareNext(sql, from: offset)
        return (statement, tail)
    }

    public func backup(toFile path: String) throws {
        let destination = try Database(path: path)
        defer { try? destination.close() }
        try backup(to: destination)
    }

    public func restore(fromFile path: String) throws {
        let source = try Database(path: path)
        defer { try? source.close() }
        try source.backup(to: self)
    }
}

extension ShellConnection {
    /// All rows of the first statement of `sql`.
    func queryAll(_ sql: String) throws -> [[DatabaseValue]] {
        guard let statement = try prepareStatement(sql, from: 0).statement else { return [] }
        var rows: [[DatabaseValue]] = []
        while try statement.step() {
            rows.append((0..<statement.columnCount).map(statement.column))
        }
        return rows
    }
}
