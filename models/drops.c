/* \summary: why the models drop packets: the reasons, numbered, and their names for reports */
#include "drops.h"

static const drop_info reasons[DROP__COUNT] = {
	[DROP_NO_ROUTE] = { "no-route", "no route matches the destination" },
	[DROP_TTL] = { "ttl-expired", "TTL reached zero" },
	[DROP_QUEUE_] = { "queue-full", "a link's queue was full" },
	[DROP_NO_PORT] = { "port-unreachable", "nothing listens on the destination port" },
	[DROP_SG] = { "security-group", "denied by a security group" },
	[DROP_NO_ADDRESS] = { "no-such-address", "no network interface has the destination address" },
	[DROP_NOT_TRANSITIVE] = { "peering-not-transitive", "peering is not transitive" },
	[DROP_BLACKHOLE] = { "blackhole", "a blackhole route" },
	[DROP_NO_TGW_AZ] = { "tgw-no-attachment-in-az",
		             "no transit gateway attachment subnet in the source AZ" },
	[DROP_NO_PUBLIC_IP] = { "no-public-ip",
		                "no public IP address: the internet gateway cannot translate the source" },
	[DROP_NAT_PORTS] = { "nat-port-allocation",
		             "NAT gateway port allocation failed (connections per destination limit)" },
	[DROP_NAT_IDLE] = { "nat-no-mapping", "no NAT mapping (timed out after being idle, or never made)" },
	[DROP_MTU] = { "mtu-exceeded", "larger than the path MTU with Don't Fragment set" },
	[DROP_NO_LISTENER] = { "no-listener", "no load balancer listener on the destination port" },
	[DROP_NO_TARGET] = { "no-target-in-az",
		             "no target for the load balancer node (none in its AZ, cross-zone off)" },
	[DROP_NO_FLOW] = { "no-flow",
		           "no flow state: forgotten after the idle timeout, or never opened "
		           "(a load balancer answers TCP with a RST)" },
	[DROP_SERVICE_AZ] = { "service-not-in-az",
		              "the endpoint service has no load balancer node in the endpoint's AZ" },
	[DROP_NACL] = { "network-acl", "denied by a network ACL" },
	[DROP_LOSS] = { "random-loss", "lost at random on the Region's public network ([scenario] loss)" },
	[DROP_HOST_DOWN] = { "instance-down", "the instance is down: past its fail_at, before its recover_at" },
};

/* The decisions and rewrites the models trace, by their first words
 * (every NET_TRACE_DECIDE and _REWRITE text must start with one:
 * test_commands checks it on every bundled scenario's trace). */
static const explain_info explanations[] = {
	{ "security group, inbound:", "security-group-inbound-rule" },
	{ "security group, outbound:", "security-group-outbound-rule" },
	{ "inbound: no rule of", "security-group-inbound-deny" },
	{ "outbound: no rule of", "security-group-outbound-deny" },
	{ "service network association", "lattice-association-security-group" },
	{ "network ACL", "network-acl-rule" },
	{ "route ", "route-table-route" },
	{ "TGW route table", "tgw-route" },
	{ "peering connection:", "peering-connection" },
	{ "gateway endpoint:", "gateway-endpoint" },
	{ "endpoint policy of", "endpoint-policy" },
	{ "resource configuration", "resource-configuration" },
	{ "resource endpoint:", "resource-endpoint" },
	{ "region's public network:", "public-network-route" },
	{ "ALB:", "alb-listener-rule" },
	{ "VPC Lattice:", "lattice-listener-rule" },
	{ "listener: flow hash", "nlb-target-selection" },
	{ "TLS listener:", "nlb-tls-listener" },
	{ "DNS ", "dns-answer" },
	{ "MSS ", "mss-clamp" },
	{ "source ", "source-rewrite" },
	{ "destination ", "destination-rewrite" },
	{ "reply:", "reply-rewrite" },
	{ NULL, NULL },
};

static gpointer do_register(gpointer data)
{
	(void)data;
	drop_reasons_register(reasons, DROP__COUNT);
	explanations_register(explanations);
	return NULL;
}

void drops_register(void)
{
	static GOnce once = G_ONCE_INIT;
	g_once(&once, do_register, NULL);
}
