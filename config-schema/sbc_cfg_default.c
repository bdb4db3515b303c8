/* The built-in default configuration, written as the XML an operator would
 * save, and loaded through the same parser so it obeys the same rules. */
#include "sbc_cfg_default.h"

#include <string.h>

#include "sbc_cfg_xml.h"

/* The AKA subscriber uses the 3GPP TS 35.208 test set 1 K / OP. */
const char sbc_cfg_default_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<sbcemu-config version=\"1\">\n"
	"  <system-config hostname=\"ORACLE\" description=\"sbcemu built-in default configuration\"/>\n"
	"  <realm-config identifier=\"realm01\" description=\"access realm toward the UEs\"/>\n"
	"  <certificate-record name=\"sbcemu-self\" common-name=\"pcscf.ims.mnc001.mcc001.3gppnetwork.org\"/>\n"
	"  <tls-profile name=\"default-tls\" end-entity-certificate=\"sbcemu-self\"/>\n"
	"  <ims-aka-profile name=\"default-aka\" protected-client-port=\"5064\" protected-server-port=\"5066\"/>\n"
	"  <sip-interface realm-id=\"realm01\" description=\"P-CSCF toward the UEs\">\n"
	"    <sip-port address=\"127.0.0.1\" port=\"5060\" transport-protocol=\"UDP\" ims-aka-profile=\"default-aka\"/>\n"
	"    <sip-port address=\"127.0.0.1\" port=\"5060\" transport-protocol=\"TCP\" ims-aka-profile=\"default-aka\"/>\n"
	"    <sip-port address=\"127.0.0.1\" port=\"5061\" transport-protocol=\"TLS\" tls-profile=\"default-tls\"/>\n"
	"  </sip-interface>\n"
	"  <ims-core home-domain=\"ims.mnc001.mcc001.3gppnetwork.org\"/>\n"
	"  <ims-subscriber impi=\"alice@ims.mnc001.mcc001.3gppnetwork.org\"\n"
	"    impu=\"sip:alice@ims.mnc001.mcc001.3gppnetwork.org tel:+15550000001\"\n"
	"    auth-scheme=\"digest\" password=\"alice\"/>\n"
	"  <ims-subscriber impi=\"001010000000001@ims.mnc001.mcc001.3gppnetwork.org\"\n"
	"    impu=\"sip:001010000000001@ims.mnc001.mcc001.3gppnetwork.org\"\n"
	"    auth-scheme=\"aka\" k=\"465b5ce8b199b49faa5f0a2ee238a6bc\"\n"
	"    op=\"cdc202d5123e20f62b6d676ac72cb318\" amf=\"b9b9\"/>\n"
	"  <management-access/>\n"
	"</sbcemu-config>\n";

struct sbc_cfg *sbc_cfg_default_new(struct sbc_cfg_error *err)
{
	return sbc_cfg_xml_load(sbc_cfg_default_xml, strlen(sbc_cfg_default_xml),
				"built-in default", NULL, err);
}
