# The SIP core: transport, event loop, P-CSCF and the embedded IMS core.
noinst_LIBRARIES += sip/libsbcsip.a
sip_libsbcsip_a_SOURCES = \
	sip/sbc_sip_internal.h \
	sip/sbc_sip_core.c sip/sbc_sip_core.h \
	sip/sbc_sip_listen.c sip/sbc_sip_listen.h \
	sip/sbc_sip_conn.c sip/sbc_sip_conn.h \
	sip/sbc_sip_msg.c sip/sbc_sip_msg.h \
	sip/sbc_sip_htab.c sip/sbc_sip_htab.h sip/sbc_sip_mix.h \
	sip/sbc_sip_txn.c sip/sbc_sip_txn.h \
	sip/sbc_sip_pcscf.c \
	sip/sbc_sip_registrar.c sip/sbc_sip_registrar.h \
	sip/sbc_sip_regtable.c sip/sbc_sip_regtable.h \
	sip/sbc_sip_challenge.c sip/sbc_sip_challenge.h \
	sip/sbc_sip_subindex.c sip/sbc_sip_subindex.h

# RFC 3329 sec-agree headers (Security-Client / -Server / -Verify).
sip_libsbcsip_a_SOURCES += sip/sbc_sip_secagree_hdr.c sip/sbc_sip_secagree_hdr.h
sip_libsbcsip_a_SOURCES += sip/sbc_sip_secagree_policy.c sip/sbc_sip_secagree_policy.h
# Emulated ipsec-3gpp: SPI pool, SA backend, association SAs.
sip_libsbcsip_a_SOURCES += sip/sbc_sip_spi.c sip/sbc_sip_spi.h sip/sbc_sip_sa.h \
	sip/sbc_sip_sa_emulated.c sip/sbc_sip_ipsec.c sip/sbc_sip_ipsec.h

# P-CSCF toward a session-agent, counters and the ACLI show commands.
sip_libsbcsip_a_SOURCES += sip/sbc_sip_pcscf.h sip/sbc_sip_agent.c sip/sbc_sip_agent.h \
	sip/sbc_sip_stats.h sip/sbc_sip_show.c sip/sbc_sip_show.h

sip_libsbcsip_a_SOURCES += sip/sbc_sip_tls.c sip/sbc_sip_tls.h

# sip-config limits: loading, header count, shared refusals.
sip_libsbcsip_a_SOURCES += sip/sbc_sip_limits.c sip/sbc_sip_limits.h

# Sec-agree on the P-CSCF: associations, message edits, the decisions.
sip_libsbcsip_a_SOURCES += sip/sbc_sip_assoc.c sip/sbc_sip_assoc.h \
	sip/sbc_sip_secagree_msg.c sip/sbc_sip_secagree_msg.h \
	sip/sbc_sip_secagree.c sip/sbc_sip_secagree.h \
	sip/sbc_sip_secagree_show.c sip/sbc_sip_secagree_show.h

# Long-lived registration bindings, apart from the malloc heap.
sip_libsbcsip_a_SOURCES += sip/sbc_sip_slab.c sip/sbc_sip_slab.h
