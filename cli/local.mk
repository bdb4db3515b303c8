noinst_LIBRARIES += cli/libsbccli.a
cli_libsbccli_a_SOURCES =
include cli/access.mk
include cli/commands.mk
