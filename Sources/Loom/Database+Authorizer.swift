// This file implements the public authorizer: SQLite's action codes, the request the
// callback receives and its decision. The checks themselves run in L5 while a statement is
// compiled (LoomSQL/Resolver/Authorizer.swift). Layer: L7. Spec: Spec/L7-api.md §Authorizer.
import LoomSQL

/// What a statement being compiled is about to do, as the authorizer is asked about it.
///
/// ```swift
/// db.setAuthorizer { request in
///     request.action == .read && request.argument2 == "password" ? .ignore : .ok
/// }
/// ```
/// Corresponds to SQLite's authorizer action codes (`SQLITE_CREATE_INDEX` = 1 …
/// `SQLITE_RECURSIVE` = 33); the raw values are SQLite's.
public enum AuthorizerAction: Int32, Sendable, CaseIterable {
    /// Index name, table name.
    case createIndex = 1
    /// Table name.
    case createTable = 2
    case createTempIndex = 3
    case createTempTable = 4
    /// Trigger name, table name.
    case createTempTrigger = 5
    case createTempView = 6
    case createTrigger = 7
    /// View name.
    case createView = 8
    /// Table name.
    case delete = 9
    case dropIndex = 10
    case dropTable = 11
    case dropTempIndex = 12
    case dropTempTable = 13
    case dropTempTrigger = 14
    case dropTempView = 15
    case dropTrigger = 16
    case dropView = 17
    /// Table name.
    case insert = 18
    /// Pragma name, its argument or nil.
    case pragma = 19
    /// Table name, column name (`ROWID` for the rowid). Ignore reads the column as NULL.
    case read = 20
    /// No arguments: one per SELECT, subqueries and view bodies included.
    case select = 21
    /// "BEGIN", "COMMIT" or "ROLLBACK".
    case transaction = 22
    /// Table name, column name. Ignore leaves the column unchanged.
    case update = 23
    /// File name.
    case attach = 24
    /// Database name.
    case detach = 25
    /// Database name, table name.
    case alterTable = 26
    /// Index name.
    case reindex = 27
    /// Table name.
    case analyze = 28
    /// Table name, module name.
    case createVirtualTable = 29
    case dropVirtualTable = 30
    /// nil, function name.
    case function = 31
    /// "BEGIN", "RELEASE" or "ROLLBACK", savepoint name.
    case savepoint = 32
    case recursive = 33
}

/// One authorizer question: the action, SQLite's two detail arguments, the database name
/// and the innermost trigger or view responsible for the access.
///
/// ```swift
/// db.setAuthorizer { r in
///     print(r.action, r.argument1 ?? "-", r.argument2 ?? "-", r.databaseName ?? "-", r.accessor ?? "-")
///     return .ok
/// }
/// ```
/// Corresponds to the arguments of the `sqlite3_set_authorizer` callback.
public struct AuthorizerRequest: Sendable, Equatable {
    public var action: AuthorizerAction
    /// SQLite's third callback argument (a table, index, trigger, view or pragma name …).
    public var argument1: String?
    /// SQLite's fourth callback argument (a column, table, module or function name …).
    public var argument2: String?
    /// `main`, `temp` or an attached name, where the action has one.
    public var databaseName: String?
    /// The innermost trigger or view responsible for the access; nil for top-level SQL.
    public var accessor: String?

    public init(action: AuthorizerAction, argument1: String? = nil, argument2: String? = nil,
                databaseName: String? = nil, accessor: String? = nil) {
        self.action = action
        self.argument1 = argument1
        self.argument2 = argument2
        self.databaseName = databaseName
        self.accessor = accessor
    }
}

/// The authorizer's answer.
///
/// ```swift
/// db.setAuthorizer { $0.action == .delete ? .deny : .ok }
/// ```
/// Corresponds to `SQLITE_OK`, `SQLITE_DENY` and `SQLITE_IGNORE`.
public enum AuthorizerDecision: Sendable {
    /// Allow the action.
    case ok
    /// Refuse the whole statement: preparing it throws `authDenied` ("not authorized").
    case deny
    /// Skip the action: a READ gives NULL, an UPDATE column keeps its value, an INSERT,
    /// DELETE or DDL statement does nothing.
    case ignore
}

extension Database {
    /// Sets (or with nil removes) the authorizer, asked while each statement is compiled
    /// about every table and column it reads or writes and every other action it takes.
    ///
    /// ```swift
    /// db.setAuthorizer { request in
    ///     switch request.action {
    ///     case .read where request.argument2 == "secret": return .ignore   // reads as NULL
    ///     case .delete, .dropTable: return .deny                            // "not authorized"
    ///     default: return .ok
    ///     }
    /// }
    /// ```
    /// The authorizer runs at prepare time only; cached statements compiled before it was
    /// set are dropped so they are asked again. It must not use the connection.
    /// Corresponds to SQLite's `sqlite3_set_authorizer`.
    public func setAuthorizer(_ authorizer: (@Sendable (AuthorizerRequest) -> AuthorizerDecision)?) {
        statementCache.removeAll()
        guard let authorizer else {
            self.authorizer = nil
            return
        }
        Authorization.everInstalled.store(true, ordering: .relaxed)
        self.authorizer = { request in
            let action = AuthorizerAction(rawValue: request.action.rawValue) ?? .select
            let answer = authorizer(AuthorizerRequest(action: action, argument1: request.argument1,
                                                      argument2: request.argument2, databaseName: request.database,
                                                      accessor: request.accessor))
            switch answer {
            case .ok: return .ok
            case .deny: return .deny
            case .ignore: return .ignore
            }
        }
    }

    /// Runs `body` (a compilation) with this connection's authorizer bound for L5.
    func withAuthorizer<T>(_ body: () throws -> T) rethrows -> T {
        guard let authorizer else { return try body() }
        return try Authorization.$current.withValue(AuthorizationSession(authorizer)) { try body() }
    }
}
