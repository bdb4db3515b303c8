noinst_LIBRARIES += config-schema/libsbccfg.a
config_schema_libsbccfg_a_SOURCES = \
	config-schema/sbc_cfg_schema.h config-schema/sbc_cfg_model.h config-schema/sbc_cfg_tables.c \
	config-schema/sbc_cfg_value.c config-schema/sbc_cfg_value.h \
	config-schema/sbc_cfg_default.c config-schema/sbc_cfg_default.h \
	config-schema/sbc_cfg_xml.c config-schema/sbc_cfg_xml.h \
	config-schema/sbc_cfg_xsd.c config-schema/sbc_cfg_xsd.h \
	config-schema/sbc_cfg_verify.c config-schema/sbc_cfg_verify.h \
	config-schema/sbc_cfg_doc.c config-schema/sbc_cfg_doc.h \
	config-schema/sbc_cfg_show.c config-schema/sbc_cfg_show.h

# The XSD is generated from the schema table; xmllint validates saved files
# against this copy in the tests.
config-schema/sbcemu-config.xsd: sbcemu$(EXEEXT)
	$(AM_V_GEN)./sbcemu$(EXEEXT) --print-xsd > $@.tmp && mv $@.tmp $@
all-local: config-schema/sbcemu-config.xsd
CLEANFILES += config-schema/sbcemu-config.xsd
