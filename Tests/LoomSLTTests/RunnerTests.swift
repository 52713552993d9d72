// This file tests the script parser and the runner with a fake engine: statements, queries,
// hash threshold, labels (also of skipped queries), conditionals, halt, step errors.
// Layer: tools tests (loom-slt). Spec: Spec/tools.md, section loom-slt.
import Testing
import Loom
@testable import LoomSLT

@Suite struct ParserTests {
    @Test func recordsConditionsAndComments() {
        let text = "# heading\r\nhash-threshold 3\r\n\r\nskipif mysql # not compatible\r\nonlyif SQLite\r\n"
            + "query IT rowsort label-1\r\nSELECT a,\r\n# a comment inside\r\n  b FROM t\r\n----\r\n1\r\nx\r\n\r\n"
            + "statement error\nDROP TABLE nope\n   \nhalt\n\nfoo bar\n"
        let records = parseScript(Array(text.utf8))
        #expect(records.count == 5)
        guard records.count == 5 else { return }
        if case .hashThreshold(let n) = records[0].kind { #expect(n == 3) } else { Issue.record("not hash-threshold") }
        #expect(records[1].conditions == [Condition(onlyIf: false, engine: "mysql"), Condition(onlyIf: true, engine: "SQLite")])
        #expect(records[1].runs(on: "sqlite"))
        #expect(!records[1].runs(on: "mysql"))
        #expect(records[1].line == 6)
        if case .query(let types, let sort, let label, let sql, let expected) = records[1].kind {
            #expect(types == Array("IT".utf8))
            #expect(sort == .rowsort)
            #expect(label == "label-1")
            #expect(sql == "SELECT a,\n  b FROM t")
            #expect(expected.lines == ["1", "x"])
        } else { Issue.record("not a query") }
        if case .statement(let expectError, let sql) = records[2].kind {
            #expect(expectError)
            #expect(sql == "DROP TABLE nope")
        } else { Issue.record("not a statement") }
        if case .halt = records[3].kind {} else { Issue.record("not halt") }
        if case .unknown(let t) = records[4].kind { #expect(t == "foo bar") } else { Issue.record("not unknown") }
    }

    @Test func expectedHashLine() {
        let e = Expected(lines: ["30 values hashing to 3c13dee48d9356ae19af2515e05e6b54"])
        #expect(e.hash?.count == 30)
        #expect(e.hash?.md5 == "3c13dee48d9356ae19af2515e05e6b54")
        #expect(e.labelHash == "3c13dee48d9356ae19af2515e05e6b54")
        let v = Expected(lines: ["1", "2", "3"])
        #expect(v.hash == nil)
        #expect(v.labelHash == "c0710d6b4f15dfa88f600b0e6b624077")
    }
}

@Suite struct RunnerTests {
    @Test func statementsOkAndError() {
        let e = FakeEngine(["CREATE TABLE t(a)": .ok, "DROP TABLE nope": .execError])
        let r = run("statement ok\nCREATE TABLE t(a)\n\nstatement error\nDROP TABLE nope\n\n"
                    + "statement ok\nDROP TABLE nope\n\nstatement error\nCREATE TABLE t(a)\n", e)
        #expect(r.passed == 2)
        #expect(r.failed == 2)
        #expect(r.failures.map(\.line) == [7, 10])
    }

    @Test func queryRenderingAndSorting() {
        let e = FakeEngine(["Q": .rows([[.integer(9), .text("b")], [.integer(10), .null], [.real(2.5), .text("")]])])
        // rowsort compares rendered strings byte-wise: "10" < "2" < "9"
        let pass = run("query IT rowsort\nQ\n----\n10\nNULL\n2\n(empty)\n9\nb\n", e)
        #expect(pass.passed == 1 && pass.failed == 0)
        let nosort = run("query IT nosort\nQ\n----\n9\nb\n10\nNULL\n2\n(empty)\n", e)
        #expect(nosort.passed == 1)
        let swapped = run("query IT nosort\nQ\n----\n10\nNULL\n9\nb\n2\n(empty)\n", e)
        #expect(swapped.failed == 1)
        let valuesort = run("query IT valuesort\nQ\n----\n(empty)\n10\n2\n9\nNULL\nb\n", e)
        #expect(valuesort.passed == 1)
        // the type letter, not the value, decides the rendering
        let asReal = run("query RT nosort\nQ\n----\n9.000\nb\n10.000\nNULL\n2.500\n(empty)\n", e)
        #expect(asReal.passed == 1)
        // a missing value fails, so does an extra one
        #expect(run("query IT nosort\nQ\n----\n9\nb\n10\nNULL\n2\n", e).failed == 1)
        #expect(run("query IT nosort\nQ\n----\n9\nb\n10\nNULL\n2\n(empty)\nx\n", e).failed == 1)
        // a type string that does not match the column count fails
        #expect(run("query I nosort\nQ\n----\n9\n10\n2\n", e).failed == 1)
    }

    @Test func hashThreshold() {
        let nine = (1...9).map { [SLTValue.integer(Int64($0))] }
        let e = FakeEngine(["Q": .rows(nine), "E": .rows([])])
        // 9 values > default threshold 8: hashed; md5 of the sorted values "1\n10\n…"? no: 1..9
        let md5 = hashValues((1...9).map(String.init))
        #expect(run("query I nosort\nQ\n----\n9 values hashing to \(md5)\n", e).passed == 1)
        // listing the values when they must be hashed fails
        let listed = "query I nosort\nQ\n----\n" + (1...9).map(String.init).joined(separator: "\n") + "\n"
        #expect(run(listed, e).failed == 1)
        // hash-threshold 10: listed values pass, the hash line fails
        #expect(run("hash-threshold 10\n\n" + listed, e).passed == 1)
        #expect(run("hash-threshold 10\n\nquery I nosort\nQ\n----\n9 values hashing to \(md5)\n", e).failed == 1)
        // 0 = never hash
        #expect(run("hash-threshold 0\n\n" + listed, e).passed == 1)
        // --ht overrides the script's records
        #expect(run("hash-threshold 10\n\nquery I nosort\nQ\n----\n9 values hashing to \(md5)\n", e, ht: 8).passed == 1)
        #expect(run("hash-threshold 8\n\n" + listed, e, ht: 0).passed == 1)
        // a wrong hash or a wrong count fails
        #expect(run("query I nosort\nQ\n----\n9 values hashing to \(MD5.hex("x"))\n", e).failed == 1)
        #expect(run("query I nosort\nQ\n----\n8 values hashing to \(md5)\n", e).failed == 1)
        // the hash covers the sorted values: valuesort of the reversed rows gives the same hash
        let reversed = FakeEngine(["Q": .rows(nine.reversed())])
        #expect(run("query I valuesort\nQ\n----\n9 values hashing to \(md5)\n", reversed).passed == 1)
        #expect(run("query I nosort\nQ\n----\n9 values hashing to \(md5)\n", reversed).failed == 1)
        // an empty result is an empty block
        #expect(run("query I nosort\nE\n----\n", e).passed == 1)
    }

    @Test func labels() {
        let e = FakeEngine(["A": .rows([[.integer(1)], [.integer(2)]]), "B": .rows([[.integer(2)], [.integer(1)]]),
                            "C": .rows([[.integer(3)]])])
        // same label, same sorted values: pass
        #expect(run("query I rowsort label-1\nA\n----\n1\n2\n\nquery I rowsort label-1\nB\n----\n1\n2\n", e).passed == 2)
        // a query whose own expected block matches but whose hash differs from its group: fail
        let r = run("query I rowsort label-1\nA\n----\n1\n2\n\nquery I rowsort label-1\nC\n----\n3\n", e)
        #expect(r.passed == 1 && r.failed == 1)
        #expect(r.failures.first?.reason.contains("label") == true)
        // the label of a skipped query counts: its expected block sets the group's hash
        let skipped = "onlyif mysql\nquery I rowsort label-9\nZ\n----\n3\n\nquery I rowsort label-9\nA\n----\n1\n2\n"
        let s = run(skipped, e)
        #expect(s.skipped == 1 && s.failed == 1 && s.passed == 0)
        // ... also when it is a hash line
        let hashed = "skipif sqlite\nquery I rowsort label-9\nZ\n----\n2 values hashing to \(hashValues(["1", "2"]))\n\n"
            + "query I rowsort label-9\nA\n----\n1\n2\n"
        let h = run(hashed, e)
        #expect(h.skipped == 1 && h.passed == 1 && h.failed == 0)
        // the skipped query itself never runs
        #expect(!e.log.contains("Z"))
    }

    @Test func conditionals() {
        let e = FakeEngine(["S": .ok, "Q": .rows([[.integer(1)]])])
        let text = "skipif sqlite\nstatement ok\nX\n\nonlyif mysql\nstatement ok\nX\n\nonlyif SQLITE\nstatement ok\nS\n\n"
            + "skipif mysql\nskipif postgresql\nquery I nosort\nQ\n----\n1\n"
        let r = run(text, e)
        #expect(r.passed == 2 && r.skipped == 2 && r.failed == 0)
        // the engine name drives it: as "mysql" the other two run
        let m = run(text, FakeEngine(["S": .ok, "X": .ok, "Q": .rows([[.integer(1)]])]), engineName: "mysql")
        #expect(m.passed == 2 && m.skipped == 2)
    }

    @Test func haltRecords() {
        let e = FakeEngine(["S": .ok])
        let text = "statement ok\nS\n\nskipif sqlite\nhalt\n\nstatement ok\nS\n\nonlyif sqlite\nhalt\n\nstatement ok\nS\n"
        let r = run(text, e)
        #expect(r.passed == 2 && r.failed == 0)
        #expect(r.stopReason?.contains("halt") == true)
        // as another engine the first halt applies
        #expect(run(text, e, engineName: "mysql").passed == 1)
        // --halt stops at the first failure
        let f = "statement ok\nBAD\n\nstatement ok\nS\n"
        #expect(run(f, FakeEngine(["S": .ok, "BAD": .execError]), halt: true).passed == 0)
        #expect(run(f, FakeEngine(["S": .ok, "BAD": .execError])).passed == 1)
        // an unknown record fails and stops the file
        let u = run("statement ok\nS\n\nstatement maybe\nS\n\nstatement ok\nS\n", e)
        #expect(u.passed == 1 && u.failed == 1)
    }

    @Test func stepErrorKeepsRowsSoFar() {
        let e = FakeEngine(["SUM": .stepError([]), "PART": .stepError([[.integer(1)]]), "BAD": .prepareError])
        // a run-time error while stepping is not a failure: the rows before it are the result
        #expect(run("query I nosort\nSUM\n----\n", e).passed == 1)
        #expect(run("query I nosort\nPART\n----\n1\n", e).passed == 1)
        // a prepare error fails the query
        #expect(run("query I nosort\nBAD\n----\n", e).failed == 1)
    }

    @Test func workerStreamCountsADeadWorker() {
        // finished stream
        let ok = parseWorkerStream(Array("T4;ppfD5:hellosZ".utf8), path: "x.test", status: nil)
        #expect(ok.passed == 2 && ok.failed == 1 && ok.skipped == 1 && ok.abnormal == nil)
        #expect(ok.details == ["hello"])
        // died after 3 of 10 records: the remaining 7 count as failed
        let dead = parseWorkerStream(Array("T10;ppf".utf8), path: "x.test", status: "signal 11")
        #expect(dead.passed == 2 && dead.failed == 8)
        #expect(dead.abnormal?.contains("signal 11") == true)
        // died before saying anything: one failure
        #expect(parseWorkerStream([], path: "x.test", status: "signal 6").failed == 1)
        // engine did not open: every planned record fails
        let noEngine = parseWorkerStream(Array("T5;A4:nopeZ".utf8), path: "x.test", status: nil)
        #expect(noEngine.failed == 5 && noEngine.abnormal == "nope")
    }

    @Test func commandLine() throws {
        let o = try parseCommandLine(["--engine", "mysql", "--ht", "0", "--jobs", "3", "--halt", "--show", "2", "a.test"])
        #expect(o.run.engineName == "mysql" && o.run.hashThreshold == 0 && o.jobs == 3)
        #expect(o.run.haltOnFailure && o.show == 2 && o.paths == ["a.test"])
        #expect(throws: UsageError.self) { try parseCommandLine(["--jobs", "0", "a"]) }
        #expect(throws: UsageError.self) { try parseCommandLine(["--bogus", "a"]) }
        #expect(throws: UsageError.self) { try parseCommandLine([]) }
    }
}
