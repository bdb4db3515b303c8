# Tests of the ACLI command tree: sessions driven in-process against a real
# store (check_cli_commands), and over telnet, SSH and the console against the
# daemon (check_cli_e2e).
check_PROGRAMS += tests/check_cli_commands
TESTS += tests/check_cli_commands
tests_check_cli_commands_SOURCES = tests/check_cli_commands.c \
	tests/sbc_test_util.c tests/sbc_test_util.h
tests_check_cli_commands_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_cli_commands_LDADD = $(SBC_LIBS) $(SBC_EXT_LIBS) $(CHECK_LIBS)
check_PROGRAMS += tests/check_cli_e2e
TESTS += tests/check_cli_e2e
tests_check_cli_e2e_SOURCES = tests/check_cli_e2e.c \
	tests/sbc_test_telnet.c tests/sbc_test_telnet.h \
	tests/sbc_test_ssh.c tests/sbc_test_ssh.h \
	tests/sbc_test_daemon.c tests/sbc_test_daemon.h \
	tests/sbc_test_util.c tests/sbc_test_util.h
tests_check_cli_e2e_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(SSH_CFLAGS)
tests_check_cli_e2e_LDADD = $(SSH_LIBS) $(CHECK_LIBS)
