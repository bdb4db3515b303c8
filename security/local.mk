noinst_LIBRARIES += security/libsbcsec.a
security_libsbcsec_a_SOURCES = \
	security/sbc_sec_password.c security/sbc_sec_password.h \
	security/sbc_sec_secret.c security/sbc_sec_secret.h \
	security/sbc_sec_b64.c security/sbc_sec_b64.h \
	security/sbc_sec_milenage.c security/sbc_sec_milenage.h \
	security/sbc_sec_digest.c security/sbc_sec_digest.h \
	security/sbc_sec_cert.c security/sbc_sec_cert.h \
	security/sbc_sec_esp_keys.c security/sbc_sec_esp_keys.h \
	security/sbc_sec_evp.c security/sbc_sec_evp.h
