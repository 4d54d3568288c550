/* \summary: pcap capture files written through libpcap into an outfile: renamed when complete */
/* pcap.h uses the BSD types u_int and u_char, which glibc hides under the
 * build's strict _POSIX_C_SOURCE; _DEFAULT_SOURCE brings them back. */
#define _DEFAULT_SOURCE 1

#include "pcapw.h"
#include "error.h"
#include "outfile.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

/*
 * Records are serialized straight into the writer's own 1 MiB buffer: the
 * 16-byte record header, filled in as pcap_dump() would (32-bit seconds,
 * nanoseconds, captured and wire lengths, in host order like the file
 * header libpcap wrote), then the packet's captured bytes.  When the next
 * record might not fit, the buffer goes to stdio in one fwrite_unlocked(),
 * which writes it to the file directly: stdio's own buffer is small
 * (PCAPW_STDIO_BUF, enough for libpcap's file header) so a record's bytes
 * are copied once, by the kernel, rather than into a scratch buffer, then
 * into stdio's, then into the kernel.  pcap_dump() made two locked
 * fwrite() calls per record, a sixth of a snap-length run; a record per
 * fwrite_unlocked() was still a third of what captures cost.  (A 256 KiB
 * buffer, which leaves more of a core's 1 MiB L2 cache to the run, made
 * no difference that 14 alternating runs of the alb-privatelink workload
 * could tell.)  Nothing is allocated per packet.
 *
 * Errors: stdio remembers a failed write in the stream's error flag, so
 * after each buffer handed over a cheap ferror() tells whether writing it
 * failed.  errno is read right then, while it still describes that
 * failure, and later writes are skipped (a capture with a
 * hole is worse than none, and it is going to be deleted anyway).
 *
 * The file itself is an outfile (outfile.h): a temporary beside DIR/NAME.pcap
 * renamed into place, or, when DIR/NAME.pcap is a FIFO or a device, the
 * file written through; a symlink is followed.  libpcap's
 * pcap_dump_fopen() writes the file header to our stream and returns it as
 * the dumper (pcap_dumper_t is the FILE *), and pcap_dump_close() is only
 * fclose(): so the outfile closes the stream itself, and sees the errors
 * of the final fflush() and fclose() that pcap_dump_close() would drop.
 *
 * A deleted directory does not make writes fail (the open file lives on
 * until closed), only the rename at the end.  So whenever the buffer is
 * written out (every PCAPW_IOBUF bytes or so), outfile_check() asks
 * whether the temporary file still has a name, and the run hears of it
 * then rather than hours later.
 *
 * pcapw_bytes() counts what was written or buffered (24-byte file header,
 * then 16 bytes plus the captured length per record) and the records held
 * (see below): after a successful close it equals the file's size.
 *
 * Records ahead of the clock (pcapw_write_ahead: a departure the link took
 * before its time) wait in a queue kept in (time, write order), the record
 * already serialized, since the packet changes on its way; each write
 * first lets out those whose time the clock has reached, and finishing
 * lets out the rest, so the file stays in timestamp order and equal times
 * keep the order they were written in.  A port's departures come in time
 * order (link_send_at), so a record joins at the end of the queue, and
 * leaves from the front: no heap to keep.  One that comes out of order
 * (another caller) moves forward past the later ones.  The queue is a ring
 * of slots that are reused (a slot's buffer grows to the longest record
 * it held), so steady state allocates nothing; there are as many slots as
 * records were ever held at once (rounded up to a power of two), a port's
 * departures in flight.
 */

#define PCAPW_IOBUF (1u << 20)
#define PCAPW_STDIO_BUF 4096
#define PCAPW_FILE_HDR 24 /* pcap global header */
#define PCAPW_REC_HDR 16  /* per-record header */

struct pcapw {
	char *path;     /* DIR/NAME.pcap */
	outfile *out;   /* NULL once finished */
	gboolean finished;
	pcap_t *pd;
	pcap_dumper_t *dumper;
	FILE *fp;
	char *iobuf;    /* stdio's (PCAPW_STDIO_BUF bytes) */
	uint8_t *obuf;  /* ours (PCAPW_IOBUF bytes): records not yet handed to stdio */
	uint32_t olen;  /* bytes used in obuf */
	uint32_t snaplen;
	GError *err;         /* first error, NULL if none */
	int *failed;         /* set to 1 at the first error (pcapw_notify) */
	uint64_t packets;
	uint64_t bytes;
	/* Records ahead of the clock, in file order: held[(first + i) & (nslots
	 * - 1)] for i < nheld. */
	struct pcapw_held *held; /* slots */
	uint32_t nslots;         /* 0 or a power of two */
	uint32_t first;
	uint32_t nheld;
	uint64_t held_bytes;     /* their records' lengths, headers included */
};

typedef struct pcapw_held {
	sim_time t;
	uint8_t *rec; /* record header and captured bytes */
	uint32_t len, cap;
} pcapw_held;

static void fail(pcapw *w, GError *e)
{
	if (w->err) {
		g_error_free(e);
		return;
	}
	w->err = e;
	if (w->failed)
		*w->failed = 1;
}

static void fail_errno(pcapw *w, const char *op, int err)
{
	fail(w, g_error_new(VPCSIM_ERROR, VPCSIM_ERROR_IO, "cannot %s capture file '%s': %s", op, w->path,
	                    g_strerror(err)));
}

static void pcapw_free(pcapw *w)
{
	outfile_abort(w->out);
	if (w->pd)
		pcap_close(w->pd);
	if (w->err)
		g_error_free(w->err);
	g_free(w->path);
	g_free(w->iobuf);
	g_free(w->obuf);
	for (uint32_t i = 0; i < w->nslots; i++)
		g_free(w->held[i].rec);
	g_free(w->held);
	g_free(w);
}

pcapw *pcapw_open(const char *dir, const char *name, uint32_t snaplen, GError **error)
{
	g_return_val_if_fail(dir != NULL && name != NULL && *name != '\0', NULL);
	g_return_val_if_fail(snaplen <= PCAPW_SNAPLEN_MAX, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	pcapw *w = g_new0(pcapw, 1);
	w->snaplen = snaplen ? snaplen : PCAPW_SNAPLEN_MAX;
	char *base = g_strconcat(name, ".pcap", NULL);
	w->path = g_build_filename(dir, base, NULL);
	g_free(base);

	if (g_mkdir_with_parents(dir, 0777) != 0) {
		int e = errno;
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO,
		            "cannot create directory '%s' for capture file '%s': %s", dir, w->path,
		            g_strerror(e));
		goto fail;
	}
	w->out = outfile_open(w->path, "capture file", error);
	if (!w->out)
		goto fail;
	w->fp = outfile_stream(w->out);
	w->iobuf = g_malloc(PCAPW_STDIO_BUF);
	setvbuf(w->fp, w->iobuf, _IOFBF, PCAPW_STDIO_BUF);

	w->pd = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)w->snaplen,
	                                             PCAP_TSTAMP_PRECISION_NANO);
	if (!w->pd) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO,
		            "cannot start capture file '%s': libpcap refused snaplen %u", w->path,
		            w->snaplen);
		goto fail;
	}
	w->dumper = pcap_dump_fopen(w->pd, w->fp);
	if (!w->dumper) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO,
		            "cannot start capture file '%s': %s", w->path, pcap_geterr(w->pd));
		goto fail;
	}
	w->bytes = PCAPW_FILE_HDR;
	w->obuf = g_malloc(PCAPW_IOBUF);
	return w;

fail:
	pcapw_free(w);
	return NULL;
}

/* Serializes p as seen at t into buf (PCAPW_REC_HDR + snaplen bytes);
 * returns the record's length (header included). */
static inline uint32_t pcapw__record(pcapw *w, uint8_t *buf, sim_time t, const pkt *p)
{
	/* The file header says nanoseconds (PCAP_TSTAMP_PRECISION_NANO); the
	 * seconds field is 32 bits, as pcap_dump() truncates it.  Each field
	 * is stored once where it goes: built in a local array and copied,
	 * the 16-byte copy's load waited for the array's four stores. */
	const uint32_t wire = pkt_serialize(p, buf + PCAPW_REC_HDR, w->snaplen);
	const uint32_t rec[4] = { (uint32_t)(PCAPW_EPOCH_S + t / SIM_S), (uint32_t)(t % SIM_S),
		                  MIN(wire, w->snaplen), wire };
	for (int i = 0; i < 4; i++)
		memcpy(buf + 4 * i, &rec[i], 4);
	return PCAPW_REC_HDR + rec[2];
}

/* Hands the buffered records to stdio, which writes them to the file. */
static void pcapw__flush(pcapw *w)
{
	if (w->olen == 0 || w->err)
		return;
	fwrite_unlocked(w->obuf, 1, w->olen, w->fp);
	w->olen = 0;
	if (ferror_unlocked(w->fp)) {
		fail_errno(w, "write", errno ? errno : EIO);
		return;
	}
	GError *e = NULL;
	if (!outfile_check(w->out, &e))
		fail(w, e);
}

/* Room in obuf for a record of `len` bytes (header included), flushing
 * first if needed. */
static inline uint8_t *pcapw__room(pcapw *w, uint32_t len)
{
	if (G_UNLIKELY(w->olen + len > PCAPW_IOBUF))
		pcapw__flush(w);
	/* The lines a few records on are asked for now.  The buffer is as big
	 * as this core's L2 cache, so its lines have left the cache by the
	 * time the buffer comes round again, and a record's stores waited for
	 * them; fetched ahead, they are there (bench/capture-cost's row to
	 * /dev/null: the cost of making the records fell by a fifth).  A
	 * prefetch past the buffer's end is harmless: it cannot fault. */
	const uint8_t *ahead = w->obuf + w->olen + 512;
	__builtin_prefetch(ahead, 1);
	__builtin_prefetch(ahead + 64, 1);
	__builtin_prefetch(ahead + 128, 1);
	return w->obuf + w->olen;
}

/* Counts a record of `len` bytes just put into obuf. */
static inline void pcapw__put(pcapw *w, uint32_t len)
{
	w->olen += len;
	w->packets++;
	w->bytes += len;
}

/* Lets out, in file order, the held records at or before `upto`. */
static void pcapw__release(pcapw *w, sim_time upto)
{
	while (w->nheld > 0 && w->held[w->first].t <= upto) {
		pcapw_held *h = &w->held[w->first];
		w->held_bytes -= h->len;
		if (!w->err) {
			memcpy(pcapw__room(w, h->len), h->rec, h->len);
			pcapw__put(w, h->len);
		}
		w->first = (w->first + 1) & (w->nslots - 1);
		w->nheld--;
	}
}

/* Neither writer is inlined into the links' per-packet functions
 * (link__arrive(), link_send_at()), which a run without captures wants
 * small: inlined, they cost it two registers saved per packet-hop. */
G_GNUC_NO_INLINE void pcapw_write(pcapw *w, sim_time t, const pkt *p)
{
	g_return_if_fail(w != NULL && p != NULL && t >= 0);
	if (w->err)
		return;
	pcapw__release(w, t);
	if (w->err)
		return;
	uint8_t *buf = pcapw__room(w, PCAPW_REC_HDR + MIN(pkt_wire_len(p), w->snaplen));
	pcapw__put(w, pcapw__record(w, buf, t, p));
}

G_GNUC_NO_INLINE void pcapw_write_ahead(pcapw *w, sim_time now, sim_time t, const pkt *p)
{
	g_return_if_fail(w != NULL && p != NULL && now >= 0 && t >= now);
	if (t == now) {
		pcapw_write(w, t, p);
		return;
	}
	if (w->err)
		return;
	pcapw__release(w, now);
	if (w->nheld == w->nslots) {
		/* Every slot is held: double them, the held ones first in order. */
		uint32_t n = w->nslots, n2 = n ? 2 * n : 8;
		pcapw_held *slots = g_new0(pcapw_held, n2);
		for (uint32_t i = 0; i < n; i++)
			slots[i] = w->held[(w->first + i) & (n - 1)];
		g_free(w->held);
		w->held = slots;
		w->nslots = n2;
		w->first = 0;
	}
	const uint32_t mask = w->nslots - 1;
	uint32_t i = w->nheld++;
	pcapw_held *h = &w->held[(w->first + i) & mask];
	/* Serialized in place, into a slot grown to the longest record it has
	 * held (not to the snap length: held records can be many). */
	uint32_t need = PCAPW_REC_HDR + MIN(pkt_wire_len(p), w->snaplen);
	if (h->cap < need) {
		h->rec = g_realloc(h->rec, need);
		h->cap = need;
	}
	h->len = pcapw__record(w, h->rec, t, p);
	h->t = t;
	w->held_bytes += h->len;
	/* Ahead of the later ones (equal times keep their order). */
	for (; i > 0; i--) {
		pcapw_held *a = &w->held[(w->first + i - 1) & mask], *b = &w->held[(w->first + i) & mask];
		if (a->t <= b->t)
			break;
		pcapw_held tmp = *a;
		*a = *b;
		*b = tmp;
	}
}

gboolean pcapw_finish(pcapw *w, GError **error)
{
	g_return_val_if_fail(w != NULL && !w->finished, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
	pcapw__release(w, SIM_TIME_MAX);
	pcapw__flush(w);
	w->finished = TRUE;
	w->dumper = NULL;
	w->fp = NULL;
	GError *e = NULL;
	if (!outfile_finish(w->out, w->err == NULL, &e)) {
		if (e)
			fail(w, e);
		g_propagate_error(error, g_error_copy(w->err));
		return FALSE;
	}
	return TRUE;
}

gboolean pcapw_close(pcapw *w, GError **error)
{
	g_return_val_if_fail(w != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
	gboolean ok;
	if (!w->finished)
		ok = pcapw_finish(w, error);
	else if (!(ok = w->err == NULL))
		g_propagate_error(error, g_error_copy(w->err));
	if (ok) {
		outfile *o = w->out;
		w->out = NULL;
		ok = outfile_publish(o, error);
	}
	pcapw_free(w);
	return ok;
}

void pcapw_abort(pcapw *w)
{
	if (w)
		pcapw_free(w);
}

void pcapw_notify(pcapw *w, int *failed)
{
	w->failed = failed;
	if (w->err && failed)
		*failed = 1;
}

const GError *pcapw_error(const pcapw *w) { return w->err; }
const char *pcapw_path(const pcapw *w) { return w->path; }
uint64_t pcapw_packets(const pcapw *w) { return w->packets + w->nheld; }
uint64_t pcapw_bytes(const pcapw *w) { return w->bytes + w->held_bytes; }
