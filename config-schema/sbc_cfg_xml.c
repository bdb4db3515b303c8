/* XML load and save of the configuration, walking the schema rows. libxml2
 * parses, serialises and validates against the generated XSD; this file only
 * maps nodes to rows and reports problems with their line numbers. */
#include "sbc_cfg_xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>
#include <libxml/xmlschemas.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "sbc_cfg_verify.h"
#include "sbc_cfg_xsd.h"

#define ROOT_NAME "sbcemu-config"
/* A bound against gzip bombs in backups, not a size users reach: a lab
 * configuration with 1,000,000 subscribers is about 130 MB. */
#define MAX_FILE_SIZE (1u << 30)

static pthread_once_t schema_once = PTHREAD_ONCE_INIT;
static xmlSchemaPtr compiled_schema;

static void compile_schema(void)
{
	char *xsd = sbc_cfg_xsd_generate();
	if (!xsd)
		return;
	xmlSchemaParserCtxtPtr pctxt = xmlSchemaNewMemParserCtxt(xsd, (int)strlen(xsd));
	if (pctxt)
		compiled_schema = xmlSchemaParse(pctxt);
	xmlSchemaFreeParserCtxt(pctxt);
	free(xsd);
}

/* ---- save ---- */

/* Streamed with xmlTextWriter rather than built as a tree: a tree of
 * 20,000 subscribers is ~400,000 small allocations freed at once, which
 * left the saving thread's malloc arena full of fast-bin chunks that the
 * next large allocation (the ACLI's, in activate-config) had to
 * consolidate: ~50 ms. */
static int save_object(xmlTextWriterPtr w, const struct sbc_cfg_element *el, const void *obj,
		       const struct sbc_sec_secret_key *key, struct sbc_cfg_error *err)
{
	if (xmlTextWriterStartElement(w, BAD_CAST el->name) < 0)
		goto oom;
	for (size_t i = 0; i < el->nattrs; i++) {
		const struct sbc_cfg_attr *attr = &el->attrs[i];
		if (attr->type == SBC_CFG_CHILDREN)
			continue;
		char *text = sbc_cfg_value_format(attr, obj, SBC_CFG_FMT_CLEAR);
		char *stored = text;
		if (text && *text && (attr->flags & SBC_CFG_F_SECRET)) {
			stored = key ? sbc_sec_secret_encrypt(key, text) : NULL;
			sbc_sec_free_wiped(text);
			if (!stored) {
				sbc_cfg_errorf(err, "%s [%s]: cannot encrypt %s%s", el->name,
					       sbc_cfg_obj_key(el, obj), attr->name,
					       key ? "" : ": no secret key");
				return -1;
			}
		}
		int rc = stored ? xmlTextWriterWriteAttribute(w, BAD_CAST attr->name,
							      BAD_CAST stored) : -1;
		free(stored);
		if (rc < 0)
			goto oom;
	}
	for (size_t i = 0; i < el->nattrs; i++) {
		const struct sbc_cfg_attr *attr = &el->attrs[i];
		if (attr->type != SBC_CFG_CHILDREN)
			continue;
		const struct sbc_cfg_objs *kids = SBC_CFG_FIELD(obj, attr, const struct sbc_cfg_objs);
		for (size_t c = 0; c < kids->count; c++)
			if (save_object(w, attr->child, kids->items[c], key, err) != 0)
				return -1;
	}
	if (xmlTextWriterEndElement(w) >= 0)
		return 0;
oom:
	sbc_cfg_errorf(err, "out of memory writing %s", el->name);
	return -1;
}

int sbc_cfg_xml_save(const struct sbc_cfg *cfg, const struct sbc_sec_secret_key *key,
		     char **buf, size_t *len, struct sbc_cfg_error *err)
{
	xmlBufferPtr out = xmlBufferCreateSize(64 * 1024);
	xmlTextWriterPtr w = out ? xmlNewTextWriterMemory(out, 0) : NULL;
	char version[16];
	int rc = -1;

	snprintf(version, sizeof version, "%u", cfg->version);
	/* As xmlDocDumpFormatMemoryEnc wrote it: two-space indent, one element
	 * per line, empty elements closed with "/>". */
	if (!w || xmlTextWriterSetIndent(w, 1) < 0 ||
	    xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0 ||
	    xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST ROOT_NAME) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "version", BAD_CAST version) < 0) {
		sbc_cfg_errorf(err, "out of memory writing the configuration");
		goto done;
	}
	for (int id = 0; id < SBC_CFG_ELEM_COUNT; id++)
		for (size_t i = 0; i < cfg->elements[id].count; i++)
			if (save_object(w, sbc_cfg_elements[id], cfg->elements[id].items[i], key,
					err) != 0)
				goto done;
	if (xmlTextWriterEndDocument(w) < 0) {
		sbc_cfg_errorf(err, "out of memory writing the configuration");
		goto done;
	}
	xmlFreeTextWriter(w);  /* flushes into out */
	w = NULL;
	size_t size = (size_t)xmlBufferLength(out);
	if (!(*buf = malloc(size + 2))) {
		sbc_cfg_errorf(err, "out of memory writing the configuration");
		goto done;
	}
	memcpy(*buf, xmlBufferContent(out), size);
	*len = size;
	if (size > 0 && (*buf)[size - 1] != '\n')  /* files end with a newline */
		(*buf)[(*len)++] = '\n';
	(*buf)[*len] = '\0';
	rc = 0;
done:
	xmlFreeTextWriter(w);
	xmlBufferFree(out);
	return rc;
}

/* ---- load ---- */

/* The line each loaded object was read from, for verify-config's report. */
struct origin {
	const void *obj;
	long line;
};

struct load_ctx {
	const char *name;
	const struct sbc_sec_secret_key *key;
	struct sbc_cfg_error *err;
	bool track;               /* record origins (a verified load) */
	struct origin *origins;   /* sorted by obj once loaded */
	size_t norigins, cap;
};

static int track_origin(struct load_ctx *lc, const void *obj, xmlNodePtr node)
{
	if (!lc->track)
		return 0;
	if (lc->norigins == lc->cap) {
		size_t cap = lc->cap ? lc->cap * 2 : 64;
		struct origin *grown = realloc(lc->origins, cap * sizeof *grown);
		if (!grown)
			return -1;
		lc->origins = grown;
		lc->cap = cap;
	}
	lc->origins[lc->norigins++] = (struct origin){ obj, xmlGetLineNo(node) };
	return 0;
}

static int by_obj(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct origin *)a)->obj;
	uintptr_t y = (uintptr_t)((const struct origin *)b)->obj;
	return (x > y) - (x < y);
}

static long origin_line(const void *ctx, const void *obj)
{
	const struct load_ctx *lc = ctx;
	struct origin key = { .obj = obj };
	const struct origin *o = lc->norigins ? bsearch(&key, lc->origins, lc->norigins,
							sizeof key, by_obj) : NULL;
	return o ? o->line : 0;
}

static int node_error(struct load_ctx *lc, xmlNodePtr node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int node_error(struct load_ctx *lc, xmlNodePtr node, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sbc_cfg_errorf(lc->err, "%s:%ld: %s", lc->name, xmlGetLineNo(node), msg);
	return -1;
}

static int load_attribute(struct load_ctx *lc, const struct sbc_cfg_element *el, void *obj,
			  xmlNodePtr node, xmlAttrPtr prop)
{
	const char *aname = (const char *)prop->name;
	const struct sbc_cfg_attr *attr = sbc_cfg_attr_by_name(el, aname);
	if (!attr || attr->type == SBC_CFG_CHILDREN)
		return node_error(lc, node, "%s: unknown attribute '%s'", el->name, aname);
	xmlChar *value = xmlNodeListGetString(node->doc, prop->children, 1);
	char *text = (char *)value;
	char *clear = NULL;
	if (value && (attr->flags & SBC_CFG_F_SECRET) && sbc_sec_secret_is_encrypted(text)) {
		clear = lc->key ? sbc_sec_secret_decrypt(lc->key, text) : NULL;
		if (!clear) {
			xmlFree(value);
			return node_error(lc, node, "%s: cannot decrypt %s (wrong or missing secret.key)",
					  el->name, aname);
		}
		text = clear;
	}
	struct sbc_cfg_error perr;
	int rc = sbc_cfg_value_parse(el, attr, obj, text ? text : "", &perr);
	sbc_sec_free_wiped(clear);
	if (value && (attr->flags & SBC_CFG_F_SECRET))
		explicit_bzero(value, strlen((char *)value));
	xmlFree(value);
	return rc == 0 ? 0 : node_error(lc, node, "%s", perr.text);
}

static const struct sbc_cfg_attr *children_row(const struct sbc_cfg_element *el,
					       const char *name)
{
	for (size_t i = 0; i < el->nattrs; i++)
		if (el->attrs[i].type == SBC_CFG_CHILDREN && strcmp(el->attrs[i].child->name, name) == 0)
			return &el->attrs[i];
	return NULL;
}

static void *load_object(struct load_ctx *lc, const struct sbc_cfg_element *el, xmlNodePtr node)
{
	void *obj = sbc_cfg_obj_new(el);
	if (!obj || track_origin(lc, obj, node) != 0) {
		sbc_cfg_obj_free(el, obj);
		node_error(lc, node, "out of memory");
		return NULL;
	}
	for (xmlAttrPtr prop = node->properties; prop; prop = prop->next)
		if (load_attribute(lc, el, obj, node, prop) != 0)
			goto fail;
	for (xmlNodePtr kid = node->children; kid; kid = kid->next) {
		if (kid->type != XML_ELEMENT_NODE)
			continue;
		const struct sbc_cfg_attr *row = children_row(el, (const char *)kid->name);
		if (!row) {
			node_error(lc, kid, "%s: unknown element '%s'", el->name, kid->name);
			goto fail;
		}
		void *child = load_object(lc, row->child, kid);
		if (!child)
			goto fail;
		if (sbc_cfg_objs_append(SBC_CFG_FIELD(obj, row, struct sbc_cfg_objs), child) != 0) {
			sbc_cfg_obj_free(row->child, child);
			node_error(lc, kid, "out of memory");
			goto fail;
		}
	}
	return obj;
fail:
	sbc_cfg_obj_free(el, obj);
	return NULL;
}

static int load_root(struct load_ctx *lc, xmlNodePtr root, struct sbc_cfg *cfg)
{
	if (!root || strcmp((const char *)root->name, ROOT_NAME) != 0)
		return node_error(lc, root, "the root element must be <%s>", ROOT_NAME);
	xmlChar *version = xmlGetProp(root, BAD_CAST "version");
	if (version) {
		char *end;
		unsigned long v = strtoul((char *)version, &end, 10);
		bool ok = *version && !*end && v <= UINT32_MAX;
		cfg->version = (uint32_t)v;
		xmlFree(version);
		if (!ok)
			return node_error(lc, root, "%s: invalid version", ROOT_NAME);
	}
	for (xmlNodePtr node = root->children; node; node = node->next) {
		if (node->type != XML_ELEMENT_NODE)
			continue;
		const struct sbc_cfg_element *el = sbc_cfg_element_by_name((const char *)node->name);
		int id = el ? sbc_cfg_element_id(el) : -1;
		if (id < 0)
			return node_error(lc, node, "unknown element '%s'", node->name);
		if (el->singleton && cfg->elements[id].count)
			return node_error(lc, node, "%s: may appear only once", el->name);
		void *obj = load_object(lc, el, node);
		if (!obj)
			return -1;
		if (sbc_cfg_objs_append(&cfg->elements[id], obj) != 0) {
			sbc_cfg_obj_free(el, obj);
			return node_error(lc, node, "out of memory");
		}
	}
	/* Singletons left out of the file take their defaults. */
	for (int id = 0; id < SBC_CFG_ELEM_COUNT; id++) {
		if (!sbc_cfg_elements[id]->singleton || cfg->elements[id].count)
			continue;
		void *obj = sbc_cfg_obj_new(sbc_cfg_elements[id]);
		if (!obj || sbc_cfg_objs_append(&cfg->elements[id], obj) != 0) {
			sbc_cfg_obj_free(sbc_cfg_elements[id], obj);
			return node_error(lc, root, "out of memory");
		}
	}
	return 0;
}

static void schema_error(void *data, xmlErrorPtr error)
{
	struct load_ctx *lc = data;
	if (lc->err && !lc->err->text[0]) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s", error->message ? error->message : "invalid");
		msg[strcspn(msg, "\n")] = '\0';
		sbc_cfg_errorf(lc->err, "%s:%d: %s", lc->name, error->line, msg);
	}
}

static int validate_schema(struct load_ctx *lc, xmlDocPtr doc)
{
	pthread_once(&schema_once, compile_schema);
	if (!compiled_schema) {
		sbc_cfg_errorf(lc->err, "%s: the configuration schema could not be compiled", lc->name);
		return -1;
	}
	xmlSchemaValidCtxtPtr vctxt = xmlSchemaNewValidCtxt(compiled_schema);
	if (!vctxt) {
		sbc_cfg_errorf(lc->err, "%s: out of memory", lc->name);
		return -1;
	}
	if (lc->err)
		lc->err->text[0] = '\0';
	xmlSchemaSetValidStructuredErrors(vctxt, schema_error, lc);
	int rc = xmlSchemaValidateDoc(vctxt, doc);
	xmlSchemaFreeValidCtxt(vctxt);
	if (rc != 0 && lc->err && !lc->err->text[0])
		sbc_cfg_errorf(lc->err, "%s: does not match the configuration schema", lc->name);
	return rc == 0 ? 0 : -1;
}

static struct sbc_cfg *load_doc(struct load_ctx *lc, const char *buf, size_t len)
{
	const char *name = lc->name;
	struct sbc_cfg *cfg = NULL;
	xmlParserCtxtPtr pctxt = xmlNewParserCtxt();
	xmlDocPtr doc = NULL;
	if (!pctxt || len > INT32_MAX) {
		sbc_cfg_errorf(lc->err, "%s: cannot parse", name);
		goto done;
	}
	/* No network, no entity expansion, no DTD loading: configs are data.
	 * Big lines: a 100,000-subscriber file's errors still name the line. */
	doc = xmlCtxtReadMemory(pctxt, buf, (int)len, name, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
				XML_PARSE_BIG_LINES);
	if (!doc) {
		xmlErrorPtr e = xmlCtxtGetLastError(pctxt);
		char msg[512];
		snprintf(msg, sizeof msg, "%s", e && e->message ? e->message : "not well-formed XML");
		msg[strcspn(msg, "\n")] = '\0';
		sbc_cfg_errorf(lc->err, "%s:%d: %s", name, e ? e->line : 0, msg);
		goto done;
	}
	cfg = calloc(1, sizeof *cfg);
	if (!cfg || load_root(lc, xmlDocGetRootElement(doc), cfg) != 0 ||
	    validate_schema(lc, doc) != 0) {
		if (!cfg)
			sbc_cfg_errorf(lc->err, "%s: out of memory", name);
		sbc_cfg_free(cfg);
		cfg = NULL;
	}
done:
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(pctxt);
	return cfg;
}

struct sbc_cfg *sbc_cfg_xml_load(const char *buf, size_t len, const char *name,
				 const struct sbc_sec_secret_key *key, struct sbc_cfg_error *err)
{
	struct load_ctx lc = { .name = name, .key = key, .err = err };
	return load_doc(&lc, buf, len);
}

/* verify-config on what was just loaded, its report naming the lines. The
 * error text is the report without its final newline (cut to fit). */
static int verify_loaded(struct load_ctx *lc, const struct sbc_cfg *cfg, char **report)
{
	if (lc->norigins)
		qsort(lc->origins, lc->norigins, sizeof *lc->origins, by_obj);
	struct sbc_cfg_origin origin = { .file = lc->name, .line = origin_line, .ctx = lc };
	char *text = NULL;
	int errors = sbc_cfg_verify_located(cfg, &origin, &text);
	if (errors < 0 || !text) {
		sbc_cfg_errorf(lc->err, "%s: out of memory", lc->name);
		free(text);
		return -1;
	}
	if (errors == 0) {
		free(text);
		return 0;
	}
	size_t n = strlen(text);
	sbc_cfg_errorf(lc->err, "%.*s", (int)(n && text[n - 1] == '\n' ? n - 1 : n), text);
	if (report)
		*report = text;
	else
		free(text);
	return -1;
}

struct sbc_cfg *sbc_cfg_xml_load_verified(const char *buf, size_t len, const char *name,
					  const struct sbc_sec_secret_key *key, char **report,
					  struct sbc_cfg_error *err)
{
	struct load_ctx lc = { .name = name, .key = key, .err = err, .track = true };
	if (report)
		*report = NULL;
	struct sbc_cfg *cfg = load_doc(&lc, buf, len);
	if (cfg && verify_loaded(&lc, cfg, report) != 0) {
		sbc_cfg_free(cfg);
		cfg = NULL;
	}
	free(lc.origins);
	return cfg;
}

/* The whole file, plain or gzip-compressed (zlib reads plain files as they
 * are, so backups and configs share this). Heap buffer, NULL on error. */
static char *read_file(const char *path, size_t *lenp, struct sbc_cfg_error *err)
{
	gzFile gz = gzopen(path, "rb");
	if (!gz) {
		sbc_cfg_errorf(err, "%s: cannot open: %m", path);
		return NULL;
	}
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int n = 0;
	while (buf && (n = gzread(gz, buf + len, (unsigned)(cap - len))) > 0) {
		len += (size_t)n;
		if (len == cap) {
			char *grown = cap < MAX_FILE_SIZE ? realloc(buf, cap * 2) : NULL;
			if (!grown) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = grown;
			cap *= 2;
		}
	}
	gzclose(gz);
	if (!buf || n < 0) {
		sbc_cfg_errorf(err, "%s: cannot read (larger than %u bytes or corrupt)", path,
			       MAX_FILE_SIZE);
		free(buf);
		return NULL;
	}
	*lenp = len;
	return buf;
}

struct sbc_cfg *sbc_cfg_xml_load_file_verified(const char *path,
					       const struct sbc_sec_secret_key *key, char **report,
					       struct sbc_cfg_error *err)
{
	size_t len;
	char *buf = read_file(path, &len, err);
	if (report)
		*report = NULL;
	struct sbc_cfg *cfg = buf ? sbc_cfg_xml_load_verified(buf, len, path, key, report, err)
				  : NULL;
	free(buf);
	return cfg;
}
