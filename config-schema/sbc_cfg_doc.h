/* The configuration reference (docs/config-reference.md), generated from the
 * schema rows so the documentation cannot drift from the code. */
#ifndef SBC_CFG_DOC_H
#define SBC_CFG_DOC_H

/* Markdown text, heap string the caller frees; NULL on allocation failure. */
char *sbc_cfg_doc_reference(void);

#endif
