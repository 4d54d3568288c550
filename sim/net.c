/* \summary: the network container: nodes, links, captures, drops and random streams */
#include "net.h"

#include <stdarg.h>
#include <string.h>

#include "error.h"
#include "pcapw.h"

static const drop_info queue_only[] = {
	[DROP_QUEUE] = { "queue-full", "a link's queue was full" },
};
static const drop_info *reasons = queue_only;
static int n_reasons = G_N_ELEMENTS(queue_only);

void drop_reasons_register(const drop_info *table, int n)
{
	g_return_if_fail(table != NULL && n > DROP_QUEUE && n <= DROP_MAX);
	g_return_if_fail(strcmp(table[DROP_QUEUE].name, "queue-full") == 0);
	reasons = table;
	n_reasons = n;
}

static const explain_info *explanations;

void explanations_register(const explain_info *table)
{
	g_return_if_fail(table != NULL);
	explanations = table;
}

const char *explanation_code(const char *text)
{
	for (const explain_info *e = explanations; e && e->prefix; e++)
		if (g_str_has_prefix(text, e->prefix))
			return e->code;
	return NULL;
}

int drop_reasons_count(void)
{
	return n_reasons;
}

const char *drop_reason_name(drop_reason r)
{
	return r >= 0 && r < n_reasons && reasons[r].name ? reasons[r].name : "unknown";
}

const char *drop_reason_text(drop_reason r)
{
	return r >= 0 && r < n_reasons && reasons[r].text ? reasons[r].text : "unknown";
}

drop_reason drop_reason_of_text(const char *text)
{
	for (int r = 0; r < n_reasons; r++)
		if (reasons[r].text && g_str_has_prefix(text, reasons[r].text))
			return r;
	return -1;
}

void node_init(node *n, const node_ops *ops, net *nt, const char *name)
{
	g_return_if_fail(nt->nodes->len < UINT32_MAX);
	n->ops = ops;
	n->net = nt;
	n->name = g_strdup(name);
	n->id = nt->nodes->len;
	n->ports = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(nt->nodes, n);
}

void node_clear(node *n)
{
	if (n->drop_details)
		g_hash_table_unref(n->drop_details);
	g_free(n->name);
	g_ptr_array_unref(n->ports);
}

port *node_add_port(node *n)
{
	port *p = g_new0(port, 1);
	p->node = n;
	p->index = (uint16_t)n->ports->len;
	/* Locally administered unicast: 02:00:<node id>:<port index>. */
	p->mac[0] = 0x02;
	p->mac[2] = (uint8_t)(n->id >> 8);
	p->mac[3] = (uint8_t)n->id;
	p->mac[4] = (uint8_t)(p->index >> 8);
	p->mac[5] = (uint8_t)p->index;
	g_ptr_array_add(n->ports, p);
	return p;
}

net *net_new(uint64_t seed)
{
	net *nt = g_new0(net, 1);
	nt->sim = sim_new();
	nt->pool = pkt_pool_new();
	nt->seed = seed;
	nt->nodes = g_ptr_array_new();
	nt->links = g_ptr_array_new_with_free_func((GDestroyNotify)link_free);
	nt->caps = g_ptr_array_new();
	nt->scratch = g_string_sized_new(256);
	nt->next_flow_id = 1;
	return nt;
}

void net_free(net *nt)
{
	if (!nt)
		return;
	for (guint i = 0; i < nt->caps->len; i++)
		pcapw_abort(g_ptr_array_index(nt->caps, i));
	g_ptr_array_unref(nt->caps);
	g_ptr_array_unref(nt->links);
	for (guint i = 0; i < nt->nodes->len; i++) {
		node *n = g_ptr_array_index(nt->nodes, i);
		n->ops->destroy(n);
	}
	g_ptr_array_unref(nt->nodes);
	/* Packets still in flight (queued events) go with their pool. */
	sim_free(nt->sim);
	pkt_pool_free(nt->pool);
	g_string_free(nt->scratch, TRUE);
	g_free(nt);
}

uint64_t net_new_flow_id(net *nt) { return nt->next_flow_id++; }

pkt *net_pkt_new(net *nt, uint64_t flow_id)
{
	pkt *p = pkt_alloc(nt->pool);
	p->flow_id = flow_id ? flow_id : nt->next_flow_id++;
	p->birth = sim_now(nt->sim);
	return p;
}

void net_drop(net *nt, node *n, pkt *p, drop_reason why)
{
	NET_TRACE(nt, n, p, NET_TRACE_DROP, "%s", drop_reason_text(why));
	n->drops[why]++;
	pkt_free(p);
}

static void net__drop_quiet(node *n, pkt *p, drop_reason why)
{
	n->drops[why]++;
	pkt_free(p);
}

void net_drop_detail(net *nt, node *n, pkt *p, drop_reason why, const char *detail)
{
	NET_TRACE(nt, n, p, NET_TRACE_DROP, "%s (%s)", drop_reason_text(why), detail);
	net_note_drop_detail(n, why, detail);
	net__drop_quiet(n, p, why);
}

void net_note_drop_detail(node *n, drop_reason why, const char *detail)
{
	if (!n->drop_details)
		n->drop_details = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	/* Drops are rare next to forwarding, so a string key per drop is fine. */
	char *key = g_strdup_printf("%s: %s", drop_reason_name(why), detail);
	gpointer old = g_hash_table_lookup(n->drop_details, key);
	g_hash_table_replace(n->drop_details, key, GSIZE_TO_POINTER(GPOINTER_TO_SIZE(old) + 1));
}

uint64_t net_drops(const net *nt, drop_reason why)
{
	uint64_t total = 0;
	for (guint i = 0; i < nt->nodes->len; i++)
		total += ((node *)g_ptr_array_index(nt->nodes, i))->drops[why];
	return total;
}

void net_rng(const net *nt, rng *r, const char *stream) { rng_init(r, nt->seed, stream); }

void net_fingerprint_start(net *nt)
{
	nt->fingerprint = TRUE;
	sim_fingerprint_start(nt->sim);
}

node *net_node(const net *nt, const char *name)
{
	for (guint i = 0; i < nt->nodes->len; i++) {
		node *n = g_ptr_array_index(nt->nodes, i);
		if (g_strcmp0(n->name, name) == 0)
			return n;
	}
	return NULL;
}

gboolean net_capture(net *nt, port *p, const char *dir, const char *name, uint32_t snaplen,
                     GError **error)
{
	g_return_val_if_fail(p->cap == NULL, FALSE);
	pcapw *w = pcapw_open(dir, name, snaplen, error);
	if (!w)
		return FALSE;
	p->cap = w;
	pcapw_notify(w, &nt->capture_failed);
	g_ptr_array_add(nt->caps, w);
	return TRUE;
}

static void detach_captures(net *nt)
{
	for (guint i = 0; i < nt->nodes->len; i++) {
		node *n = g_ptr_array_index(nt->nodes, i);
		for (guint j = 0; j < n->ports->len; j++)
			node_port(n, j)->cap = NULL;
	}
}

void net_abort_captures(net *nt)
{
	detach_captures(nt);
	for (guint i = 0; i < nt->caps->len; i++)
		pcapw_abort(g_ptr_array_index(nt->caps, i));
	g_ptr_array_set_size(nt->caps, 0);
}

gboolean net_close_captures(net *nt, GError **error)
{
	/* All or nothing: a capture set with one file missing (its disk
	 * filled) would look complete and mislead; and the files closed after
	 * a failed one would find the space it freed and be published. */
	GError *first = NULL;
	for (guint i = 0; i < nt->caps->len; i++) {
		GError *e = NULL;
		if (!pcapw_finish(g_ptr_array_index(nt->caps, i), &e)) {
			if (!first)
				first = e;
			else
				g_error_free(e);
		}
	}
	if (first) {
		net_abort_captures(nt);
		g_propagate_error(error, first);
		return FALSE;
	}
	detach_captures(nt);
	for (guint i = 0; i < nt->caps->len; i++) {
		GError *e = NULL;
		if (!pcapw_close(g_ptr_array_index(nt->caps, i), first ? NULL : &e))
			first = first ? first : e;
	}
	g_ptr_array_set_size(nt->caps, 0);
	if (first) {
		g_propagate_error(error, first);
		return FALSE;
	}
	return TRUE;
}

const GError *net_capture_error(const net *nt)
{
	for (guint i = 0; i < nt->caps->len; i++) {
		const GError *e = pcapw_error(g_ptr_array_index(nt->caps, i));
		if (e)
			return e;
	}
	return NULL;
}

gboolean net_run(net *nt, volatile int *stop)
{
	/* As world_run: slices short enough to stop promptly. */
	const sim_time slice = 10 * SIM_MS;
	while (sim_pending(nt->sim) > 0) {
		if ((stop && *stop) || nt->capture_failed)
			return FALSE;
		sim_run_until(nt->sim, sim_now(nt->sim) + slice);
	}
	return !nt->capture_failed;
}

uint64_t net_capture_bytes(const net *nt)
{
	uint64_t total = 0;
	for (guint i = 0; i < nt->caps->len; i++)
		total += pcapw_bytes(g_ptr_array_index(nt->caps, i));
	return total;
}

void net_trace_emit(net *nt, const node *n, const pkt *p, net_trace_kind kind, const char *fmt, ...)
{
	if (nt->tracer->bare & (UINT32_C(1) << kind)) {
		nt->tracer->event(nt->tracer->ud, sim_now(nt->sim), n, p, kind, NULL);
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	char *text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	nt->tracer->event(nt->tracer->ud, sim_now(nt->sim), n, p, kind, text);
	g_free(text);
}
