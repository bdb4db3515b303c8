# The ACLI command tree, generated from the config-schema table.
cli_libsbccli_a_SOURCES += cli/sbc_cli_session.h cli/sbc_cli_session.c \
	cli/sbc_cli_internal.h cli/sbc_cli_modes.c cli/sbc_cli_element.c \
	cli/sbc_cli_select.c cli/sbc_cli_toplevel.c cli/sbc_cli_secret.c \
	cli/sbc_cli_show.h cli/sbc_cli_show.c \
	cli/sbc_cli_pager.h cli/sbc_cli_pager.c \
	cli/sbc_cli_comphelp.h cli/sbc_cli_comphelp.c
