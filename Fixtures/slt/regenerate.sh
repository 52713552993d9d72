#!/bin/sh
# This script regenerates Fixtures/slt/sample.test, a small slice of the sqllogictest corpus
# for LoomSLTTests (tools: loom-slt; Spec/tools.md). Run from anywhere; needs the corpus.
set -e
SLT=${SLT:-/work/shared/slt}
cd "$(dirname "$0")"
{
  sed -n 1,107p "$SLT/select1.test"          # LF lines: table t1, two hashed nosort queries
  printf '\n'
  sed -n 395,404p "$SLT/select1.test"        # a 3-row nosort query, not hashed
  printf '\n'
  sed -n 1,253p "$SLT/random/select/slt_good_0.test"  # CRLF lines: tab0..2, labels 7 and 36
} > sample.test
