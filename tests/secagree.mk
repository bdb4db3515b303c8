# Tests of the RFC 3329 header grammar and Security-Verify equivalence.
check_PROGRAMS += tests/check_secagree_hdr
TESTS += tests/check_secagree_hdr
tests_check_secagree_hdr_SOURCES = tests/check_secagree_hdr.c
tests_check_secagree_hdr_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_secagree_hdr_LDADD = sip/libsbcsip.a $(CHECK_LIBS)

# Tests of the sec-agree policy: mechanism choice and Security-Server values,
# and the message edits that carry them.
check_PROGRAMS += tests/check_secagree_policy
TESTS += tests/check_secagree_policy
tests_check_secagree_policy_SOURCES = tests/check_secagree_policy.c
tests_check_secagree_policy_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_secagree_policy_LDADD = sip/libsbcsip.a $(SBC_CORE_LIBS) $(OSIP_LIBS) $(SBC_CORE_EXT_LIBS) \
	$(CHECK_LIBS)

# Tests of emulated ipsec-3gpp: key expansion, SPI pool, SA backend.
check_PROGRAMS += tests/check_ipsec
TESTS += tests/check_ipsec
tests_check_ipsec_SOURCES = tests/check_ipsec.c
tests_check_ipsec_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_ipsec_LDADD = sip/libsbcsip.a $(SBC_CORE_LIBS) $(SBC_CORE_EXT_LIBS) $(CHECK_LIBS)

# Sec-agree end to end with the TLS mechanism: the real daemon, the test UE
# (UDP then TLS, as seed 003) and the ACLI for hot apply.
check_PROGRAMS += tests/check_secagree_tls
TESTS += tests/check_secagree_tls
tests_check_secagree_tls_SOURCES = tests/check_secagree_tls.c tests/sbc_test_ue.c \
	tests/sbc_test_ue.h tests/sbc_test_daemon.c tests/sbc_test_daemon.h \
	tests/sbc_test_telnet.c tests/sbc_test_telnet.h tests/sbc_test_util.c tests/sbc_test_util.h \
	tests/sbc_test_sipp.c tests/sbc_test_sipp.h
tests_check_secagree_tls_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_secagree_tls_LDADD = security/libsbcsec.a core/libsbclog.a $(OSIP_LIBS) \
	$(OPENSSL_LIBS) $(CHECK_LIBS) $(LIBS)

# Sec-agree end to end with ipsec-3gpp: IMS-AKA through the embedded core,
# the test UE on its port-c toward the P-CSCF's port-s, the SPI pool, and
# an external core's ck / ik.
check_PROGRAMS += tests/check_secagree_ipsec
TESTS += tests/check_secagree_ipsec
tests_check_secagree_ipsec_SOURCES = tests/check_secagree_ipsec.c tests/sbc_test_ue.c \
	tests/sbc_test_ue.h tests/sbc_test_daemon.c tests/sbc_test_daemon.h \
	tests/sbc_test_telnet.c tests/sbc_test_telnet.h tests/sbc_test_util.c tests/sbc_test_util.h
tests_check_secagree_ipsec_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_secagree_ipsec_LDADD = security/libsbcsec.a core/libsbclog.a $(OSIP_LIBS) \
	$(OPENSSL_LIBS) $(CHECK_LIBS) $(LIBS)

# The sec-agree design notes.
EXTRA_DIST += docs/sec-agree.md
# The sipp scenarios check_secagree_tls runs.
EXTRA_DIST += tests/sipp/secagree_offer_tls.xml tests/sipp/secagree_offer_none.xml \
	tests/sipp/secagree_disabled.xml tests/sipp/secagree_message_unprotected.xml
