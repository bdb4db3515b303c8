# Tests of the ACLI command tree: sessions driven in-process against a real
# store, and one end-to-end walkthrough over telnet against the daemon.
check_PROGRAMS += tests/check_cli_commands
TESTS += tests/check_cli_commands
tests_check_cli_commands_SOURCES = tests/check_cli_commands.c \
	tests/sbc_test_telnet.c tests/sbc_test_telnet.h \
	tests/sbc_test_daemon.c tests/sbc_test_daemon.h \
	tests/sbc_test_util.c tests/sbc_test_util.h
tests_check_cli_commands_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_cli_commands_LDADD = $(SBC_LIBS) $(SBC_EXT_LIBS) $(CHECK_LIBS)
