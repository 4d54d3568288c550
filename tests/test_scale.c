/* \summary: scale tests: memory and work that grow linearly with the scenario, not with its square */
#include <string.h>

#include "build.h"
#include "scenario_text.h"
#include "vpc.h"

/* N consumer VPCs on one CIDR (they are not peered, so they may overlap),
 * each with a subnet, a route table of its own and an instance. */
static char *vpcs_text(int n)
{
	return g_strdup_printf("[vars]\nn = %d\n\n"
	                       "[vpc v-{i}]\ncount = ${n}\ncidr = 10.0.0.0/16\n\n"
	                       "[route_table rt-{i}]\ncount = ${n}\nvpc = v-{i}\n\n"
	                       "[subnet s-{i}]\ncount = ${n}\nvpc = v-{i}\ncidr = 10.0.1.0/24\n"
	                       "az = use1-az1\nroute_table = rt-{i}\n\n"
	                       "[instance c-{i}]\ncount = ${n}\nsubnet = s-{i}\n",
	                       n);
}

/* Every VPC router compiles its own route table only: N tables and N
 * local routes over N routers (the routers used to hold a slot for every
 * table of the scenario, N^2 in all). */
static void test_router_tables_linear(void)
{
	const int ns[] = { 10, 200 };
	for (guint k = 0; k < G_N_ELEMENTS(ns); k++) {
		char *text = vpcs_text(ns[k]);
		GError *err = NULL;
		scenario *sc = st_load_text(text, NULL, &err);
		g_free(text);
		CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
		world *w = world_new(sc, NULL, &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(w);
		net *nt = world_net(w);
		guint routers = 0, tables = 0, routes = 0;
		for (guint i = 0; i < nt->nodes->len; i++) {
			vpc_router *v = vpc_router_of(g_ptr_array_index(nt->nodes, i));
			if (!v)
				continue;
			routers++;
			tables += vpc_router_n_tables(v);
			routes += vpc_router_n_routes(v);
		}
		CU_ASSERT_EQUAL(routers, (guint)ns[k]);
		CU_ASSERT_EQUAL(tables, (guint)ns[k]);
		CU_ASSERT_EQUAL(routes, (guint)ns[k]); /* the local route each */
		world_free(w);
		scenario_free(sc);
	}
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("scale");
	CU_add_test(s, "VPC routers hold their own route tables only", test_router_tables_linear);
}
