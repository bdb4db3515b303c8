# Benchmarks: print figures, never part of `make check`. `make bench` builds
# and runs them (bench/bench_register.sh needs sipp and python3).
EXTRA_PROGRAMS += bench/bench_regtable
bench_bench_regtable_SOURCES = bench/bench_regtable.c
bench_bench_regtable_LDADD = sip/libsbcsip.a core/libsbclog.a $(OPENSSL_LIBS) $(LIBS)
# Sec-agree registrations (TLS, ipsec-3gpp) next to plain ones, through the
# real daemon with the test UE's load mode (bench/README.md).
EXTRA_PROGRAMS += bench/bench_secagree
bench_bench_secagree_SOURCES = bench/bench_secagree.c tests/sbc_test_ue.c tests/sbc_test_ue.h \
	tests/sbc_test_daemon.c tests/sbc_test_daemon.h tests/sbc_test_telnet.c \
	tests/sbc_test_telnet.h
bench_bench_secagree_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/tests
bench_bench_secagree_LDADD = security/libsbcsec.a core/libsbclog.a $(OSIP_LIBS) \
	$(OPENSSL_LIBS) $(LIBS)
EXTRA_DIST += bench/bench_register.sh bench/register_bench.xml bench/README.md
CLEANFILES += bench/bench_regtable$(EXEEXT) bench/bench_secagree$(EXEEXT)

bench: bench/bench_regtable$(EXEEXT) bench/bench_secagree$(EXEEXT) sbcemu$(EXEEXT)
	bench/bench_regtable$(EXEEXT)
	SBCEMU=./sbcemu$(EXEEXT) bench/bench_secagree$(EXEEXT) $(BENCH_SECAGREE_FLAGS)
	$(SHELL) $(srcdir)/bench/bench_register.sh ./sbcemu$(EXEEXT)
.PHONY: bench
