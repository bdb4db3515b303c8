# Benchmarks: print figures, never part of `make check`. `make bench` builds
# and runs them (bench/bench_register.sh needs sipp and python3).
EXTRA_PROGRAMS += bench/bench_regtable
bench_bench_regtable_SOURCES = bench/bench_regtable.c
bench_bench_regtable_LDADD = sip/libsbcsip.a core/libsbclog.a $(OPENSSL_LIBS) $(LIBS)
EXTRA_DIST += bench/bench_register.sh bench/register_bench.xml
CLEANFILES += bench/bench_regtable$(EXEEXT)

bench: bench/bench_regtable$(EXEEXT) sbcemu$(EXEEXT)
	bench/bench_regtable$(EXEEXT)
	$(SHELL) $(srcdir)/bench/bench_register.sh ./sbcemu$(EXEEXT)
.PHONY: bench
