noinst_LIBRARIES += core/libsbccore.a
core_libsbccore_a_SOURCES = \
	core/sbc_core_store.c core/sbc_core_store.h \
	core/sbc_core_file.c core/sbc_core_file.h \
	core/sbc_core_backup.c core/sbc_core_store_internal.h \
	core/sbc_core_patch.c

# The log has no dependencies and is used by every library, so it links last.
noinst_LIBRARIES += core/libsbclog.a
core_libsbclog_a_SOURCES = core/sbc_log.c core/sbc_log.h
