// This file implements Connection: one open database, its schema cache and its transactions.
// Layer: L6. Spec: Spec/L6-session.md.
import LoomBase
import LoomSQL
