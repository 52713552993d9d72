// PRAGMAs sqlite3 3.40 has that Loom had as no-ops: analysis_limit, count_changes,
// data_version, default_cache_size, hard_heap_limit, soft_heap_limit, ignore_check_constraints,
// module_list, temp_store_directory, writable_schema, compared with sqlite3.
// Layer: L6 (through the shell). Spec: Spec/L6-session.md (§PRAGMAs).
import Foundation
import Testing
import LoomTestSupport

@Suite("More pragmas", .enabled(if: Oracle.isAvailable))
struct MorePragmaTests {
    @Test("flags, limits and default_cache_size match sqlite3")
    func values() throws {
        try expectSameScript(
        """
        PRAGMA temp_store_directory='/nonexistent/x';
        PRAGMA temp_store_directory;
        PRAGMA main.default_cache_size=-50;
        PRAGMA analysis_limit=0x10;
        PRAGMA analysis_limit=' 5';PRAGMA analysis_limit='7 ';PRAGMA analysis_limit=+9;PRAGMA analysis_limit='9x';PRAGMA analysis_limit=-3;
        PRAGMA default_cache_size;PRAGMA cache_size;
        .headers on
        PRAGMA analysis_limit;
        PRAGMA analysis_limit=100;
        PRAGMA analysis_limit;
        PRAGMA analysis_limit=-5;
        PRAGMA analysis_limit=abc;
        PRAGMA count_changes;
        PRAGMA count_changes=1;
        PRAGMA count_changes;
        PRAGMA data_version;
        PRAGMA default_cache_size;
        PRAGMA default_cache_size=100;
        PRAGMA default_cache_size;
        PRAGMA cache_size;
        PRAGMA hard_heap_limit;
        PRAGMA hard_heap_limit=1000000;
        PRAGMA hard_heap_limit;
        PRAGMA soft_heap_limit;
        PRAGMA soft_heap_limit=5000000;
        PRAGMA soft_heap_limit;
        PRAGMA soft_heap_limit=-1;
        PRAGMA ignore_check_constraints;
        PRAGMA ignore_check_constraints=1;
        PRAGMA ignore_check_constraints;
        PRAGMA shrink_memory;
        PRAGMA writable_schema;
        PRAGMA writable_schema=1;
        PRAGMA writable_schema;
        PRAGMA writable_schema=RESET;
        PRAGMA writable_schema;
        """)
    }

    /// data_version changes when another connection (here the same file attached) commits,
    /// not for this connection's own commits or rollbacks; in rollback and WAL mode.
    @Test(arguments: ["", "PRAGMA journal_mode=WAL;\n"])
    func dataVersion(_ prefix: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        func script(_ path: String) -> String {
            prefix + """
            CREATE TABLE t(a);
            PRAGMA data_version;
            INSERT INTO t VALUES(1);
            PRAGMA data_version;
            BEGIN; INSERT INTO t VALUES(2); ROLLBACK;
            PRAGMA data_version;
            ATTACH '\(path)' AS b;
            INSERT INTO b.t VALUES(3);
            PRAGMA data_version;
            PRAGMA b.data_version;
            SELECT count(*) FROM t;
            PRAGMA data_version;
            INSERT INTO b.t VALUES(3);
            PRAGMA data_version;
            PRAGMA b.data_version;
            """
        }
        let s = dir.file("s.db"), l = dir.file("l.db")
        let expected = try runSQLite([s], input: script(s))
        let got = runLoom([l], input: script(l))
        #expect(got.stdout == expected.stdout)
        #expect(got.stderr == expected.stderr)
    }

    /// module_list: the modules Loom has, in sqlite3's order (the shell adds its extensions').
    @Test func moduleList() throws {
        let expected = try runSQLite([":memory:"], input: "PRAGMA module_list;").stdout
            .split(separator: "\n").map(String.init)
        let got = runLoom([":memory:"], input: "PRAGMA module_list;").stdout.split(separator: "\n").map(String.init)
        #expect(got == expected.filter { got.contains($0) })
        #expect(got == ["json_tree", "json_each", "generate_series", "fts5vocab", "fts5", "dbstat"])
    }
}
