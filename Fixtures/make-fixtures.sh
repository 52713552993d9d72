#!/usr/bin/env bash
# Regenerates every database fixture in Fixtures/db/ with the sqlite3 CLI (3.40.1).
# Each file stays small (<= ~300 KB); big trees and 1 MB blobs are made by the tests at run
# time (Tests/LoomTests/FixtureOracleTests.swift). Usage: Fixtures/make-fixtures.sh
set -euo pipefail
cd "$(dirname "$0")/db"
rm -f ./*.db ./*.db-journal

# A deterministic body of rows: ints, reals, text of many lengths (some overflowing), blobs.
rows() { # $1 = row count, $2 = max text repeat
cat <<SQL
CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, s TEXT, r REAL, b BLOB);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < $1)
INSERT INTO t(k, s, r, b) SELECT (i*7919) % 1000 - 500,
  substr(printf('%.*c', (i*37) % $2, 'x') || 'row' || i, 1),
  CASE WHEN i % 4 = 0 THEN NULL ELSE i / 4.0 END,
  CASE WHEN i % 3 = 0 THEN randomblob(0) ELSE zeroblob(i % 50) END FROM c;
UPDATE t SET b = x'00ff10' WHERE id % 5 = 0;
CREATE INDEX t_k ON t(k);
SQL
}

for ps in 512 1024 2048 4096 8192 16384 32768 65536; do
  n=$(( 200 * 512 / ps )); [ $n -lt 3 ] && n=3
  { echo "PRAGMA page_size=$ps;"; rows $n $(( ps < 4096 ? ps * 2 : 1500 )); } | sqlite3 "pagesize-$ps.db"
done

for av in none full incremental; do
  { echo "PRAGMA page_size=1024; PRAGMA auto_vacuum=$av;"; rows 150 1500
    echo "CREATE TABLE u(x TEXT, y); INSERT INTO u SELECT s, id FROM t WHERE id % 3 = 1;"
    echo "DELETE FROM t WHERE id % 4 = 1; DELETE FROM u WHERE y % 5 = 0;"
    echo "CREATE TABLE gone(a); INSERT INTO gone SELECT s FROM t; DROP TABLE gone;"
  } | sqlite3 "autovacuum-$av.db"
done
# Incremental: give some pages back, keep the rest on the freelist.
sqlite3 autovacuum-incremental.db "PRAGMA incremental_vacuum(5);"

{ echo "PRAGMA page_size=1024;"
  echo "CREATE TABLE o(id INTEGER PRIMARY KEY, s TEXT, b BLOB);"
  echo "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 20)"
  echo "INSERT INTO o SELECT i, printf('%.*c', i*300, 'o') || i, zeroblob(i*150) FROM c;"
  echo "CREATE INDEX o_s ON o(s);"
} | sqlite3 overflow.db

sqlite3 indexes.db <<'SQL'
PRAGMA page_size=1024;
CREATE TABLE p(a INTEGER, b TEXT, c REAL, d TEXT);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 300)
INSERT INTO p SELECT i % 17, char(65 + i % 26) || lower(char(65 + (i*7) % 26)) || i, i * 0.5,
  CASE i % 3 WHEN 0 THEN 'Abc ' WHEN 1 THEN 'abc' ELSE 'ABC  ' END || (i % 10) FROM c;
INSERT INTO p VALUES(NULL, NULL, NULL, NULL), (3, x'0102', 1.5, 'zz');
CREATE INDEX p_ab ON p(a, b);
CREATE INDEX p_desc ON p(a DESC, c);
CREATE INDEX p_nocase ON p(d COLLATE NOCASE);
CREATE INDEX p_rtrim ON p(d COLLATE RTRIM DESC, b COLLATE NOCASE);
CREATE UNIQUE INDEX p_b ON p(b);
SQL

sqlite3 without-rowid.db <<'SQL'
PRAGMA page_size=1024;
CREATE TABLE w(k TEXT PRIMARY KEY, v INTEGER, pad TEXT) WITHOUT ROWID;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 500)
INSERT INTO w SELECT 'key' || i, i * 3, printf('%.*c', (i*13) % 200, 'p') FROM c;
CREATE TABLE w2(a INTEGER, b TEXT COLLATE NOCASE, c, PRIMARY KEY(a DESC, b)) WITHOUT ROWID;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 200)
INSERT INTO w2 SELECT i % 20, 'B' || i, i FROM c;
CREATE INDEX w_v ON w(v DESC);
CREATE INDEX w2_c ON w2(c);
DELETE FROM w WHERE v % 7 = 0;
SQL

{ echo "PRAGMA page_size=1024;"; rows 200 1500
  echo "DELETE FROM t WHERE id % 3 <> 0; CREATE TABLE f(x); INSERT INTO f SELECT s FROM t; DROP TABLE f;"
} | sqlite3 freelist.db

for enc in UTF-16le UTF-16be; do
  sqlite3 "$(echo "$enc" | tr 'A-Z' 'a-z' | tr -d '-').db" <<SQL
PRAGMA encoding='$enc';
PRAGMA page_size=1024;
CREATE TABLE "tëxt"(id INTEGER PRIMARY KEY, s TEXT, n, b BLOB);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 200)
INSERT INTO "tëxt"(s, n, b) SELECT 'ünïcödé ' || i || ' ' || printf('%.*c', (i*11) % 300, 'w'), i * 1.25, x'c3a9' FROM c;
INSERT INTO "tëxt"(s) VALUES('日本語'), ('😀 emoji'), (''), ('a''b');
CREATE INDEX "tëxt_s" ON "tëxt"(s);
SQL
done
ls -l
