# Foundation tests: the configuration model and the store. They link only the
# libraries below the ACLI so they build on their own.
SBC_CORE_LIBS = core/libsbccore.a config-schema/libsbccfg.a security/libsbcsec.a core/libsbclog.a
SBC_CORE_EXT_LIBS = $(OPENSSL_LIBS) $(XML_LIBS) $(ZLIB_LIBS) $(LIBS)

check_PROGRAMS += tests/check_config tests/check_store
TESTS += tests/check_config tests/check_store
AM_TESTS_ENVIRONMENT = export SBC_TEST_SRCDIR='$(abs_top_srcdir)' SBC_TEST_BUILDDIR='$(abs_top_builddir)' \
	XMLLINT='$(XMLLINT)';

tests_check_config_SOURCES = tests/check_config.c tests/sbc_test_util.c tests/sbc_test_util.h
tests_check_config_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_config_LDADD = $(SBC_CORE_LIBS) $(SBC_CORE_EXT_LIBS) $(CHECK_LIBS)

tests_check_store_SOURCES = tests/check_store.c tests/sbc_test_util.c tests/sbc_test_util.h
tests_check_store_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_store_LDADD = $(SBC_CORE_LIBS) $(SBC_CORE_EXT_LIBS) $(CHECK_LIBS)

# The log API's formatting and batching (stderr captured in a file).
check_PROGRAMS += tests/check_log
TESTS += tests/check_log
tests_check_log_SOURCES = tests/check_log.c
tests_check_log_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_log_LDADD = core/libsbclog.a $(OPENSSL_LIBS) $(CHECK_LIBS)

# Every test program's main() ends with it (header only).
EXTRA_DIST += tests/sbc_test_run.h


# The program's own command line, against the built binary.
TESTS += tests/test_sbcemu_options.sh
EXTRA_DIST += tests/test_sbcemu_options.sh
