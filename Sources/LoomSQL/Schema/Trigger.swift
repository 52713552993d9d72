// This file implements Trigger: the schema model of one CREATE TRIGGER (FOR EACH ROW, BEFORE
// or AFTER, on INSERT, DELETE or UPDATE [OF columns]). Layer: L5. Spec: Spec/L5-sql.md §Schema.
import LoomBase

/// One trigger; its WHEN clause and body spans refer to `sql`.
package struct Trigger: Sendable {
    package var name: String
    package var tableName: String
    package var timing: CreateTrigger.Timing
    package var event: CreateTrigger.Event
    package var when: Expr?
    package var body: [Statement]
    package var sql: String
    /// Schema number of the database holding the trigger (1 for TEMP triggers).
    package var database: Int = 0
    /// The schema named in `ON schema.table` (TEMP triggers only may name one), else nil.
    package var tableSchema: String? = nil
}

extension Schema {
    func addTrigger(from row: SchemaRow) throws {
        guard let sql = row.sql else { throw Schema.malformed(row.name) }
        var parser = Parser(sql: sql)
        guard let (statement, _) = try parser.parseNext(from: 0),
              case .createTrigger(let create) = statement.kind else { throw Schema.malformed(row.name) }
        var trigger = Trigger(name: row.name, tableName: create.table, timing: create.timing ?? .before,
                              event: create.event, when: create.when, body: create.body, sql: sql)
        trigger.tableSchema = create.tableSchema
        add(trigger)
    }
}
