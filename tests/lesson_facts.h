/* \summary: the lesson plan's facts (pcaps/README.md): their form, how one is checked, Lesson 10's */
#ifndef VPCSIM_TEST_LESSON_FACTS_H
#define VPCSIM_TEST_LESSON_FACTS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pcap_check.h"

/*
 * What pcaps/README.md tells students to look for, checked on the files it
 * names: a display filter, the fields printed for the packets it keeps,
 * and what is expected of the distinct lines, sorted and joined by ';':
 * that text exactly, "" for no packet at all, "+" for at least one, "#N"
 * for exactly N distinct lines, or "~X" for a time: the mean of the first
 * field (seconds) within 15% of X milliseconds (the lessons quote rounded
 * times of runs longer than test_captures' 500 ms).  Each fact also names
 * the passage of the lesson plan it backs (`quote`, compared with
 * whitespace runs taken as one space, NULL for a fact that only adds to
 * another's).  test_captures requires every figure of every lesson to lie
 * in such a passage, and every display filter a lesson states to be the
 * filter of a fact on that lesson's files.  Addresses and ports are those
 * the bundled scenarios assign with seed 1.
 *
 * Shared by test_captures (every lesson but 10: it runs the scenarios with
 * their capture points) and test_reach (Lesson 10, the scan's captures,
 * which `vpcsim reach` writes); the table of Lesson 10 lives here so that
 * test_captures' checks of the text see it too.
 */
typedef struct {
	const char *file, *filter, *fields, *want, *quote;
} lesson_fact;

/* The mean of a field over every packet a filter keeps (0 if none). */
static inline double lesson_field_mean(const char *path, const char *filter, const char *field)
{
	const char *argv[] = { "tshark", "-n", "-r", path, "-Y", filter, "-T", "fields", "-e", field, NULL };
	char *out = NULL, *err = NULL;
	CU_ASSERT_EQUAL(harness_run(argv, &out, &err), 0);
	double sum = 0;
	guint n = 0;
	char **ls = g_strsplit(out ? out : "", "\n", -1);
	for (char **l = ls; *l; l++) {
		if (**l) {
			sum += g_ascii_strtod(*l, NULL);
			n++;
		}
	}
	g_strfreev(ls);
	g_free(out);
	g_free(err);
	return n ? sum / n : 0;
}

/* Whether a fact holds on the capture at path; `got` gets what was found. */
static inline gboolean lesson_fact_holds(const lesson_fact *f, const char *path, char **got)
{
	if (f->want[0] == '~') {
		double ms = lesson_field_mean(path, f->filter, f->fields) * 1e3;
		double want = g_ascii_strtod(f->want + 1, NULL);
		*got = g_strdup_printf("a mean of %.2f ms", ms);
		return fabs(ms - want) <= 0.15 * want;
	}
	*got = pcap_check_fact_lines(path, f->filter, f->fields);
	if (f->want[0] == '#') {
		guint lines = **got ? 1 : 0;
		for (const char *c = *got; *c; c++)
			lines += *c == ';';
		return lines == (guint)atoi(f->want + 1);
	}
	if (strcmp(f->want, "+") == 0)
		return **got != '\0';
	return strcmp(*got, f->want) == 0;
}

/* Checks a fact on its file in dir (FILE.pcap) and says what was found
 * if it does not hold. */
static inline gboolean lesson_fact_check(const lesson_fact *f, const char *dir)
{
	char *path = g_strdup_printf("%s/%s.pcap", dir, f->file);
	char *got = NULL;
	gboolean ok = lesson_fact_holds(f, path, &got);
	CU_ASSERT_TRUE(ok);
	if (!ok)
		printf("\n    %s, filter '%s': got '%s', wanted '%s'", f->file, f->filter, got, f->want);
	g_free(got);
	g_free(path);
	return ok;
}

/* Lesson 10 (a SYN scan through each option), on the files `vpcsim reach
 * --pcap` writes for the four ALB options (test_reach checks them). */
#define LF_SYN_ONLY "tcp.flags.syn == 1 && tcp.flags.ack == 0"
#define LF_SYNACK "tcp.flags.syn == 1 && tcp.flags.ack == 1"
static const lesson_fact scan_facts[] = {
	{ "alb-peering-scan-client-1-vpc-a-router", LF_SYN_ONLY, "ip.src tcp.srcport tcp.dstport",
	  "10.0.1.4 54321 80",
	  "`vpcsim reach` sends, from client-1's ENI (10.0.1.4, source port 54321), one SYN to every address "
	  "of VPC-B" },
	{ "alb-peering-scan-client-1-vpc-a-router", LF_SYN_ONLY, "tcp.dstport", "80",
	  "`tcp.flags.syn == 1 && tcp.flags.ack == 0`: every SYN that left goes to port 80. sg-client "
	  "allows only `tcp 80 to 10.1.0.0/16` out: the other six ports stop at the client's own ENI and "
	  "are on no wire." },
	{ "alb-peering-scan-client-1-vpc-a-router", "tcp.flags.ack == 1 && ip.dst == 10.0.1.4",
	  "ip.src tcp.flags.syn", "10.1.1.5 1;10.1.2.5 1",
	  "Two answer (`tcp.flags.ack == 1 && ip.dst == 10.0.1.4`): 10.1.1.5 and 10.1.2.5, the ALB's "
	  "nodes," },
	{ "alb-peering-scan-client-1-vpc-a-router", "tcp.flags.reset == 1", "ip.src ip.dst",
	  "10.0.1.4 10.1.1.5;10.0.1.4 10.1.2.5", "each SYN-ACK followed by the scanner's RST." },
	{ "alb-peering-scan-web-1-vpc-b-router", "tcp", "ip.src ip.dst tcp.dstport tcp.flags.syn",
	  "10.0.1.4 10.1.1.4 80 1",
	  "one packet, the SYN to web-1's port 80, and no answer: sg-web admits only 8080 from the ALB." },
	{ "alb-peering-scan-pcx-ab-vpc-b-router",
	  "ip.dst == 10.1.0.0 || ip.dst == 10.1.1.0 || ip.dst == 10.1.2.0 || ip.dst == 10.1.3.0", "ip.dst",
	  "10.1.0.0;10.1.1.0;10.1.2.0;10.1.3.0",
	  "The SYNs to 10.1.0.0, 10.1.1.0, 10.1.2.0 and 10.1.3.0 (the probes that stand for the addresses no "
	  "ENI holds) cross the peering" },
	{ "alb-peering-scan-pcx-ab-vpc-b-router",
	  "ip.src == 10.1.0.0 || ip.src == 10.1.1.0 || ip.src == 10.1.2.0 || ip.src == 10.1.3.0", "ip.src", "",
	  "and nothing comes back" },
	{ "alb-peering-scan-open-web-1-vpc-b-router", LF_SYNACK, "tcp.srcport", "8080",
	  "web-1 answers every port: SYN-ACK from 8080 (its server), RST, ACK from 22, 80, 443, 3306, 5432 "
	  "and 6379." },
	{ "alb-peering-scan-open-web-1-vpc-b-router", "tcp.flags.reset == 1 && ip.src == 10.1.1.4", "tcp.srcport",
	  "22;3306;443;5432;6379;80",
	  "web-1 answers every port: SYN-ACK from 8080 (its server), RST, ACK from 22, 80, 443, 3306, 5432 "
	  "and 6379." },
	{ "alb-peering-scan-open-alb-b-vpc-b-router", LF_SYN_ONLY, "tcp.dstport",
	  "22;3306;443;5432;6379;80;8080",
	  "on ports 22, 80, 443, 3306, 5432, 6379 and 8080;" },
	{ "alb-peering-scan-open-alb-b-vpc-b-router", LF_SYNACK, "tcp.srcport", "80",
	  "shows the ALB's node receiving all seven ports and answering only 80" },
	{ "alb-tgw-scan-open-tgw-1-vpc-b-router-2", "ip.src == 10.1.2.4 && tcp.flags.ack == 1", "ip.src",
	  "10.1.2.4",
	  "the replies from web-2 (10.1.2.4, use1-az2) enter the TGW on its attachment in that AZ" },
	{ "alb-privatelink-scan-open-client-1-vpc-a-router", "ip.dst == 10.1.0.0/16", "ip.src", "10.0.1.4",
	  "the SYNs to VPC-B's addresses leave the client (`ip.dst == 10.1.0.0/16`)" },
	{ "alb-privatelink-scan-open-client-1-vpc-a-router", LF_SYNACK, "ip.src tcp.srcport", "10.0.1.6 80",
	  "The endpoint 10.0.1.6 is the one address that answers, on port 80 only." },
	{ "alb-privatelink-scan-open-vpce-alb-nlb-b", LF_SYN_ONLY, "ip.dst tcp.dstport",
	  "10.1.1.6 22;10.1.1.6 3306;10.1.1.6 443;10.1.1.6 5432;10.1.1.6 6379;10.1.1.6 80;10.1.1.6 8080",
	  "shows the endpoint passing all seven ports to the NLB node 10.1.1.6" },
	{ "alb-privatelink-scan-open-vpce-alb-nlb-b", LF_SYNACK, "ip.src tcp.srcport", "10.1.1.6 80",
	  "and one SYN-ACK coming back, on 80" },
	{ "alb-privatelink-scan-open-nlb-b-vpc-b-router", LF_SYN_ONLY, "ip.dst tcp.dstport", "10.1.1.5 80",
	  "the NLB forwards only its listener's port, to the ALB 10.1.1.5, which answers" },
	{ "alb-public-scan-open-igw-a-region", "ip.dst == 10.1.0.0/16", "ip.src", "3.80.0.1",
	  "the SYNs to VPC-B's private addresses leave through the NAT gateway as 3.80.0.1" },
	{ "alb-public-scan-open-client-1-vpc-a-router", LF_SYNACK, "ip.src tcp.srcport", "3.80.0.2 80;3.80.0.3 80",
	  "Only 3.80.0.2 and 3.80.0.3, the ALB's public addresses, answer, on port 80" },
};

#endif
