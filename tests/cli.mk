include tests/access.mk
include tests/commands.mk
