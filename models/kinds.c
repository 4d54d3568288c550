/* \summary: the kind table: every [KIND NAME] group a scenario may hold, and the name spaces they share */
#include "kinds.h"
#include "scenario.h"

/*
 * The order of this table is the order in which messages list the kinds
 * ("expected ... KIND one of vpc, subnet, ...") and in which an undefined
 * name is looked for among the other kinds.  Adding a kind: an id in
 * kinds.h, its sc_kind in its construct's file, one line here (README,
 * "Adding a construct").
 */
const sc_kind *const sc_kinds[GK_N] = {
	[GK_VPC] = &sc_kind_vpc,
	[GK_SUBNET] = &sc_kind_subnet,
	[GK_ROUTE_TABLE] = &sc_kind_route_table,
	[GK_SG] = &sc_kind_security_group,
	[GK_INSTANCE] = &sc_kind_instance,
	[GK_PEERING] = &sc_kind_peering,
	[GK_TGW] = &sc_kind_transit_gateway,
	[GK_TGW_ATTACHMENT] = &sc_kind_tgw_attachment,
	[GK_TGW_ROUTE_TABLE] = &sc_kind_tgw_route_table,
	[GK_NATGW] = &sc_kind_nat_gateway,
	[GK_IGW] = &sc_kind_internet_gateway,
	[GK_SERVICE] = &sc_kind_service,
	[GK_GW_ENDPOINT] = &sc_kind_gateway_endpoint,
	[GK_LB] = &sc_kind_load_balancer,
	[GK_TG] = &sc_kind_target_group,
	[GK_EP_SERVICE] = &sc_kind_endpoint_service,
	[GK_IFACE_EP] = &sc_kind_interface_endpoint,
	[GK_WORKLOAD] = &sc_kind_workload,
	[GK_ROUTE] = &sc_kind_route,
	[GK_NACL] = &sc_kind_network_acl,
	[GK_SERVICE_NETWORK] = &sc_kind_service_network,
	[GK_LATTICE_TG] = &sc_kind_lattice_tg,
	[GK_LATTICE_SERVICE] = &sc_kind_lattice_service,
	[GK_RESOURCE_GATEWAY] = &sc_kind_resource_gateway,
	[GK_RESOURCE_CONFIG] = &sc_kind_resource_config,
	[GK_RESOURCE_ENDPOINT] = &sc_kind_resource_endpoint,
};

const char *sc_kind_element_name(const scenario *sc, int k, int i)
{
	const GArray *a = sc->of[k];
	return *(char *const *)(const void *)(a->data + (gsize)i * g_array_get_element_size((GArray *)a));
}

static const char *const route_reserved[] = { "local", "blackhole", NULL };

/* Kinds whose names must be unique across the kinds of a set, because
 * something names one of them without saying its kind. */
const ld_space sc_spaces[SC_SPACE_N] = {
	[SC_SPACE_ROUTE_TARGET] = {
		{ GK_PEERING, GK_TGW, GK_NATGW, GK_IGW, GK_INSTANCE }, 5,
		"peerings, transit gateways, NAT gateways, internet gateways and instances, because "
		"routes name their target", route_reserved, "is a reserved route target" },
	[SC_SPACE_WORKLOAD_TARGET] = {
		{ GK_INSTANCE, GK_SERVICE, GK_LB, GK_IFACE_EP, GK_LATTICE_SERVICE, GK_RESOURCE_ENDPOINT }, 6,
		"instances, services, load balancers, interface endpoints, Lattice services and resource "
		"endpoints, because a "
		"workload's target names one without saying its kind", NULL, NULL },
	[SC_SPACE_ENDPOINT_SERVICE] = {
		{ GK_EP_SERVICE, GK_SERVICE }, 2,
		"endpoint services and services, because an interface endpoint's service names one "
		"without saying its kind", NULL, NULL },
};
