/* The XML Schema of sbcemu's configuration files, generated from the schema
 * rows (so it cannot drift from them). `sbcemu --print-xsd` prints it and the
 * build writes it to config-schema/sbcemu-config.xsd for xmllint. */
#ifndef SBC_CFG_XSD_H
#define SBC_CFG_XSD_H

/* Heap string the caller frees, NULL on allocation failure. */
char *sbc_cfg_xsd_generate(void);

#endif
