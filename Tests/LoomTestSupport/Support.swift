// Test support shared by every test target: seeded RNG, the sqlite3 oracle, temp paths.
