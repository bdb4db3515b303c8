# Benchmarks: print figures, never part of `make check`. `make bench` builds
# and runs them (bench/bench_register.sh needs sipp and python3).
EXTRA_PROGRAMS += bench/bench_regtable
bench_bench_regtable_SOURCES = bench/bench_regtable.c bench/bench_rss.c bench/bench_rss.h
bench_bench_regtable_LDADD = sip/libsbcsip.a core/libsbclog.a $(OPENSSL_LIBS) $(LIBS)
# Sec-agree registrations (TLS, ipsec-3gpp) next to plain ones, through the
# real daemon with the test UE's load mode (bench/README.md).
EXTRA_PROGRAMS += bench/bench_secagree
bench_bench_secagree_SOURCES = bench/bench_secagree.c bench/bench_proc.c bench/bench_proc.h \
	core/sbc_malloc_tune.c core/sbc_malloc_tune.h \
	bench/bench_rss.h tests/sbc_test_ue.c tests/sbc_test_ue.h \
	tests/sbc_test_daemon.c tests/sbc_test_daemon.h tests/sbc_test_telnet.c \
	tests/sbc_test_telnet.h tests/sbc_test_util.c tests/sbc_test_util.h
bench_bench_secagree_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/tests
bench_bench_secagree_LDADD = security/libsbcsec.a core/libsbclog.a $(OSIP_LIBS) \
	$(OPENSSL_LIBS) $(LIBS)
# Issue 7: sbcemu next to Kamailio and Sofia-SIP (bench/compare.sh runs
# them; bench/README.md "Comparison with Kamailio and Sofia-SIP").
EXTRA_PROGRAMS += bench/bench_compare
bench_bench_compare_SOURCES = bench/bench_compare.c bench/bench_compare.h \
	bench/bench_compare_fig1.c bench/bench_compare_fig25.c bench/bench_compare_util.c \
	bench/bench_proc.c bench/bench_proc.h bench/bench_rss.c bench/bench_rss.h \
	tests/sbc_test_ue.c \
	tests/sbc_test_ue.h tests/sbc_test_daemon.c tests/sbc_test_daemon.h \
	tests/sbc_test_telnet.c tests/sbc_test_telnet.h tests/sbc_test_util.c tests/sbc_test_util.h
bench_bench_compare_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/tests
bench_bench_compare_LDADD = security/libsbcsec.a core/libsbclog.a $(OSIP_LIBS) \
	$(OPENSSL_LIBS) $(LIBS)
# Figure 3: associations in-process through the module API, and the show
# code path over them.
EXTRA_PROGRAMS += bench/bench_assoc
bench_bench_assoc_SOURCES = bench/bench_assoc.c bench/bench_rss.c bench/bench_rss.h
bench_bench_assoc_LDADD = $(SBC_LIBS) $(SBC_EXT_LIBS)
# Figure 4: Security-* parsing against Sofia-SIP, only where Sofia-SIP is
# installed (configure: PKG_CHECK_MODULES([SOFIA]...), never required).
if HAVE_SOFIA
EXTRA_PROGRAMS += bench/bench_secparse
bench_bench_secparse_SOURCES = bench/bench_secparse.c
bench_bench_secparse_CFLAGS = $(AM_CFLAGS) $(SOFIA_CFLAGS)
bench_bench_secparse_LDADD = sip/libsbcsip.a core/libsbclog.a $(SOFIA_LIBS) $(LIBS)
BENCH_SECPARSE = bench/bench_secparse$(EXEEXT)
else
BENCH_SECPARSE =
endif
EXTRA_DIST += bench/bench_register.sh bench/register_bench.xml bench/README.md \
	bench/register_noauth.xml bench/kamailio-registrar.cfg bench/compare.sh \
	bench/callgrind.sh bench/bench_secparse.c
CLEANFILES += bench/bench_regtable$(EXEEXT) bench/bench_secagree$(EXEEXT) \
	bench/bench_compare$(EXEEXT) bench/bench_assoc$(EXEEXT) bench/bench_secparse$(EXEEXT)

# `make bench-compare` (DURATION=60 s of traffic by default): issue 7's
# figures side by side with Kamailio and Sofia-SIP, one table at the end.
bench-compare: bench/bench_compare$(EXEEXT) bench/bench_assoc$(EXEEXT) $(BENCH_SECPARSE) \
		sbcemu$(EXEEXT)
	BUILDDIR=. $(SHELL) $(srcdir)/bench/compare.sh
.PHONY: bench-compare

# Soak (issue 6): mixed traffic for SOAK_SECONDS (60 by default; 600 for the
# ten-minute run), failures and resident memory (bench/README.md).
EXTRA_PROGRAMS += bench/bench_soak
bench_bench_soak_SOURCES = bench/bench_soak.c bench/bench_proc.c bench/bench_proc.h \
	bench/bench_rss.c bench/bench_rss.h \
	tests/sbc_test_ue.c tests/sbc_test_ue.h \
	tests/sbc_test_daemon.c tests/sbc_test_daemon.h tests/sbc_test_telnet.c \
	tests/sbc_test_telnet.h tests/sbc_test_util.c tests/sbc_test_util.h
bench_bench_soak_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/tests
bench_bench_soak_LDADD = $(bench_bench_secagree_LDADD)
EXTRA_DIST += bench/soak_register.xml
CLEANFILES += bench/bench_soak$(EXEEXT)
SOAK_SECONDS = 60

soak: bench/bench_soak$(EXEEXT) sbcemu$(EXEEXT)
	SBCEMU=./sbcemu$(EXEEXT) srcdir=$(srcdir) bench/bench_soak$(EXEEXT) -s $(SOAK_SECONDS) \
		$(BENCH_SOAK_FLAGS)
.PHONY: soak

bench: bench/bench_regtable$(EXEEXT) bench/bench_secagree$(EXEEXT) sbcemu$(EXEEXT)
	bench/bench_regtable$(EXEEXT)
	SBCEMU=./sbcemu$(EXEEXT) bench/bench_secagree$(EXEEXT) $(BENCH_SECAGREE_FLAGS)
	$(SHELL) $(srcdir)/bench/bench_register.sh ./sbcemu$(EXEEXT)
	$(MAKE) $(AM_MAKEFLAGS) bench-compare
.PHONY: bench
