// This file tests the connection PRAGMAs against sqlite3: result rows and column names,
// the set/get forms, and the settings that change behaviour (case_sensitive_like, query_only).
// Layer: L6 tests. Spec: Spec/L6-session.md (§PRAGMAs).
import Foundation
import Testing
import LoomBase
import LoomVFS
import LoomPager
import LoomRecord
import LoomSession
import LoomTestSupport

/// What `sqlite3 -header` prints (list mode) for `script` (one statement per line) on a
/// fresh database at `path`, and the error messages in order.
private func runLoom(_ script: String, path: String) throws -> (output: String, errors: [String]) {
    let connection = try Connection(vfs: PosixVFS(), path: path, options: PagerOptions())
    defer { try? connection.close() }
    var out = ""
    var errors: [String] = []
    for line in script.split(separator: "\n") {
        let sql = String(line)
        do {
            guard let prepared = try connection.prepare(sql, from: 0) else { continue }
            let vm = connection.makeVM(prepared)
            var first = true
            while try vm.step() {
                if first { out += vm.columnNames.joined(separator: "|") + "\n"; first = false }
                out += (0..<vm.columnCount).map { i -> String in
                    switch vm.column(i) {
                    case .null: return ""
                    case .integer(let n): return String(n)
                    case .real(let d): return String(d)
                    case .text(let s): return s
                    case .blob: return "?"
                    }
                }.joined(separator: "|") + "\n"
            }
        } catch let error as DatabaseError {
            errors.append(error.message)
        }
    }
    return (out, errors)
}

/// sqlite3's output and error messages for the same script.
private func runOracle(_ script: String, path: String) throws -> (output: String, errors: [String]) {
    let result = try Oracle.run(["-header", path], input: script)
    let errors = result.stderr.split(separator: "\n")
        .filter { $0.hasPrefix("Parse error") || $0.hasPrefix("Runtime error") }
        .map { line -> String in
            // "Parse error near line N: message" / "Runtime error near line N: message (code)"
            guard let colon = line.range(of: ": ") else { return String(line) }
            var message = String(line[colon.upperBound...])
            if message.hasSuffix(")"), let paren = message.range(of: " (", options: .backwards) {
                message = String(message[..<paren.lowerBound])
            }
            return message
        }
    return (result.stdout, errors)
}

private func compare(_ script: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let dir = try TemporaryDirectory()
    let loom = try runLoom(script, path: dir.path + "/loom.db")
    let oracle = try runOracle(script, path: dir.path + "/oracle.db")
    #expect(loom.output.replacingOccurrences(of: "loom.db", with: "X.db")
            == oracle.output.replacingOccurrences(of: "oracle.db", with: "X.db"), sourceLocation: sourceLocation)
    #expect(loom.errors == oracle.errors, sourceLocation: sourceLocation)
}

@Suite(.enabled(if: Oracle.isAvailable))
struct PragmaTests {
    @Test func flagPragmasSetAndGet() throws {
        var script = ""
        for name in ["foreign_keys", "recursive_triggers", "defer_foreign_keys", "legacy_alter_table",
                     "reverse_unordered_selects", "automatic_index", "trusted_schema", "cell_size_check",
                     "fullfsync", "checkpoint_fullfsync", "read_uncommitted"] {
            script += "pragma \(name);\n"
            for value in ["1", "off", "yes", "'no'", "TRUE", "2", "-1", "abc", "full", "on"] {
                script += "pragma \(name) = \(value);\npragma main.\(name);\n"
            }
            script += "pragma \(name)(0);\npragma \(name);\n"
        }
        try compare(script)
    }

    @Test func foreignKeysInsideTransaction() throws {
        try compare("""
        begin;
        pragma foreign_keys = on;
        pragma foreign_keys;
        commit;
        pragma foreign_keys;
        pragma foreign_keys = on;
        begin;
        pragma foreign_keys = off;
        pragma foreign_keys;
        rollback;
        pragma foreign_keys;
        """)
    }

    @Test func valuedPragmas() throws {
        try compare("""
        pragma busy_timeout;
        pragma busy_timeout = 250;
        pragma busy_timeout(300);
        pragma busy_timeout = -5;
        pragma busy_timeout = 'abc';
        pragma busy_timeout;
        pragma temp_store;
        pragma temp_store = memory;
        pragma temp_store;
        pragma temp_store = 'FILE';
        pragma temp_store;
        pragma temp_store = 7;
        pragma temp_store;
        pragma temp_store = 2;
        pragma temp_store;
        pragma temp_store = default;
        pragma temp_store;
        pragma secure_delete;
        pragma secure_delete = off;
        pragma secure_delete = fast;
        pragma secure_delete;
        pragma secure_delete = 5;
        pragma main.secure_delete;
        pragma temp.secure_delete;
        pragma optimize;
        pragma optimize(0xfffe);
        pragma case_sensitive_like;
        pragma case_sensitive_like = 1;
        pragma case_sensitive_like;
        """)
    }

    @Test func pagerSettings() throws {
        try compare("""
        pragma page_size;
        pragma page_size = 1024;
        pragma page_size;
        pragma page_size = 1000;
        pragma page_size;
        create table t(x);
        pragma page_size = 8192;
        pragma page_size;
        pragma cache_size;
        pragma cache_size = 100;
        pragma cache_size;
        pragma cache_size = -500;
        pragma main.cache_size;
        pragma cache_size = '12abc';
        pragma cache_size;
        pragma synchronous;
        pragma synchronous = normal;
        pragma synchronous;
        pragma synchronous = OFF;
        pragma synchronous;
        pragma synchronous = 3;
        pragma synchronous;
        pragma synchronous = 6;
        pragma synchronous;
        pragma synchronous = bogus;
        pragma synchronous;
        pragma synchronous = -1;
        pragma synchronous;
        pragma synchronous = 7;
        pragma synchronous;
        pragma synchronous = 4;
        pragma synchronous;
        pragma synchronous = ' 2';
        pragma synchronous;
        pragma synchronous = full;
        pragma synchronous;
        pragma cache_size = ' 5';
        pragma cache_size;
        pragma cache_size = 1.5;
        pragma cache_size;
        pragma cache_size = abc;
        pragma cache_size;
        pragma cache_size = -9223372036854775808;
        pragma cache_size;
        pragma cache_size = '-3x';
        pragma cache_size;
        pragma cache_size = 2147483648;
        pragma cache_size;
        pragma cache_size = -2147483648;
        pragma cache_size;
        """)
    }

    @Test func storedSettings() throws {
        try compare("""
        create table t(x);
        pragma mmap_size;
        pragma mmap_size = 3000000000;
        pragma mmap_size = -5;
        pragma mmap_size;
        pragma mmap_size = 4096;
        pragma mmap_size = 'abc';
        pragma threads = 100;
        pragma threads = -1;
        pragma threads;
        pragma threads = 3;
        pragma max_page_count = 0;
        pragma max_page_count = 1;
        pragma max_page_count = -5;
        pragma max_page_count;
        pragma max_page_count = 5000000000;
        pragma locking_mode = bogus;
        pragma locking_mode = EXCLUSIVE;
        pragma locking_mode;
        pragma locking_mode = normal;
        pragma main.locking_mode;
        """)
    }

    @Test func cacheSpill() throws {
        var script = "pragma cache_spill;\n"
        for size in ["512", "1024", "8192"] {
            script += """
            pragma cache_spill;
            pragma cache_size = -1;
            pragma cache_spill;
            pragma cache_spill = 5;
            pragma cache_size = 3;
            pragma cache_spill;
            pragma cache_spill = off;
            pragma cache_spill;
            pragma cache_spill = 1;
            pragma cache_spill;
            pragma cache_size = -2000;
            pragma cache_spill = -5;
            pragma cache_spill;
            pragma cache_spill = 100000;
            pragma cache_spill;
            pragma cache_spill = 1;
            pragma page_size = \(size);
            create table t\(size)(x);

            """
        }
        try compare(script)
    }

    @Test func caseSensitiveLike() throws {
        try compare("""
        select 'abc' like 'ABC', 'abc' like 'a_C%';
        pragma case_sensitive_like = 1;
        select 'abc' like 'ABC', 'abc' like 'a_c%', 'ABC' like 'ABC';
        select 'a%c' like 'a\\%C' escape '\\';
        pragma case_sensitive_like = off;
        select 'abc' like 'ABC';
        """)
    }

    @Test func queryOnly() throws {
        try compare("""
        create table t(x);
        pragma query_only = 1;
        pragma query_only;
        insert into t values(1);
        create table u(y);
        pragma user_version = 3;
        select count(*) from t;
        pragma query_only = 0;
        insert into t values(2);
        select * from t;
        """)
    }

    @Test func foreignKeyList() throws {
        try compare("""
        create table p(a primary key, b, unique(a, b));
        create table c(u references p, v references p(a) on delete set default on update restrict match full, w, foreign key(w) references p, foreign key(u,v) references "Q"(x,y) on delete cascade deferrable initially deferred);
        create table n(x integer primary key);
        pragma foreign_key_list(c);
        pragma foreign_key_list('C');
        pragma main.foreign_key_list(c);
        pragma foreign_key_list(p);
        pragma foreign_key_list(nosuch);
        pragma foreign_key_list;
        create table d(k, constraint fk foreign key(k) references c(u) on update set null on delete no action);
        pragma foreign_key_list(d);
        """)
    }

    @Test func databaseListAndCompileOptions() throws {
        try compare("""
        pragma database_list;
        pragma nosuch.database_list;
        """)
        // Loom lists the oracle build's options that it mirrors: a subset, in its order.
        let dir = try TemporaryDirectory()
        let loom = try runLoom("pragma compile_options;", path: dir.path + "/a.db").output
        let oracle = try runOracle("pragma compile_options;", path: dir.path + "/b.db").output
        let loomLines = loom.split(separator: "\n")
        let oracleLines = Set(oracle.split(separator: "\n"))
        #expect(loomLines.first == "compile_options")
        #expect(loomLines.count > 5)
        for line in loomLines { #expect(oracleLines.contains(line), "\(line)") }
        #expect(Array(loomLines.dropFirst()) == loomLines.dropFirst().sorted())
    }

    @Test func tableList() throws {
        try compare("""
        pragma table_list;
        create table a1(x);
        create table zz(x, y);
        create view b2 as select 1, 2, 3;
        create table m(q int, r text) strict;
        create table "q""t"(x);
        create table wr(k primary key, v) without rowid;
        create temp view tv as select 1;
        pragma table_list;
        pragma table_list(zz);
        pragma table_list(ZZ);
        pragma table_list(nosuch);
        pragma main.table_list;
        pragma temp.table_list;
        pragma table_list(tv);
        pragma main.table_list(tv);
        pragma temp.table_list(tv);
        pragma table_list(sqlite_master);
        pragma table_list(sqlite_schema);
        pragma table_list(sqlite_temp_master);
        pragma table_list(sqlite_temp_schema);
        """)
    }

    @Test func collationList() throws {
        let dir = try TemporaryDirectory()
        let loom = try runLoom("pragma collation_list;", path: dir.path + "/a.db").output
        let oracle = try runOracle("pragma collation_list;", path: dir.path + "/b.db").output
        // The sqlite3 shell registers two extension collations first; the library's own
        // list is the rest, renumbered.
        let library = oracle.split(separator: "\n").dropFirst().filter { !$0.hasSuffix("|decimal") && !$0.hasSuffix("|uint") }
            .enumerated().map { "\($0.offset)|" + ($0.element.split(separator: "|").last ?? "") }
        #expect(loom == "seq|name\n" + library.joined(separator: "\n") + "\n")
    }

    /// A setting applies when the statement is stepped, not when it is prepared.
    @Test func settingsApplyWhenStepped() throws {
        let dir = try TemporaryDirectory()
        let connection = try Connection(vfs: PosixVFS(), path: dir.path + "/s.db", options: PagerOptions())
        defer { try? connection.close() }
        func value(_ sql: String) throws -> Value? {
            guard let prepared = try connection.prepare(sql, from: 0) else { return nil }
            let vm = connection.makeVM(prepared)
            return try vm.step() ? vm.column(0) : nil
        }
        guard let set = try connection.prepare("pragma foreign_keys = on", from: 0) else {
            Issue.record("no statement")
            return
        }
        #expect(try value("pragma foreign_keys") == .integer(0))
        let vm = connection.makeVM(set)
        #expect(try vm.step() == false)
        #expect(try value("pragma foreign_keys") == .integer(1))
        // The same for a pager setting.
        guard let size = try connection.prepare("pragma cache_size = 77", from: 0) else { return }
        #expect(try value("pragma cache_size") == .integer(-2000))
        #expect(try connection.makeVM(size).step() == false)
        #expect(try value("pragma cache_size") == .integer(77))
    }
}
