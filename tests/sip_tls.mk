# SIP over TLS, end to end through the real daemon with the test UE
# (tests/sbc_test_ue.c: libosip2 + OpenSSL, since Debian's sipp has no TLS).
check_PROGRAMS += tests/check_sip_tls
TESTS += tests/check_sip_tls
tests_check_sip_tls_SOURCES = tests/check_sip_tls.c tests/sbc_test_ue.c tests/sbc_test_ue.h \
	tests/sbc_test_daemon.c tests/sbc_test_daemon.h tests/sbc_test_telnet.c \
	tests/sbc_test_telnet.h tests/sbc_test_util.c tests/sbc_test_util.h
tests_check_sip_tls_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_sip_tls_LDADD = security/libsbcsec.a core/libsbclog.a $(OSIP_LIBS) $(OPENSSL_LIBS) \
	$(CHECK_LIBS) $(LIBS)
