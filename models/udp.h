/* \summary: UDP traffic endpoints: a paced or Poisson source and a measuring sink */
#ifndef VPCSIM_UDP_H
#define VPCSIM_UDP_H

#include "net.h"
#include "dist.h"
#include "stats.h"

typedef struct udp_source udp_source;
typedef struct udp_sink udp_sink;

typedef struct {
	pkt_addrs addrs;   /* source and destination address and ports */
	dist interval;     /* time between packets (UNIT_TIME) */
	dist size;         /* UDP payload bytes (UNIT_SIZE) */
	uint64_t count;    /* packets to send; 0 = until stop_at */
	sim_time start_at;
	sim_time stop_at;  /* 0 = no limit */
} udp_source_config;

/* A host with one port that sends UDP datagrams; config is copied. */
udp_source *udp_source_new(net *nt, const char *name, const udp_source_config *cfg);
node *udp_source_node(udp_source *s);
uint64_t udp_source_sent(const udp_source *s);
uint64_t udp_source_sent_bytes(const udp_source *s);

/* A host with one port that consumes every packet and records its one-way
 * latency (arrival time minus birth) in a histogram and a running mean. */
udp_sink *udp_sink_new(net *nt, const char *name);
node *udp_sink_node(udp_sink *s);
uint64_t udp_sink_received(const udp_sink *s);
uint64_t udp_sink_bytes(const udp_sink *s);
const hdr_hist *udp_sink_latency(const udp_sink *s);
const stats_acc *udp_sink_latency_acc(const udp_sink *s);

/* A single-server FIFO stage with an unbounded queue: packets arriving on
 * port 0 leave on port 1 after waiting for the server and a service time
 * drawn from `service`.  Like a link, it keeps only the time its server
 * becomes free.  Used to check the engine against queueing theory, and as
 * the processing stage of constructs with a capacity. */
typedef struct fifo fifo;
fifo *fifo_new(net *nt, const char *name, const dist *service);
node *fifo_node(fifo *f);
uint64_t fifo_arrivals(const fifo *f);

#endif
