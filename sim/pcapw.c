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
 * Each record is one fwrite_unlocked() into a 1 MiB stdio buffer: the
 * packet is serialized into a scratch buffer allocated once per writer,
 * after room for the 16-byte record header, which is filled in as
 * pcap_dump() would (32-bit seconds, nanoseconds, captured and wire
 * lengths, in host order like the file header libpcap wrote).  pcap_dump()
 * made two locked fwrite() calls per record, a sixth of a snap-length run.
 * Nothing is allocated per packet.
 *
 * Errors: stdio remembers a failed write in the stream's error flag, so
 * after each record a cheap ferror() tells whether the buffer flush that
 * record triggered failed.  errno is read right then, while it still
 * describes that failure, and later writes are skipped (a capture with a
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
 * until closed), only the rename at the end.  So at every PCAPW_IOBUF bytes
 * written, about when stdio writes its buffer out, outfile_check() asks
 * whether the temporary file still has a name, and the run hears of it
 * then rather than hours later.
 *
 * pcapw_bytes() counts what was handed to stdio (24-byte file header, then
 * 16 bytes plus the captured length per record): after a successful close
 * it equals the file's size.
 */

#define PCAPW_IOBUF (1u << 20)
#define PCAPW_FILE_HDR 24 /* pcap global header */
#define PCAPW_REC_HDR 16  /* per-record header */

struct pcapw {
	char *path;     /* DIR/NAME.pcap */
	outfile *out;   /* NULL once finished */
	gboolean finished;
	pcap_t *pd;
	pcap_dumper_t *dumper;
	FILE *fp;
	char *iobuf;
	uint8_t *scratch;
	uint32_t snaplen;
	GError *err;         /* first error, NULL if none */
	int *failed;         /* set to 1 at the first error (pcapw_notify) */
	uint64_t packets;
	uint64_t bytes;
};

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
	g_free(w->scratch);
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
	w->iobuf = g_malloc(PCAPW_IOBUF);
	setvbuf(w->fp, w->iobuf, _IOFBF, PCAPW_IOBUF);

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
	w->scratch = g_malloc(PCAPW_REC_HDR + (size_t)w->snaplen);
	return w;

fail:
	pcapw_free(w);
	return NULL;
}

void pcapw_write(pcapw *w, sim_time t, const pkt *p)
{
	g_return_if_fail(w != NULL && p != NULL && t >= 0);
	if (w->err)
		return;
	uint32_t rec[4];
	rec[3] = pkt_serialize(p, w->scratch + PCAPW_REC_HDR, w->snaplen);
	rec[2] = MIN(rec[3], w->snaplen);
	/* The file header says nanoseconds (PCAP_TSTAMP_PRECISION_NANO); the
	 * seconds field is 32 bits, as pcap_dump() truncates it. */
	rec[0] = (uint32_t)(PCAPW_EPOCH_S + t / SIM_S);
	rec[1] = (uint32_t)(t % SIM_S);
	memcpy(w->scratch, rec, sizeof rec);
	fwrite_unlocked(w->scratch, 1, PCAPW_REC_HDR + rec[2], w->fp);
	if (ferror_unlocked(w->fp)) {
		fail_errno(w, "write", errno ? errno : EIO);
		return;
	}
	w->packets++;
	uint64_t before = w->bytes;
	w->bytes += PCAPW_REC_HDR + rec[2];
	if (before / PCAPW_IOBUF != w->bytes / PCAPW_IOBUF) {
		GError *e = NULL;
		if (!outfile_check(w->out, &e))
			fail(w, e);
	}
}

gboolean pcapw_finish(pcapw *w, GError **error)
{
	g_return_val_if_fail(w != NULL && !w->finished, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
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
uint64_t pcapw_packets(const pcapw *w) { return w->packets; }
uint64_t pcapw_bytes(const pcapw *w) { return w->bytes; }
