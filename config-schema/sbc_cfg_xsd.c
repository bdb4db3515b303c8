/* XSD generation: one complexType per element, one attribute declaration
 * per row, with the row's enum, range or length as XSD facets. */
#include "sbc_cfg_xsd.h"

#include <stdio.h>
#include <stdlib.h>

#include "sbc_cfg_value.h"

static void write_enum(FILE *out, const char *const *words, const char *indent)
{
	fprintf(out, "%s<xs:restriction base=\"xs:token\">\n", indent);
	for (size_t i = 0; words[i]; i++)
		fprintf(out, "%s  <xs:enumeration value=\"%s\"/>\n", indent, words[i]);
	fprintf(out, "%s</xs:restriction>\n", indent);
}

/* The simple type of one row's value (or one list item). */
static void write_scalar_type(FILE *out, const struct sbc_cfg_attr *attr, const char *indent)
{
	const char *const *words = sbc_cfg_attr_words(attr);
	fprintf(out, "%s<xs:simpleType>\n", indent);
	if (words) {
		char deeper[32];
		snprintf(deeper, sizeof deeper, "%s  ", indent);
		write_enum(out, words, deeper);
	} else if (attr->flags & (SBC_CFG_F_SECRET | SBC_CFG_F_HASHED)) {
		/* Stored encrypted or hashed: the clear-text facets do not apply. */
		fprintf(out, "%s  <xs:restriction base=\"xs:string\"/>\n", indent);
	} else if (attr->type == SBC_CFG_UINT) {
		fprintf(out, "%s  <xs:restriction base=\"xs:unsignedInt\">\n"
			     "%s    <xs:minInclusive value=\"%u\"/>\n"
			     "%s    <xs:maxInclusive value=\"%u\"/>\n%s  </xs:restriction>\n",
			indent, indent, attr->min, indent, attr->max, indent);
	} else if (attr->type == SBC_CFG_IP) {
		fprintf(out, "%s  <xs:restriction base=\"xs:string\">\n"
			     "%s    <xs:pattern value=\"[0-9a-fA-F:.]*\"/>\n%s  </xs:restriction>\n",
			indent, indent, indent);
	} else if (attr->type == SBC_CFG_HEX) {
		fprintf(out, "%s  <xs:restriction base=\"xs:string\">\n"
			     "%s    <xs:pattern value=\"([0-9a-fA-F]{%u})?\"/>\n%s  </xs:restriction>\n",
			indent, indent, attr->max, indent);
	} else {
		fprintf(out, "%s  <xs:restriction base=\"xs:string\">\n"
			     "%s    <xs:maxLength value=\"%u\"/>\n%s  </xs:restriction>\n",
			indent, indent, attr->max, indent);
	}
	fprintf(out, "%s</xs:simpleType>\n", indent);
}

static void write_attribute(FILE *out, const struct sbc_cfg_attr *attr)
{
	fprintf(out, "    <xs:attribute name=\"%s\" use=\"%s\">\n", attr->name,
		attr->flags & SBC_CFG_F_KEY ? "required" : "optional");
	if (attr->type == SBC_CFG_LIST) {
		fprintf(out, "      <xs:simpleType>\n        <xs:list>\n");
		write_scalar_type(out, attr, "          ");
		fprintf(out, "        </xs:list>\n      </xs:simpleType>\n");
	} else {
		write_scalar_type(out, attr, "      ");
	}
	fprintf(out, "    </xs:attribute>\n");
}

static void write_element_type(FILE *out, const struct sbc_cfg_element *el)
{
	fprintf(out, "  <xs:complexType name=\"%s-type\">\n", el->name);
	bool has_children = false;
	for (size_t i = 0; i < el->nattrs; i++)
		has_children |= el->attrs[i].type == SBC_CFG_CHILDREN;
	if (has_children) {
		fprintf(out, "    <xs:sequence>\n");
		for (size_t i = 0; i < el->nattrs; i++)
			if (el->attrs[i].type == SBC_CFG_CHILDREN)
				fprintf(out, "      <xs:element name=\"%s\" type=\"%s-type\" minOccurs=\"0\" maxOccurs=\"unbounded\"/>\n",
					el->attrs[i].child->name, el->attrs[i].child->name);
		fprintf(out, "    </xs:sequence>\n");
	}
	for (size_t i = 0; i < el->nattrs; i++)
		if (el->attrs[i].type != SBC_CFG_CHILDREN)
			write_attribute(out, &el->attrs[i]);
	fprintf(out, "  </xs:complexType>\n");
	for (size_t i = 0; i < el->nattrs; i++)
		if (el->attrs[i].type == SBC_CFG_CHILDREN)
			write_element_type(out, el->attrs[i].child);
}

char *sbc_cfg_xsd_generate(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (!out)
		return NULL;
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<!-- Generated from sbcemu's schema table (config-schema/sbc_cfg_tables.c). -->\n"
		     "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
		     "  <xs:element name=\"sbcemu-config\">\n    <xs:complexType>\n"
		     "      <xs:choice minOccurs=\"0\" maxOccurs=\"unbounded\">\n");
	for (int id = 0; id < SBC_CFG_ELEM_COUNT; id++)
		fprintf(out, "        <xs:element name=\"%s\" type=\"%s-type\"/>\n",
			sbc_cfg_elements[id]->name, sbc_cfg_elements[id]->name);
	fprintf(out, "      </xs:choice>\n"
		     "      <xs:attribute name=\"version\" type=\"xs:unsignedInt\" use=\"optional\"/>\n"
		     "    </xs:complexType>\n  </xs:element>\n");
	for (int id = 0; id < SBC_CFG_ELEM_COUNT; id++)
		write_element_type(out, sbc_cfg_elements[id]);
	fprintf(out, "</xs:schema>\n");
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
