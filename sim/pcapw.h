/* \summary: pcap capture files written through libpcap, complete or not at all */
#ifndef VPCSIM_PCAPW_H
#define VPCSIM_PCAPW_H

#include <stdint.h>
#include <glib.h>
#include "pkt.h"

/*
 * One capture file: Ethernet link type, nanosecond timestamps
 * (pcap_open_dead_with_tstamp_precision), written through pcap_dump to a
 * hidden temporary file in the target directory and renamed to
 * DIR/NAME.pcap only when pcapw_close() has flushed and closed it without
 * error.  A write error (unwritable directory, full disk) is kept and
 * reported by pcapw_close(), which then deletes the temporary file, so a
 * truncated file never appears under the final name.
 *
 * Timestamps are simulated time added to PCAPW_EPOCH_S, so Wireshark shows a
 * plausible date; the choice of date is presentation only.
 */
#define PCAPW_EPOCH_S INT64_C(1767225600) /* 2026-01-01T00:00:00Z */
#define PCAPW_SNAPLEN_MAX 65535

typedef struct pcapw pcapw;

/* Opens DIR/NAME.pcap for writing (creating DIR if needed).  snaplen 0 means
 * PCAPW_SNAPLEN_MAX (whole packets).  Errors: VPCSIM_ERROR_IO naming the
 * path and the system's reason. */
pcapw *pcapw_open(const char *dir, const char *name, uint32_t snaplen, GError **error);
/* Appends p as seen at simulated time t.  Never fails loudly: the first
 * error is kept for pcapw_close() and later writes are skipped. */
void pcapw_write(pcapw *w, sim_time t, const pkt *p);
/* Flushes, closes and renames into place; on any error (now or earlier)
 * removes the temporary file, fills `error` and returns FALSE.  Frees w
 * either way. */
gboolean pcapw_close(pcapw *w, GError **error);
/* Closes and removes the temporary file without publishing it; frees w. */
void pcapw_abort(pcapw *w);

const char *pcapw_path(const pcapw *w);  /* the final path DIR/NAME.pcap */
uint64_t pcapw_packets(const pcapw *w);
uint64_t pcapw_bytes(const pcapw *w);    /* bytes written to the file so far */

#endif
