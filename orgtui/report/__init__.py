"""Reports on an org's results, for a person: `orgtui report` (`DIR/report.md` and its PNG
plots, from one org's ledger) and `orgtui eval` (several orgs each run for a fixed time in a
throwaway copy, their scores compared). The only package that imports matplotlib; it reads
the ledger read-only and takes every figure from `orgtui.judge`."""
