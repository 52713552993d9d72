// This file tests the JSON functions against sqlite3 3.40: fixed tables (minification,
// escapes, paths and their errors, edits, merge patch, subtypes through nesting, -> and ->>),
// aggregates, and seeded random documents and paths.
// Layer: L4 functions through L5. Spec: Spec/L4-vdbe.md (§Functions, JSON).
import Foundation
import Testing
import LoomBase
import LoomRecord
import LoomVDBE
import LoomTestSupport
@testable import LoomSQL

@Suite("JSON functions")
struct JSONTests {
    static let expressions: [String] = [
        #"json(' 1.0e5 ')"#,
        #"json('-0')"#,
        #"json('"a\u0041\n"')"#,
        #"json('[1 , 2,{"a" : "b"}]')"#,
        #"json('1E+2')"#,
        #"json('"\x41"')"#,
        #"json('-01')"#,
        #"json('1e')"#,
        #"json('[-]')"#,
        #"json_valid(null)"#,
        #"json(null)"#,
        #"json(1.5)"#,
        #"json(x'5b315d')"#,
        #"json('"\/"')"#,
        #"json_quote(1.5)"#,
        #"json_quote(1e100)"#,
        #"json_quote('a"b\c' || char(10) || char(1)|| char(127) || char(200) || char(8) || char(9) || char(12) || char(13) || char(31))"#,
        #"json_quote(null)"#,
        #"json_quote(x'01')"#,
        #"json_array(1.0, 1e300*1e300, -0.0, 'x', null, 2)"#,
        #"json_array(x'01')"#,
        #"json_object('a',1,'b')"#,
        #"json_object(1,2)"#,
        #"json_object(null,2)"#,
        #"json_object('a',x'00')"#,
        #"json_extract('[1]','$[')"#,
        #"json_extract('[1]','a')"#,
        #"json_extract('[1]','$.')"#,
        #"json_extract('{"a b":1}','$."a b"')"#,
        #"json_extract('{"a":1}','$.a.b')"#,
        #"json_extract('[1]', null)"#,
        #"json_extract(null,'$')"#,
        #"json_extract('[1,2,3]','$[#-1]','$[#]','$[#-4]')"#,
        #"json_extract('[1]','$[#-0]')"#,
        #"json_extract('[1]','$[ 0]')"#,
        #"json_extract('[1]','$[0 ]')"#,
        #"json_extract('[1]','$[-1]')"#,
        #"json_extract('{"a":{"b":2}}','$.a',3)"#,
        #"json_extract('{"a":1}','$.')"#,
        #"json_extract('{"a":1}','$.b[')"#,
        #"json_extract('[1]','$[0]x')"#,
        #"json_extract('[1]','$[1]x')"#,
        #"json_extract('{"a":1}','$x')"#,
        #"json_extract('[1]', '$', null)"#,
        #"json_replace('{"a":1}','$.a')"#,
        #"json_replace('{"a":1}',null,2)"#,
        #"json_set('{"a":1}','$.b',null)"#,
        #"json_set('{"a":1}','$',2)"#,
        #"json_set('{"a":1}','$','x')"#,
        #"json_set('{}','$.a[0]',1)"#,
        #"json_set('{}','$.a[1]',1)"#,
        #"json_set('{}','$.a.b',1)"#,
        #"json_set('{}','$.a',json('{}'),'$.a.b',1)"#,
        #"json_set('[1,2]','$[#]',3,'$[#]',4)"#,
        #"json_remove('[1,2,3]',null)"#,
        #"json_remove('[1,2,3]','$[0]','$[0]')"#,
        #"json_remove('{"a":1,"a":2}','$.a')"#,
        #"json_patch('{}','{"a":1,"a":2}')"#,
        #"json_patch('{"a":1,"a":2}','{"a":null}')"#,
        #"json_patch('[1]','{"a":null,"b":{"c":null}}')"#,
        #"json_patch('{"a":1}', 2)"#,
        #"json_type('[1]','$[0]')"#,
        #"json_type(null)"#,
        #"json_type('[1]',null)"#,
        #"json_array_length('[1]',null)"#,
        #"json_array_length(null)"#,
        #"json_insert('{"a":1}','$.a',2,'$.b',3)"#,
        #"json_set('{"a":1}','$.a.b',2)"#,
        #"json_set('[1]','$[0].x',2)"#,
        #"json_set('{"a\\b":1}','$.a\\b',2)"#,
        #"'{"a":2}' -> 'a'"#,
        #"'[1,2]' -> 1"#,
        #"'[1,2]' ->> '1'"#,
        #"'{"a":[3]}' -> '$.a'"#,
        #"'{"-1":3}' -> -1"#,
        #"'{"a":3}' -> '[0]'"#,
        #"'[3]' -> '[0]'"#,
        #"'[3]' -> 1.5"#,
        #"'[3]' ->> null"#,
        #"null -> '$'"#,
        #"'{"a":"x"}' -> 'a'"#,
        #"json_array('{"a":"x"}' -> 'a')"#,
        #"json_array('{"a":"x"}' ->> 'a')"#,
        #"json_extract('{"a":"\u0041\ud83d\ude00"}','$.a')"#,
        #"json_object('a',json_object('b',2))"#,
        #"json_object()"#,
        #"json_array()"#,
        #"json('[1,2')"#,
        #"json_extract('{"a":2,"c":[4,5,{"f":7}]}', '$')"#,
        #"json_extract('{"a":2,"c":[4,5,{"f":7}]}', '$.c')"#,
        #"json_extract('{"a":2,"c":[4,5,{"f":7}]}', '$.c[2].f')"#,
        #"json_extract('{"a":2,"c":[4,5],"f":7}','$.c','$.a')"#,
        #"json_extract('{"a":2,"c":[4,5],"f":7}','$.c[#-1]')"#,
        #"json_extract('{"a":null}', '$.a')"#,
        #"json_extract('[1.5e3]','$[0]')"#,
        #"json_extract('[123456789012345678901234]','$[0]')"#,
        #"json_extract('[-9223372036854775808]','$[0]')"#,
        #"json_extract('[9223372036854775808]','$[0]')"#,
        #"json_extract('[9223372036854775807]','$[0]')"#,
        #"json_extract('[-9223372036854775809]','$[0]')"#,
        #"json_extract('[true,false,null]','$[0]')"#,
        #"json_extract('[true,false,null]','$[1]')"#,
        #"json_extract('["\u0000x"]','$[0]')"#,
        #"json_extract('["a\tb\"c\\d\/e\bf\fg\nh\ri"]','$[0]')"#,
        #"json_extract('["\u00e9\u20ac"]','$[0]')"#,
        #"json_array(1,2,'3',4)"#,
        #"json_array('[1,2]')"#,
        #"json_array(json_array(1,2))"#,
        #"json_array(1,null,'3','[4,5]','{"six":7.7}')"#,
        #"json_array(1,null,'3',json('[4,5]'),json('{"six":7.7}'))"#,
        #"json_array_length('[1,2,3,4]')"#,
        #"json_array_length('[1,2,3,4]', '$')"#,
        #"json_array_length('[1,2,3,4]', '$[2]')"#,
        #"json_array_length('{"one":[1,2,3]}')"#,
        #"json_array_length('{"one":[1,2,3]}', '$.one')"#,
        #"json_array_length('{"one":[1,2,3]}', '$.two')"#,
        #"json_insert('[1,2,3,4]','$[#]',99)"#,
        #"json_insert('[1,[2,3],4]','$[1][#]',99)"#,
        #"json_insert('{"a":2,"c":4}', '$.a', 99)"#,
        #"json_insert('{"a":2,"c":4}', '$.e', 99)"#,
        #"json_replace('{"a":2,"c":4}', '$.a', 99)"#,
        #"json_replace('{"a":2,"c":4}', '$.e', 99)"#,
        #"json_set('{"a":2,"c":4}', '$.a', 99)"#,
        #"json_set('{"a":2,"c":4}', '$.e', 99)"#,
        #"json_set('{"a":2,"c":4}', '$.c', '[97,96]')"#,
        #"json_set('{"a":2,"c":4}', '$.c', json('[97,96]'))"#,
        #"json_set('{"a":2,"c":4}', '$.c', json_array(97,96))"#,
        #"json_object('a',2,'c',4)"#,
        #"json_object('a',2,'c','{e:5}')"#,
        #"json_object('a',2,'c',json_object('e',5))"#,
        #"json_patch('{"a":1,"b":2}','{"c":3,"d":4}')"#,
        #"json_patch('{"a":[1,2],"b":2}','{"a":9}')"#,
        #"json_patch('{"a":[1,2],"b":2}','{"a":null}')"#,
        #"json_patch('{"a":1,"b":2}','{"a":9,"b":null,"c":8}')"#,
        #"json_patch('{"a":{"x":1,"y":2},"b":3}','{"a":{"y":9},"c":8}')"#,
        #"json_patch('{"a":{"x":1}}','{"a":{"x":null,"y":{"z":null,"w":1}}}')"#,
        #"json_patch('{"a":1}','{"a":{"b":null}}')"#,
        #"json_patch('{"a":{"b":1}}','{"a":{"c":1},"a":{"d":2}}')"#,
        #"json_patch('{"a":1}','{"a":2,"a":3}')"#,
        #"json_remove('[0,1,2,3,4]','$[2]')"#,
        #"json_remove('[0,1,2,3,4]','$[2]','$[0]')"#,
        #"json_remove('[0,1,2,3,4]','$[0]','$[2]')"#,
        #"json_remove('[0,1,2,3,4]','$[#-1]','$[0]')"#,
        #"json_remove('{"x":25,"y":42}')"#,
        #"json_remove('{"x":25,"y":42}','$.z')"#,
        #"json_remove('{"x":25,"y":42}','$.y')"#,
        #"json_remove('{"x":25,"y":42}','$')"#,
        #"json_remove('{"x":25,"y":42}','$.x', '$.x.q')"#,
        #"json_remove('{"x":25}','x')"#,
        #"json_type('{"a":[2,3.5,true,false,null,"x"]}')"#,
        #"json_type('{"a":[2,3.5,true,false,null,"x"]}','$.a')"#,
        #"json_type('{"a":[2,3.5,true,false,null,"x"]}','$.a[1]')"#,
        #"json_type('{"a":[2,3.5,true,false,null,"x"]}','$.a[2]')"#,
        #"json_type('{"a":[2,3.5,true,false,null,"x"]}','$.a[3]')"#,
        #"json_type('{"a":[2,3.5,true,false,null,"x"]}','$.a[4]')"#,
        #"json_type('{"a":[2,3.5,true,false,null,"x"]}','$.a[5]')"#,
        #"json_type('{"a":[2,3.5,true,false,null,"x"]}','$.a[6]')"#,
        #"json_valid('{"x":35}')"#,
        #"json_valid('{"x":35')"#,
        #"json_valid('.5')"#,
        #"json_valid('01')"#,
        #"json_valid('1.')"#,
        #"json_valid('[1,]')"#,
        #"json_valid('{"a":1,}')"#,
        #"json_valid('NaN')"#,
        #"json_valid('"\t"')"#,
        #"json_valid('"' || char(9) || '"')"#,
        #"json_valid('[1] x')"#,
        #"json_valid('')"#,
        #"json_valid(1)"#,
        #"json_valid('nullx')"#,
        #"json_valid('[null,true,false]')"#,
        #"json_valid('[nul]')"#,
        #"json_valid('{"a"}')"#,
        #"json_valid('{1:2}')"#,
        #"json_valid('{"a":1 "b":2}')"#,
        #"json_valid('[1 2]')"#,
        #"json_valid(' [ ] ')"#,
        #"json_valid(' { } ')"#,
        #"json_valid('"\u12"')"#,
        #"json_valid('"\uABCD"')"#,
        #"json_valid('"\a"')"#,
        #"json_valid('1e+')"#,
        #"json_valid('1e5.0')"#,
        #"json_valid('1.5e-3')"#,
        #"json_valid('-0.0')"#,
        #"json_valid('0e1')"#,
        #"json_valid('00')"#,
        #"json_valid('-')"#,
        #"json_valid(char(12) || '1')"#,
        #"json_valid('1' || char(11))"#,
        #"json_valid('[1]' || char(13) || char(10))"#,
        #"json_valid(x'00')"#,
        #"json_quote(3.14159)"#,
        #"json_quote('verdant')"#,
        #"json_quote('[1]')"#,
        #"json_quote(json('[1]'))"#,
        #"json_quote('[1,')"#,
        #"json_quote(json_quote('x'))"#,
        #"json_set('{"a":1}','$.a',json_quote('x'))"#,
        #"json_insert('{"a":1}')"#,
        #"json_insert()"#,
        #"json_set('[1]','$[0]',x'01')"#,
        #"json_set('[1]','$[5]',x'01')"#,
        #"json_set('[1]',1,2)"#,
        #"json_set('x','$',2)"#,
        #"json_replace('[1,2]','$[0]',json('{"q":1}'),'$[0].q',5)"#,
        #"json_set('{"a":{"b":1}}','$.a.b',2,'$.a.c',3,'$.d.e.f',4,'$.g[0][0]',5)"#,
        #"json_set('{}','$."x y"',1)"#,
        #"json_set('{}','$."x',1)"#,
        #"json_set('{}','$.a."b"',1)"#,
        #"json_extract('{"a":{"b":1}}','$."a".b')"#,
        #"json_extract('{"a.b":1}','$."a.b"')"#,
        #"json_extract('{"a":1,"a":2}','$.a')"#,
        #"json_extract('{"\u0061":1}','$.a')"#,
        #"json_object('a"b', 'c\d')"#,
        #"json_group_array(1)"#,
        #"json_array(json('{"a" : [1, 2] }'), json_extract('{"a":[1]}','$.a'), json_extract('{"a":"[1]"}','$.a'))"#,
        #"json_object('k', '{"a":[1]}' -> '$.a', 'j', '{"a":[1]}' ->> '$.a')"#,
        #"json_array(json_set('{}','$.a',1), json_remove('[1]'), json_patch('{}','{}'), json_insert('[]'), json_replace('[]'))"#,
        #"json_array(json_type('[1]'), json_valid('[1]'), json_array_length('[1]'))"#,
        #"json_array(json_set('1','$','[1]'), json_set('1','$',json('[1]')))"#,
        #"'[1,2,3]' -> '$[#-1]'"#,
        #"'{"a":{"b":[1,{"c":true}]}}' ->> '$.a.b[1].c'"#,
        #"'{"a":{"b":[1,{"c":true}]}}' -> '$.a.b[1].c'"#,
        #"'{"a":{"b":[1,{"c":true}]}}' -> 'a'"#,
        #"'{"a":1}' -> 'x y'"#,
        #"'{"x y":1}' -> 'x y'"#,
        #"'{"a":1.50}' -> 'a'"#,
        #"'{"a":1.50}' ->> 'a'"#,
        #"'{"a":"\u0041"}' -> 'a'"#,
        #"'{"a":"\u0041"}' ->> 'a'"#,
        #"json('{"a":"\u0041"}') -> 'a'"#,
        #"'[0,1,2,3,4,5,6,7,8,9,10,11]' -> 11"#,
        #"'[0,1,2,3,4,5,6,7,8,9,10,11]' -> '11'"#,
        #"'[0,1,2,3,4,5,6,7,8,9,10,11]' -> '1x'"#,
        #"'{"a":1}' -> ''"#,
        #"'{"":1}' -> '$.""'"#,
        #"'{"a":1}' -> '.a'"#,
        #"json_extract('[[1,2],[3,4]]','$[1][0]')"#,
        #"json_extract('[[1,2],[3,4]]','$[1]','$[0][1]','$[9]')"#,
        #"json_extract('{"a":[]}','$.a[0]')"#,
        #"json_extract('{}','$')"#,
        #"json_extract('"abc"','$')"#,
        #"json_extract('12','$')"#,
        #"json_extract('1.0','$')"#,
        #"json_extract('-0','$')"#,
        #"json_extract('1e2','$')"#,
        #"json_extract('1E400','$')"#,
        #"json_extract('null','$')"#,
        #"json_array(1e400)"#,
        #"json_array(9223372036854775807, -9223372036854775808)"#,
        #"json_array(0.1, 1e-7, 123456789.123)"#,
        #"json_array('é', char(0x10348))"#,
        #"json_quote(char(0x7f))"#,
        #"json_extract('[1]', '$[00]')"#,
        #"json_extract('[1,2]', '$[01]')"#,
        #"json_extract('[1,2]', '$[#-01]')"#,
        #"json_extract('[1,2]', '$[#-9999999999]')"#,
        #"json_extract('[1,2]', '$[99999999999999999999]')"#,
        #"json_extract('[1,2]', '$[#+1]')"#,
        #"json_extract('[1,2]', '$[#]x')"#,
        #"json_extract('[1,2]', '$[#-1]x')"#,
        #"json_extract('[1,2]', '$#')"#,
        #"json_extract('{"a":1}', '$.a[0]')"#,
        #"json_extract('{"a":[1]}', '$.a.b')"#,
        #"json('  "x"  ')"#,
        #"json('[' || char(9) || '1' || char(10) || ']')"#,
        #"json('{"a":1,"b":[true,false,null],"c":{"d":-1.5e-3}}')"#,
        #"json_patch('{"a":{"b":1}}','{"a":{"c":1},"a":{"d":2}}')"#,
        #"json_patch('{"a":{"b":1}}','{"a":{"c":1},"a":{"b":2}}')"#,
        #"json_patch('{"a":{"b":1}}','{"a":{"c":1},"a":{"c":2}}')"#,
        #"json_patch('{"a":{"b":1}}','{"a":{"c":1},"a":{"b":null}}')"#,
        #"json_patch('{"a":{"b":1}}','{"a":{"c":1},"a":5}')"#,
        #"json_patch('{"a":{"b":1}}','{"x":{"c":1},"x":{"c":2}}')"#,
        #"json_group_array(1)"#,
        #"json_group_object('a', 1)"#,
        #"json_group_array(json('[1]'))"#,
        #"json_array(json_group_array(1))"#,
    ]

    /// Aggregates and the JSON subtype through subqueries, CASE, coalesce, min/max, COLLATE.
    static let script: [String] = [
        #"create table t(a,b)"#,
        #"insert into t values(1,'x'),(2.5,null),(null,'[1]'),('q"',3),(4,'{"z":1}')"#,
        #"select json_group_array(a) from t"#,
        #"select json_group_array(b) from t"#,
        #"select json_group_object(b, a) from t"#,
        #"select json_group_object(a, b) from t"#,
        #"select json_group_array(json(b)) from t where json_valid(b)"#,
        #"select json_array(json_group_array(a)) from t"#,
        #"select json_group_array(a) from t where 0"#,
        #"select json_group_object(a,b) from t where 0"#,
        #"select a, json_group_array(b) from t group by a"#,
        #"select json_object('x', (select json_group_array(a) from t))"#,
        #"select json_group_array(x'01') from t"#,
        #"select json_group_array(distinct 1) from t"#,
        #"select json_array(j) from (select json('[1]') as j)"#,
        #"select json_array(x) from (select json('[3]') x from t order by a)"#,
        #"select json_array((select json('[1]')))"#,
        #"select json_array(case when 1 then json('[1]') end)"#,
        #"select json_array(coalesce(json('[1]'),1))"#,
        #"select json_array(iif(1,json('[1]'),0))"#,
        #"select json_array(nullif(json('[1]'),2))"#,
        #"select json_array(max(json('[1]'),'a'))"#,
        #"select json_array(json('[1]') collate nocase)"#,
        #"select json_array(+json('[1]'))"#,
        #"select json_array(min(json('[1]')))"#,
        #"select json_array(json('[1]'), '[1]')"#,
        #"select b -> '$.z', b ->> 'z' from t"#,
        #"select a, b from t where b -> '$.z' = 1"#,
    ]

    private func expectSame(_ statements: [String], seed: UInt64? = nil) throws {
        try expectMatchesSQLite(statements, note: seed.map { " (seed \($0))" } ?? "")
    }

    @Test func fixedExpressionsMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        try expectSame(Self.expressions.map { "SELECT replace(quote(\($0)), char(10), '~n~')" })
    }

    @Test func aggregatesAndSubtypesMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        try expectSame(Self.script)
    }

    @Test func nestingLimitIs2000() throws {
        guard Oracle.isAvailable else { return }
        let ok = String(repeating: "[", count: 2000) + String(repeating: "]", count: 2000)
        let deep = String(repeating: "[", count: 2001) + String(repeating: "]", count: 2001)
        try expectSame(["SELECT json_valid('\(ok)'), json_valid('\(deep)'), length(json('\(ok)'))"])
    }

    /// A random JSON document written with random spacing (and its keys, for paths).
    private static func document(_ rng: inout SeededRNG, depth: Int, keys: inout [String]) -> String {
        func n(_ k: Int) -> Int { Int(rng.next() % UInt64(k)) }
        let space = [" ", "", "", "\t"]
        func ws(_ rng: inout SeededRNG) -> String { space[Int(rng.next() % UInt64(space.count))] }
        let kind = depth > 2 ? n(6) : n(9)
        switch kind {
        case 0: return ["null", "true", "false"][n(3)]
        case 1: return ["0", "-1", "42", "9223372036854775807", "-9223372036854775808", "18446744073709551616"][n(6)]
        case 2: return ["1.5", "-0.0", "1e3", "2.5E-3", "1.0e+400", "0.1"][n(6)]
        case 3, 4, 5:
            return ["\"\"", "\"a\"", "\"x y\"", "\"q\\\"z\"", "\"\\u00e9\\n\"", "\"[1]\"", "\"\\ud83d\\ude00\""][n(7)]
        case 6, 7:
            var parts: [String] = []
            for _ in 0 ..< n(4) { parts.append(ws(&rng) + document(&rng, depth: depth + 1, keys: &keys) + ws(&rng)) }
            return "[" + parts.joined(separator: ",") + "]"
        default:
            var parts: [String] = []
            for _ in 0 ..< n(4) {
                let key = ["a", "b", "c", "a b", "d"][n(5)]
                keys.append(key)
                parts.append(ws(&rng) + "\"\(key)\"" + ws(&rng) + ":" + document(&rng, depth: depth + 1, keys: &keys))
            }
            return "{" + parts.joined(separator: ",") + "}"
        }
    }

    private static func path(_ rng: inout SeededRNG, keys: [String]) -> String {
        func n(_ k: Int) -> Int { Int(rng.next() % UInt64(k)) }
        var p = "$"
        for _ in 0 ..< n(4) {
            switch n(5) {
            case 0, 1:
                let k = keys.isEmpty ? "a" : keys[n(keys.count)]
                p += k.contains(" ") ? ".\"\(k)\"" : ".\(k)"
            case 2: p += "[\(n(4))]"
            case 3: p += ["[#]", "[#-1]", "[#-2]"][n(3)]
            default: p += ["[", ".", "x", "[#+1]", "[-1]"][n(5)]
            }
        }
        return p
    }

    @Test func randomDocumentsAndPathsMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        var rng = SeededRNG()
        var statements: [String] = []
        for _ in 0 ..< 150 {
            var keys: [String] = []
            var doc = Self.document(&rng, depth: 0, keys: &keys)
            if rng.next() % 8 == 0, !doc.isEmpty {
                // A damaged copy: one byte dropped.
                var b = Array(doc.utf8)
                b.remove(at: Int(rng.next() % UInt64(b.count)))
                doc = String(decoding: b, as: UTF8.self)
            }
            var other: [String] = []
            let patch = Self.document(&rng, depth: 1, keys: &other)
            let q = "'" + doc.replacingOccurrences(of: "'", with: "''") + "'"
            let p1 = Self.path(&rng, keys: keys), p2 = Self.path(&rng, keys: keys)
            // Results may hold newlines; the oracle harness splits rows on them, so mark them.
            func nl(_ e: String) -> String { "replace(quote(\(e)), char(10), '~n~')" }
            statements.append("SELECT \(nl("json_valid(\(q))")), \(nl("json(\(q))"))")
            statements.append("SELECT \(nl("json_extract(\(q), '\(p1)')")), \(nl("json_type(\(q), '\(p1)')"))")
            statements.append("SELECT \(nl("json_extract(\(q), '\(p1)', '\(p2)')")), \(nl("\(q) -> '\(p1)'")), \(nl("\(q) ->> '\(p2)'"))")
            statements.append("SELECT \(nl("json_set(\(q), '\(p1)', 7, '\(p2)', json('[1,{}]'))"))")
            statements.append("SELECT \(nl("json_insert(\(q), '\(p1)', 'v')")), \(nl("json_replace(\(q), '\(p2)', null)"))")
            statements.append("SELECT \(nl("json_remove(\(q), '\(p1)', '\(p2)')")), \(nl("json_array_length(\(q), '\(p1)')"))")
            statements.append("SELECT \(nl("json_patch(\(q), '\(patch)')")), \(nl("json_array(\(q), json(\(q)))"))")
        }
        try expectSame(statements, seed: rng.seed)
    }
}
