# Tests of the RFC 3329 header grammar and Security-Verify equivalence.
check_PROGRAMS += tests/check_secagree_hdr
TESTS += tests/check_secagree_hdr
tests_check_secagree_hdr_SOURCES = tests/check_secagree_hdr.c
tests_check_secagree_hdr_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_secagree_hdr_LDADD = sip/libsbcsip.a $(CHECK_LIBS)
