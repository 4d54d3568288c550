/* \summary: IPv4 addresses and CIDRs as written in scenario files: strict parsing, formatting, overlap */
#include "ipaddr.h"

#include <string.h>

const char *ip_fmt(uint32_t a, ip_buf *b)
{
	g_snprintf(b->s, sizeof b->s, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
	           a & 255);
	return b->s;
}

const char *cidr_fmt(sc_cidr c, ip_buf *b)
{
	ip_buf a;
	g_snprintf(b->s, sizeof b->s, "%s/%u", ip_fmt(c.addr, &a), c.len);
	return b->s;
}

uint32_t cidr_mask(uint8_t len)
{
	return len ? ~UINT32_C(0) << (32 - len) : 0;
}

uint32_t cidr_last(sc_cidr c)
{
	return c.addr | ~cidr_mask(c.len);
}

gboolean cidr_overlap(sc_cidr a, sc_cidr b)
{
	return sc_cidr_contains(a, b.addr) || sc_cidr_contains(b, a.addr);
}

/* A strict dotted quad: four decimal parts 0-255 without leading zeros
 * (which some parsers read as octal).  Hand-written because GInetAddress
 * is in GIO, which vpcsim does not link, and inet_pton's rules differ
 * between libcs. */
gboolean ip_parse_strict(const char *s, uint32_t *out)
{
	uint32_t a = 0;
	for (int part = 0; part < 4; part++) {
		if (!g_ascii_isdigit(*s) || (s[0] == '0' && g_ascii_isdigit(s[1])))
			return FALSE;
		unsigned v = 0;
		for (int digits = 0; g_ascii_isdigit(*s); s++)
			if (++digits > 3 || (v = v * 10 + (unsigned)(*s - '0')) > 255)
				return FALSE;
		a = a << 8 | v;
		if (part < 3 && *s++ != '.')
			return FALSE;
	}
	if (*s != '\0')
		return FALSE;
	*out = a;
	return TRUE;
}

/* Parses "a.b.c.d/len" with the host bits zero.  On failure appends what
 * follows the quoted value in a message to `why`. */
gboolean cidr_parse(const char *text, sc_cidr *out, GString *why)
{
	const char *slash = strchr(text, '/');
	char *addr = slash ? g_strndup(text, (gsize)(slash - text)) : NULL;
	uint32_t a;
	guint64 len;
	gboolean ok = slash && ip_parse_strict(addr, &a) &&
	              g_ascii_string_to_unsigned(slash + 1, 10, 0, 32, &len, NULL);
	g_free(addr);
	if (!ok) {
		g_string_append(why, "is not a CIDR; expected an IPv4 CIDR such as 10.0.0.0/16");
		return FALSE;
	}
	sc_cidr c = { a & cidr_mask((uint8_t)len), (uint8_t)len };
	if (c.addr != a) {
		ip_buf b;
		g_string_append_printf(why, "has host bits set; expected its network address, %s",
		                       cidr_fmt(c, &b));
		return FALSE;
	}
	*out = c;
	return TRUE;
}
