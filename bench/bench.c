/* \summary: `vpcsim bench`: dispatches to the benchmarks */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "cli.h"

static const char bench_usage[] =
	"Usage: vpcsim bench NAME [OPTIONS]\n"
	"\n"
	"Benchmarks print figures; they are never pass/fail tests.\n"
	"\n"
	"  hold    the event queue alone (classic hold model), N = 100, 10^4, 10^6\n"
	"  chain   UDP through a chain of routers, optionally capturing every port\n"
	"  tgw     HTTP requests through the Transit Gateway scenario\n"
	"  vpcs    N VPCs, each with a client reaching one PrivateLink service\n"
	"  clients N clients in one workload\n"
	"  sweep   a 200-run sweep of the four ALB options at --jobs 1 and --jobs 2\n"
	"  workload SCENARIO --scale K: a scenario at K times its clients; events per packet-hop\n"
	"  tcp     one bulk transfer through a bottleneck: throughput and loss recovery\n"
	"\n"
	"Run 'vpcsim bench NAME --help' for a benchmark's options.\n";

int bench_main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(bench_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (strcmp(argv[1], "hold") == 0)
		return bench_hold_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "chain") == 0)
		return bench_chain_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "tgw") == 0)
		return bench_tgw_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "sweep") == 0)
		return bench_sweep_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "vpcs") == 0)
		return bench_vpcs_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "clients") == 0)
		return bench_clients_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "workload") == 0)
		return bench_workload_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "tcp") == 0)
		return bench_tcp_main(argc - 1, argv + 1);
	cli_error("unknown benchmark '%s'", argv[1]);
	fputs(bench_usage, stderr);
	return CLI_USAGE;
}
