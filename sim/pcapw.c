/* \summary: pcap capture files written through libpcap into a temp file, renamed when complete */
/* pcap.h uses the BSD types u_int and u_char, which glibc hides under the
 * build's strict _POSIX_C_SOURCE; _DEFAULT_SOURCE brings them back. */
#define _DEFAULT_SOURCE 1

#include "pcapw.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * Each record goes through one pcap_dump() call, which is two fwrite()s into
 * a 1 MiB stdio buffer; the packet is serialized into a scratch buffer
 * allocated once per writer.  Nothing is allocated per packet.
 *
 * Errors: stdio remembers a failed write in the stream's error flag, so
 * after each record a cheap ferror() tells whether the buffer flush that
 * record triggered failed.  errno is read right then, while it still
 * describes that failure, and later writes are skipped (a capture with a
 * hole is worse than none, and it is going to be deleted anyway).
 *
 * Limit: pcap_dump_close() returns nothing, so an error from the final
 * fclose() is invisible.  pcapw_close() flushes first (pcap_dump_flush()
 * reports fflush() failures), which leaves only close(2) itself: on local
 * file systems it cannot fail after a successful flush.
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
	char *tmp_path; /* DIR/.NAME.pcap.XXXXXX */
	pcap_t *pd;
	pcap_dumper_t *dumper;
	FILE *fp;
	char *iobuf;
	uint8_t *scratch;
	uint32_t snaplen;
	int err;             /* first errno seen, 0 if none */
	const char *err_op;  /* what was being done when err happened */
	uint64_t packets;
	uint64_t bytes;
};

static void set_io_error(GError **error, const char *op, const char *path, int err)
{
	g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO, "cannot %s capture file '%s': %s", op,
	            path, g_strerror(err));
}

static void pcapw_free(pcapw *w)
{
	if (w->pd)
		pcap_close(w->pd);
	g_free(w->path);
	g_free(w->tmp_path);
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
	char *tmp_base = g_strconcat(".", base, ".XXXXXX", NULL);
	w->tmp_path = g_build_filename(dir, tmp_base, NULL);
	g_free(tmp_base);
	g_free(base);

	if (g_mkdir_with_parents(dir, 0777) != 0) {
		int e = errno;
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO,
		            "cannot create directory '%s' for capture file '%s': %s", dir, w->path,
		            g_strerror(e));
		goto fail;
	}
	/* Mode 0666 as for fopen(), so the umask decides, not g_mkstemp's 0600. */
	int fd = g_mkstemp_full(w->tmp_path, O_WRONLY | O_CLOEXEC, 0666);
	if (fd < 0) {
		set_io_error(error, "create", w->path, errno);
		goto fail;
	}
	w->fp = fdopen(fd, "wb");
	if (!w->fp) {
		int e = errno;
		close(fd);
		g_unlink(w->tmp_path);
		set_io_error(error, "open", w->path, e);
		goto fail;
	}
	w->iobuf = g_malloc(PCAPW_IOBUF);
	setvbuf(w->fp, w->iobuf, _IOFBF, PCAPW_IOBUF);

	w->pd = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)w->snaplen,
	                                             PCAP_TSTAMP_PRECISION_NANO);
	if (!w->pd) {
		fclose(w->fp);
		g_unlink(w->tmp_path);
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO,
		            "cannot start capture file '%s': libpcap refused snaplen %u", w->path,
		            w->snaplen);
		goto fail;
	}
	w->dumper = pcap_dump_fopen(w->pd, w->fp);
	if (!w->dumper) {
		fclose(w->fp);
		g_unlink(w->tmp_path);
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO,
		            "cannot start capture file '%s': %s", w->path, pcap_geterr(w->pd));
		goto fail;
	}
	w->bytes = PCAPW_FILE_HDR;
	w->scratch = g_malloc(w->snaplen);
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
	struct pcap_pkthdr h;
	h.len = pkt_serialize(p, w->scratch, w->snaplen);
	h.caplen = MIN(h.len, w->snaplen);
	/* With PCAP_TSTAMP_PRECISION_NANO libpcap reads tv_usec as nanoseconds. */
	h.ts.tv_sec = (time_t)(PCAPW_EPOCH_S + t / SIM_S);
	h.ts.tv_usec = (suseconds_t)(t % SIM_S);
	pcap_dump((u_char *)w->dumper, &h, w->scratch);
	if (ferror(w->fp)) {
		w->err = errno ? errno : EIO;
		w->err_op = "write";
		return;
	}
	w->packets++;
	w->bytes += PCAPW_REC_HDR + h.caplen;
}

/* Closes the stream and deletes the temporary file. */
static void discard(pcapw *w)
{
	pcap_dump_close(w->dumper);
	w->dumper = NULL;
	g_unlink(w->tmp_path);
}

gboolean pcapw_close(pcapw *w, GError **error)
{
	g_return_val_if_fail(w != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
	if (!w->err && (pcap_dump_flush(w->dumper) != 0 || ferror(w->fp))) {
		w->err = errno ? errno : EIO;
		w->err_op = "write";
	}
	if (w->err) {
		discard(w);
		set_io_error(error, w->err_op, w->path, w->err);
		pcapw_free(w);
		return FALSE;
	}
	pcap_dump_close(w->dumper);
	w->dumper = NULL;
	/* rename() replaces an older capture of the same name atomically: a
	 * reader sees the old file or the new one, never a partial one. */
	if (g_rename(w->tmp_path, w->path) != 0) {
		int e = errno;
		g_unlink(w->tmp_path);
		set_io_error(error, "publish", w->path, e);
		pcapw_free(w);
		return FALSE;
	}
	pcapw_free(w);
	return TRUE;
}

void pcapw_abort(pcapw *w)
{
	if (!w)
		return;
	discard(w);
	pcapw_free(w);
}

const char *pcapw_path(const pcapw *w) { return w->path; }
uint64_t pcapw_packets(const pcapw *w) { return w->packets; }
uint64_t pcapw_bytes(const pcapw *w) { return w->bytes; }
