# bench/local.mk - benchmark programs (built by `make bench`, not run by make check).
