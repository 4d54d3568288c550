/* \summary: pcap capture files written through libpcap, complete or not at all */
#ifndef VPCSIM_PCAPW_H
#define VPCSIM_PCAPW_H

#include <stdint.h>
#include <glib.h>
#include "pkt.h"

/*
 * One capture file: Ethernet link type, nanosecond timestamps
 * (pcap_open_dead_with_tstamp_precision), written through pcap_dump to an
 * outfile (outfile.h): a hidden temporary file in the target directory,
 * renamed to DIR/NAME.pcap only when pcapw_close() has flushed and closed
 * it without error (a FIFO or device of that name is written through, a
 * symlink followed).  A write error (unwritable directory, full disk, the
 * directory deleted under the run) is kept and reported by pcapw_close(),
 * which then deletes the temporary file, so a truncated file never appears
 * under the final name.
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
/* Appends p as seen at simulated time t, which is now (after the records
 * held by pcapw_write_ahead up to t).  Never fails loudly: the first error
 * is kept (pcapw_error) and later writes are skipped. */
void pcapw_write(pcapw *w, sim_time t, const pkt *p);
/* Records p as seen at time t >= now, the clock being at `now`: a
 * departure taken ahead of its time (link_send_at).  The record, bytes as
 * p is now, is held until a write at a time at or after t (or finishing)
 * lets it out, so the file stays in timestamp order; records of equal
 * times stay in the order they were written. */
void pcapw_write_ahead(pcapw *w, sim_time now, sim_time t, const pkt *p);
/* Flushes and closes the file but does not publish it yet; on any error
 * (now or earlier) removes the temporary file, fills `error` and returns
 * FALSE.  Then pcapw_close() publishes or pcapw_abort() discards: a set of
 * captures can be all or nothing. */
gboolean pcapw_finish(pcapw *w, GError **error);
/* Finishes (unless done) and renames into place; on any error removes the
 * temporary file, fills `error` and returns FALSE.  Frees w either way. */
gboolean pcapw_close(pcapw *w, GError **error);
/* Closes and removes the temporary file without publishing it; frees w. */
void pcapw_abort(pcapw *w);

/* *failed becomes 1 at the writer's first error (now, if it has one), so a
 * run can stop at once instead of finding out when it closes. */
void pcapw_notify(pcapw *w, int *failed);
/* The first error kept, or NULL. */
const GError *pcapw_error(const pcapw *w);

const char *pcapw_path(const pcapw *w);  /* the final path DIR/NAME.pcap */
/* Records and bytes written to the file so far, with the records held for
 * it (pcapw_write_ahead): after a successful close, the file's. */
uint64_t pcapw_packets(const pcapw *w);
uint64_t pcapw_bytes(const pcapw *w);

#endif
