# SIP core tests: authentication primitives (no daemon) and end-to-end
# registration through the real daemon driven by sipp (tests/sipp/).
check_PROGRAMS += tests/check_auth
TESTS += tests/check_auth
tests_check_auth_SOURCES = tests/check_auth.c
tests_check_auth_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_auth_LDADD = security/libsbcsec.a core/libsbclog.a $(OSIP_LIBS) $(OPENSSL_LIBS) \
	$(CHECK_LIBS) $(LIBS)

# The test computes Digest / AKA answers with security/ and reads SIP with
# libosip2, as a UE would; the daemon under test is the real binary.
# check_sip: registration, transport, malformed input, an external core and
# the sip-config limits; check_sip_counters: exact `show` counters on a
# fresh daemon per test; check_sip_apply: hot apply and activate-config
# under load. tests/sbc_test_sip.[ch] holds what they share (with
# check_sip_agent below).
SBC_TEST_SIP_SOURCES = tests/sbc_test_sip.c tests/sbc_test_sip.h tests/sbc_test_daemon.c \
	tests/sbc_test_daemon.h tests/sbc_test_telnet.c tests/sbc_test_telnet.h \
	tests/sbc_test_sipp.c tests/sbc_test_sipp.h tests/sbc_test_util.c tests/sbc_test_util.h \
	tests/sbc_test_ue.c tests/sbc_test_ue.h
SBC_TEST_SIP_LDADD = security/libsbcsec.a core/libsbclog.a $(OSIP_LIBS) $(OPENSSL_LIBS) \
	$(CHECK_LIBS) $(LIBS)

check_PROGRAMS += tests/check_sip
TESTS += tests/check_sip
tests_check_sip_SOURCES = tests/check_sip.c $(SBC_TEST_SIP_SOURCES)
tests_check_sip_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_sip_LDADD = $(SBC_TEST_SIP_LDADD)

check_PROGRAMS += tests/check_sip_counters
TESTS += tests/check_sip_counters
tests_check_sip_counters_SOURCES = tests/check_sip_counters.c $(SBC_TEST_SIP_SOURCES)
tests_check_sip_counters_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_sip_counters_LDADD = $(SBC_TEST_SIP_LDADD)

check_PROGRAMS += tests/check_sip_apply
TESTS += tests/check_sip_apply
tests_check_sip_apply_SOURCES = tests/check_sip_apply.c $(SBC_TEST_SIP_SOURCES)
tests_check_sip_apply_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_sip_apply_LDADD = $(SBC_TEST_SIP_LDADD)
EXTRA_DIST += tests/sipp/register_digest.xml tests/sipp/register_forbidden.xml \
	tests/sipp/register_unknown.xml tests/sipp/register_aka.xml tests/sipp/register_dereg.xml \
	tests/sipp/register_message.xml tests/sipp/message_unregistered.xml \
	tests/sipp/invite_registered.xml tests/sipp/register_retransmit.xml \
	tests/sipp/register_expire.xml

# The slab that keeps registration bindings apart from the malloc heap.
check_PROGRAMS += tests/check_slab
TESTS += tests/check_slab
tests_check_slab_SOURCES = tests/check_slab.c
tests_check_slab_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_slab_LDADD = sip/libsbcsip.a $(CHECK_LIBS)

# The P-CSCF toward a session-agent (a UDP socket in the test): INVITE as a
# transaction-stateful proxy, responses on a new TCP connection (RFC 3261
# 18.2.2), rule names of 503s and stream closes.
check_PROGRAMS += tests/check_sip_agent
TESTS += tests/check_sip_agent
tests_check_sip_agent_SOURCES = tests/check_sip_agent.c $(SBC_TEST_SIP_SOURCES)
tests_check_sip_agent_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_sip_agent_LDADD = $(SBC_TEST_SIP_LDADD)
