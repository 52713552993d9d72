#!/bin/bash
# This file measures the per-statement instruction cost of Loom (or sqlite3) on point queries
# and single-row INSERTs under callgrind: two runs of N and 3N statements, the difference / 2N.
# Used for the compile-cost numbers of Spec/L5-sql.md §"Prepare cost".
# Usage: Fixtures/bench/prepare-cost.sh BINARY [N]   (BINARY: .build/release/loom or sqlite3)
set -euo pipefail
BIN=$1; N=${2:-1000}; DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
script() { # kind count autocommit
    echo "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, s TEXT);"
    echo "CREATE TABLE u(a INTEGER, b INTEGER, c TEXT);"
    echo "WITH RECURSIVE c(x) AS (VALUES(1) UNION ALL SELECT x+1 FROM c WHERE x<2000) INSERT INTO t SELECT x, x*7, 'v'||x FROM c;"
    [ "$3" = 1 ] || echo "BEGIN;"
    for i in $(seq 1 "$2"); do
        if [ "$1" = select ]; then echo "SELECT k, s FROM t WHERE id=$(( (i * 7919) % 2000 + 1 ));"
        else echo "INSERT INTO u VALUES($(( (i * 104729) % 1000000 )),$i,'text $i');"; fi
    done
    [ "$3" = 1 ] || echo "COMMIT;"
}
cost() { # kind count autocommit -> instructions
    script "$1" "$2" "$3" > "$DIR/in.sql"
    valgrind --tool=callgrind --callgrind-out-file="$DIR/cg.out" "$BIN" < "$DIR/in.sql" > /dev/null 2> "$DIR/err"
    grep -o "Collected : [0-9]*" "$DIR/err" | awk '{print $3}'
}
for run in "select 0" "insert 0" "select 1"; do
    set -- $run
    a=$(cost "$1" "$N" "$2"); b=$(cost "$1" $((3 * N)) "$2")
    echo "$1$([ "$2" = 1 ] && echo ' (autocommit)'): $(( (b - a) / (2 * N) )) instructions per statement"
done
