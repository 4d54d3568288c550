/* \summary: the benchmarks behind `vpcsim bench` */
#ifndef VPCSIM_BENCH_H
#define VPCSIM_BENCH_H

int bench_hold_main(int argc, char **argv);
int bench_chain_main(int argc, char **argv);
int bench_tgw_main(int argc, char **argv);
int bench_sweep_main(int argc, char **argv);
int bench_vpcs_main(int argc, char **argv);
int bench_clients_main(int argc, char **argv);
int bench_workload_main(int argc, char **argv);
int bench_tcp_main(int argc, char **argv);

#endif
