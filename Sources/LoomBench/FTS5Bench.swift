// This file implements `loom-bench --fts5`: a generated FTS5 workload (N short documents
// indexed by `tokenize='porter unicode61'`, then M MATCH queries) run on loom and sqlite3.
// Layer: tools (loom-bench). Spec: Spec/tools.md, section loom-bench; Spec/L8-fts5.md.
import Foundation

/// The generated FTS5 script and the options of `loom-bench --fts5`.
public enum FTS5Bench {
    /// SplitMix64: the same documents and queries on every run and machine.
    struct RNG {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    /// A vocabulary of pronounceable words (2–4 syllables), most frequent first.
    static func vocabulary(_ count: Int, _ rng: inout RNG) -> [String] {
        let onsets = ["b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
                      "br", "ch", "cl", "dr", "fl", "gr", "pl", "pr", "sh", "st", "th", "tr"]
        let vowels = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou"]
        var seen = Set<String>()
        var out: [String] = []
        while out.count < count {
            var w = ""
            for _ in 0..<(2 + rng.below(3)) { w += onsets[rng.below(onsets.count)] + vowels[rng.below(vowels.count)] }
            if rng.below(3) == 0 { w += ["n", "r", "s", "t", "l", "m"][rng.below(6)] }
            if seen.insert(w).inserted { out.append(w) }
        }
        return out
    }

    /// Zipf-like pick (exponent ≈ 1) among `n` ranks: cumulative weights 1/(k+1).
    struct Zipf {
        let cumulative: [Double]
        init(_ n: Int) {
            var c: [Double] = []
            var s = 0.0
            for k in 0..<n { s += 1 / Double(k + 1); c.append(s) }
            cumulative = c
        }
        func pick(_ rng: inout RNG) -> Int {
            let x = Double(rng.next() >> 11) / Double(1 << 53) * (cumulative.last ?? 1)
            var lo = 0, hi = cumulative.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if cumulative[mid] < x { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
    }

    /// The script: section 100 loads the documents into a plain table, 200 indexes them
    /// with one INSERT … SELECT, 300 runs the queries (counts, ranked top-10s, phrases,
    /// prefixes, OR, NOT, column filters, highlight/snippet on the top rows).
    public static func script(documents: Int, queries: Int, seed: UInt64 = 20261123) -> String {
        var rng = RNG(state: seed)
        let words = vocabulary(20_000, &rng)
        let zipf = Zipf(words.count)
        var out = "CREATE TABLE src(id INTEGER PRIMARY KEY, title TEXT, body TEXT);\n"
        out += "CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize = 'porter unicode61');\n"
        out += "-- begin test 100 load \(documents) documents into a plain table\nBEGIN;\n"
        var id = 0
        while id < documents {
            let batch = min(500, documents - id)
            out += "INSERT INTO src VALUES"
            for k in 0..<batch {
                id += 1
                var title: [String] = []
                for _ in 0..<(2 + rng.below(4)) { title.append(words[zipf.pick(&rng)]) }
                var body: [String] = []
                for i in 0..<(6 + rng.below(15)) {
                    var w = words[zipf.pick(&rng)]
                    if i == 0 { w = w.prefix(1).uppercased() + w.dropFirst() }
                    body.append(w)
                }
                let sentence = body.joined(separator: " ") + (rng.below(4) == 0 ? "!" : ".")
                out += (k == 0 ? "" : ",") + "(\(id),'\(title.joined(separator: " "))','\(sentence)')"
            }
            out += ";\n"
        }
        out += "COMMIT;\n-- end test 100\n"
        out += "-- begin test 200 index \(documents) documents (INSERT INTO fts5 SELECT)\n"
        out += "INSERT INTO docs(rowid, title, body) SELECT id, title, body FROM src;\n-- end test 200\n"
        out += "-- begin test 300 \(queries) MATCH queries\n"
        // Query terms: mostly mid-frequency words, some frequent ones.
        func term() -> String {
            rng.below(10) == 0 ? words[rng.below(50)] : words[50 + rng.below(3000)]
        }
        for q in 0..<queries {
            switch q % 10 {
            case 0, 1:
                out += "SELECT count(*) FROM docs WHERE docs MATCH '\(term())';\n"
            case 2, 3:
                out += "SELECT rowid FROM docs WHERE docs MATCH '\(term()) \(term())' ORDER BY rank LIMIT 10;\n"
            case 4:
                out += "SELECT rowid, title FROM docs WHERE docs MATCH '\(term())' ORDER BY rank LIMIT 5;\n"
            case 5:
                let a = words[rng.below(40)], b = words[rng.below(40)]
                out += "SELECT count(*) FROM docs WHERE docs MATCH '\"\(a) \(b)\"';\n"
            case 6:
                out += "SELECT count(*) FROM docs WHERE docs MATCH '\(term().prefix(3))*';\n"
            case 7:
                out += "SELECT rowid FROM docs WHERE docs MATCH '\(term()) OR \(term())' ORDER BY rowid DESC LIMIT 10;\n"
            case 8:
                out += "SELECT count(*) FROM docs WHERE docs MATCH 'title:\(term()) NOT \(words[rng.below(20)])';\n"
            default:
                out += "SELECT highlight(docs, 1, '[', ']'), snippet(docs, 1, '<', '>', '…', 8) FROM docs WHERE docs MATCH '\(term())' ORDER BY rank LIMIT 3;\n"
            }
        }
        out += "-- end test 300\n"
        return out
    }

    public static let usage = """
        usage: loom-bench --fts5 [--docs N] [--queries M] [--keep FILE] [--runs N] [--loom PATH] [--sqlite3 PATH]
          FTS5: N short documents (default 100000) indexed with porter unicode61, then M MATCH
          queries (default 10000), on loom and sqlite3; the ratio of index + queries is the figure
        """

    /// Runs the workload; returns the report text.
    public static func main(_ args: [String], progress: @escaping (String) -> Void) throws -> String {
        var documents = 100_000, queries = 10_000
        var keep: String? = nil
        var rest: [String] = []
        var i = 1
        while i < args.count {
            let a = args[i]
            if ["--docs", "--queries", "--keep"].contains(a) {
                guard i + 1 < args.count else { throw BenchUsageError.message("\(a) needs a value") }
                let v = args[i + 1]
                if a == "--keep" { keep = v } else {
                    guard let n = Int(v), n >= 1 else { throw BenchUsageError.message("\(a): bad value \(v)") }
                    if a == "--docs" { documents = n } else { queries = n }
                }
                i += 2
            } else {
                rest.append(a)
                i += 1
            }
        }
        let path = keep ?? (NSTemporaryDirectory() + "loom-bench-fts5-\(getpid()).sql")
        try script(documents: documents, queries: queries).write(toFile: path, atomically: false, encoding: .utf8)
        defer { if keep == nil { unlink(path) } }
        let options = try parseBenchArguments(rest + [path])
        let bench = try Bench(options: options, progress: progress)
        let results = try bench.run()
        var text = report(results, options: options)
        if let r = results.first {
            func total(_ e: EngineRuns) -> Double? {
                guard let a = median(e.sections["200"] ?? []), let b = median(e.sections["300"] ?? []) else { return nil }
                return a + b
            }
            let l = total(r.loom), s = total(r.sqlite3)
            text += "\nfts5 index + queries: loom \(fmtSeconds(l)) s, sqlite3 \(fmtSeconds(s)) s, ratio \(fmtRatio(ratio(l, s)))\n"
        }
        return text
    }
}
