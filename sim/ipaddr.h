/* \summary: IPv4 addresses and CIDRs as written in scenario files: strict parsing, formatting, overlap */
#ifndef VPCSIM_IPADDR_H
#define VPCSIM_IPADDR_H

#include <stdint.h>
#include <glib.h>

/* Addresses are IPv4 in host byte order. */
typedef struct {
	uint32_t addr; /* network address (host bits zero) */
	uint8_t len;
} sc_cidr;

static inline gboolean sc_cidr_contains(sc_cidr c, uint32_t ip)
{
	uint32_t mask = c.len ? ~UINT32_C(0) << (32 - c.len) : 0;
	return (ip & mask) == c.addr;
}

/* Room for "255.255.255.255/32". */
typedef struct {
	char s[24];
} ip_buf;

const char *ip_fmt(uint32_t a, ip_buf *b);
const char *cidr_fmt(sc_cidr c, ip_buf *b);
uint32_t cidr_mask(uint8_t len);
/* The last address of c (its broadcast address). */
uint32_t cidr_last(sc_cidr c);
gboolean cidr_overlap(sc_cidr a, sc_cidr b);
/* A strict dotted quad (no leading zeros); FALSE otherwise. */
gboolean ip_parse_strict(const char *s, uint32_t *out);
/* Parses "a.b.c.d/len" with the host bits zero.  On failure appends what
 * follows the quoted value in a message to `why`. */
gboolean cidr_parse(const char *text, sc_cidr *out, GString *why);

#endif
