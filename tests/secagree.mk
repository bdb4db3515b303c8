# Tests of the RFC 3329 header grammar and Security-Verify equivalence.
check_PROGRAMS += tests/check_secagree_hdr
TESTS += tests/check_secagree_hdr
tests_check_secagree_hdr_SOURCES = tests/check_secagree_hdr.c
tests_check_secagree_hdr_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_secagree_hdr_LDADD = sip/libsbcsip.a $(CHECK_LIBS)

# Tests of the sec-agree policy: mechanism choice and Security-Server values.
check_PROGRAMS += tests/check_secagree_policy
TESTS += tests/check_secagree_policy
tests_check_secagree_policy_SOURCES = tests/check_secagree_policy.c
tests_check_secagree_policy_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_secagree_policy_LDADD = sip/libsbcsip.a $(SBC_CORE_LIBS) $(SBC_CORE_EXT_LIBS) $(CHECK_LIBS)

# Tests of emulated ipsec-3gpp: key expansion, SPI pool, SA backend.
check_PROGRAMS += tests/check_ipsec
TESTS += tests/check_ipsec
tests_check_ipsec_SOURCES = tests/check_ipsec.c
tests_check_ipsec_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_ipsec_LDADD = sip/libsbcsip.a $(SBC_CORE_LIBS) $(SBC_CORE_EXT_LIBS) $(CHECK_LIBS)
