"""Load benchmarks for the line: `make bench`. Not part of `make test`."""
