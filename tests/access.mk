# Tests of the ACLI access layer against the real daemon: telnet, SSH and
# console logins, max-sessions, concurrency and re-binding on activate.
check_PROGRAMS += tests/check_access
TESTS += tests/check_access
tests_check_access_SOURCES = tests/check_access.c \
	tests/sbc_test_telnet.c tests/sbc_test_telnet.h \
	tests/sbc_test_ssh.c tests/sbc_test_ssh.h \
	tests/sbc_test_daemon.c tests/sbc_test_daemon.h \
	tests/sbc_test_util.c tests/sbc_test_util.h
tests_check_access_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(SSH_CFLAGS)
tests_check_access_LDADD = $(SBC_LIBS) $(SBC_EXT_LIBS) $(CHECK_LIBS)
