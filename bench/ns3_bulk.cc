/* \summary: the bulk-transfer path of `vpcsim bench tcp` in ns-3 (TcpCubic with SACK), both throughputs side by side */
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/traffic-control-module.h"

/*
 * A reference nobody here wrote: ns-3's own TCP (TcpCubic, SACK and
 * timestamps on, as its defaults have them) on the path `vpcsim bench tcp`
 * builds: sender -> router at ten times the bottleneck rate with a queue
 * that never drops (a host's socket), router -> receiver at --rate with a
 * tail-drop queue of --queue bytes, the propagation of --rtt split over the
 * four one-way crossings, MTU 1500, segments of 1448 bytes (1460 less a
 * timestamp), an initial window of 10 and an ACK every second segment.
 * The receive buffer is 3 MiB, the largest window vpcsim's receivers grow
 * to (ns-3 does not autotune it), and no qdisc sits above the device
 * queues.  Then it runs `vpcsim bench tcp` with the same figures and prints
 * both lines:
 *
 *   ns3 bytes=B time_ns=N mbps=M
 *   tcp bytes=B ... mbps=M ...   (vpcsim's own line)
 *
 * Differences that remain: ns-3's point-to-point frames carry a 2-byte PPP
 * header where vpcsim's carry 14 bytes of Ethernet, and ns-3's CUBIC has
 * HyStart on (vpcsim's has none), which leaves slow start earlier.
 */

using namespace ns3;

static uint64_t g_rx_bytes;
static Time g_last_rx;

static void
OnRx(Ptr<const Packet> p, const Address &)
{
	g_rx_bytes += p->GetSize();
	g_last_rx = Simulator::Now();
}

int
main(int argc, char *argv[])
{
	uint64_t bytes = 100000000;
	std::string rate = "1Gbps", rtt = "2ms", vpcsim = VPCSIM_BIN;
	uint32_t queue = 65536;
	CommandLine cmd(__FILE__);
	cmd.AddValue("bytes", "bytes to send", bytes);
	cmd.AddValue("rate", "bottleneck rate (ns-3 syntax, e.g. 1Gbps)", rate);
	cmd.AddValue("rtt", "round-trip propagation (e.g. 2ms)", rtt);
	cmd.AddValue("queue", "bottleneck queue in bytes", queue);
	cmd.AddValue("vpcsim", "the vpcsim binary to compare with", vpcsim);
	cmd.Parse(argc, argv);

	Config::SetDefault("ns3::TcpL4Protocol::SocketType", StringValue("ns3::TcpCubic"));
	Config::SetDefault("ns3::TcpSocketBase::Sack", BooleanValue(true));
	Config::SetDefault("ns3::TcpSocketBase::Timestamp", BooleanValue(true));
	Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));
	Config::SetDefault("ns3::TcpSocket::InitialCwnd", UintegerValue(10));
	Config::SetDefault("ns3::TcpSocket::DelAckCount", UintegerValue(2));
	Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(64u << 20));
	Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(3u << 20));

	Time quarter = Time(rtt) / 4;
	NodeContainer nodes;
	nodes.Create(3);
	PointToPointHelper access, bottleneck;
	DataRate r(rate);
	access.SetDeviceAttribute("DataRate", DataRateValue(DataRate(r.GetBitRate() * 10)));
	access.SetChannelAttribute("Delay", TimeValue(quarter));
	access.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize", QueueSizeValue(QueueSize("1000000p")));
	bottleneck.SetDeviceAttribute("DataRate", DataRateValue(r));
	bottleneck.SetChannelAttribute("Delay", TimeValue(quarter));
	bottleneck.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize",
	                    QueueSizeValue(QueueSize(std::to_string(queue) + "B")));
	NetDeviceContainer a = access.Install(nodes.Get(0), nodes.Get(1));
	NetDeviceContainer b = bottleneck.Install(nodes.Get(1), nodes.Get(2));

	InternetStackHelper stack;
	stack.Install(nodes);
	Ipv4AddressHelper addr;
	addr.SetBase("10.0.1.0", "255.255.255.0");
	addr.Assign(a);
	addr.SetBase("10.0.2.0", "255.255.255.0");
	Ipv4InterfaceContainer bi = addr.Assign(b);
	/* Assign installed the default qdisc (pfifo_fast, 1000 packets) above
	 * each device; only the device queues stay. */
	TrafficControlHelper tch;
	tch.Uninstall(a);
	tch.Uninstall(b);
	Ipv4GlobalRoutingHelper::PopulateRoutingTables();

	uint16_t port = 9000;
	BulkSendHelper src("ns3::TcpSocketFactory", InetSocketAddress(bi.GetAddress(1), port));
	src.SetAttribute("MaxBytes", UintegerValue(bytes));
	src.SetAttribute("SendSize", UintegerValue(65536));
	ApplicationContainer sa = src.Install(nodes.Get(0));
	sa.Start(Seconds(0));
	PacketSinkHelper sink("ns3::TcpSocketFactory", InetSocketAddress(Ipv4Address::GetAny(), port));
	ApplicationContainer ka = sink.Install(nodes.Get(2));
	ka.Start(Seconds(0));
	ka.Get(0)->TraceConnectWithoutContext("Rx", MakeCallback(&OnRx));

	Simulator::Run();
	Simulator::Destroy();
	double secs = g_last_rx.GetSeconds();
	std::printf("ns3 bytes=%llu time_ns=%lld mbps=%.1f\n", (unsigned long long)g_rx_bytes,
	            (long long)g_last_rx.GetNanoSeconds(), secs > 0 ? g_rx_bytes * 8 / secs / 1e6 : 0.0);
	std::fflush(stdout);
	std::string line = vpcsim + " bench tcp --bytes " + std::to_string(bytes) + "B --rate " + rate +
	                   " --rtt " + rtt + " --queue " + std::to_string(queue) + "B";
	int rc = std::system(line.c_str());
	return g_rx_bytes == bytes && rc == 0 ? 0 : 1;
}
