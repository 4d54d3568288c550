/* \summary: the cost ledger: per-GB, hourly, capacity and model-computed charges, run and month */
#include "cost.h"

#include <math.h>
#include <string.h>

/*
 * Lines are allocated one by one so their addresses never move: models keep
 * `cost_line *` handles for the per-packet path.  A hash table keyed by
 * "component\x1ftype" finds a line when it is created or looked up (setup
 * time only); `lines` keeps creation order and `sorted` the report order,
 * rebuilt by cost_ledger_finish().  The unit separator 0x1f cannot appear in
 * the names models use, so the key is unambiguous.
 */

#define HOUR_NS ((sim_time)3600 * SIM_S)

typedef struct {
	const char *name;
	double run_usd;
	double month_usd;
} component_total;

/* The per-GB lines sharing one tier list, tiered together. */
typedef struct {
	double gb, month_gb;
	double run_usd, month_usd;
} pool;

struct cost_ledger {
	double gb_bytes;      /* bytes in a billed GB */
	double hours_per_month;
	GHashTable *by_key;   /* "component\x1ftype" -> cost_line * (not owned) */
	GPtrArray *lines;     /* creation order; owns the lines */
	GPtrArray *sorted;    /* report order, valid when `finished` */
	GArray *components;   /* component_total, valid when `finished` */
	gboolean finished;
	double run_hours;
	double volume_scale;  /* cost_ledger_set_volume_scale() */
	double total_run, total_month;
};

static void line_free(gpointer data)
{
	cost_line *line = data;
	g_free((char *)line->component);
	g_free((char *)line->type);
	g_free(line);
}

cost_ledger *cost_ledger_new(double gb_bytes, double hours_per_month)
{
	g_return_val_if_fail(gb_bytes > 0 && hours_per_month > 0, NULL);
	cost_ledger *l = g_new0(cost_ledger, 1);
	l->gb_bytes = gb_bytes;
	l->hours_per_month = hours_per_month;
	l->by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	l->lines = g_ptr_array_new_with_free_func(line_free);
	l->sorted = g_ptr_array_new();
	l->components = g_array_new(FALSE, FALSE, sizeof(component_total));
	return l;
}

void cost_ledger_free(cost_ledger *l)
{
	if (!l)
		return;
	g_hash_table_destroy(l->by_key);
	g_ptr_array_unref(l->sorted);
	g_array_unref(l->components);
	g_ptr_array_unref(l->lines);
	g_free(l);
}

static const char *kind_name(cost_kind k)
{
	switch (k) {
	case COST_PER_GB: return "per-GB";
	case COST_HOURLY: return "hourly";
	case COST_CAPACITY: return "capacity";
	case COST_USD: return "computed USD";
	}
	return "?";
}

/* Finds or creates the line (component, type) of kind `kind`.  NULL (with
 * a critical) if it exists with another kind. */
static cost_line *line_get(cost_ledger *l, const char *component, const char *type, cost_kind kind)
{
	char *key = g_strconcat(component, "\x1f", type, NULL);
	cost_line *line = g_hash_table_lookup(l->by_key, key);
	if (line) {
		g_free(key);
		if (line->kind != kind) {
			g_critical("cost line (%s, %s) is %s, not %s", component, type,
			           kind_name(line->kind), kind_name(kind));
			return NULL;
		}
		return line;
	}
	line = g_new0(cost_line, 1);
	line->component = g_strdup(component);
	line->type = g_strdup(type);
	line->kind = kind;
	g_hash_table_insert(l->by_key, key, line);
	g_ptr_array_add(l->lines, line);
	l->finished = FALSE; /* the sorted views no longer list every line */
	return line;
}

cost_line *cost_ledger_line(cost_ledger *l, const char *component, const char *type,
                            const prices_tiers *rate)
{
	g_return_val_if_fail(l != NULL && component != NULL && type != NULL, NULL);
	g_return_val_if_fail(rate != NULL && rate->n > 0, NULL);
	cost_line *line = line_get(l, component, type, COST_PER_GB);
	if (!line)
		return NULL;
	if (line->rate == NULL) {
		line->rate = rate;
	} else if (line->rate != rate) {
		g_critical("cost line (%s, %s) already bills with another per-GB price", component,
		           type);
		return NULL;
	}
	return line;
}

void cost_ledger_add_bytes(cost_ledger *l, const char *component, const char *type,
                           const prices_tiers *rate, uint64_t bytes)
{
	cost_line *line = cost_ledger_line(l, component, type, rate);
	if (line)
		cost_line_add_bytes(line, bytes);
}

void cost_ledger_add_hourly(cost_ledger *l, const char *component, const char *type,
                            double usd_per_hour, double count)
{
	g_return_if_fail(l != NULL && component != NULL && type != NULL);
	g_return_if_fail(usd_per_hour >= 0 && count >= 0);
	cost_line *line = line_get(l, component, type, COST_HOURLY);
	if (!line)
		return;
	if (line->quantity > 0 && line->unit_usd != usd_per_hour) {
		g_critical("cost line (%s, %s): hourly rate %g differs from %g given before",
		           component, type, usd_per_hour, line->unit_usd);
		return;
	}
	line->unit_usd = usd_per_hour;
	line->quantity += count;
}

void cost_ledger_set_capacity(cost_ledger *l, const char *component, const char *type,
                              double usd_per_unit_hour, double units_per_hour)
{
	g_return_if_fail(l != NULL && component != NULL && type != NULL);
	g_return_if_fail(usd_per_unit_hour >= 0 && units_per_hour >= 0);
	cost_line *line = line_get(l, component, type, COST_CAPACITY);
	if (!line)
		return;
	line->unit_usd = usd_per_unit_hour;
	line->quantity = units_per_hour;
}

void cost_ledger_add_usd(cost_ledger *l, const char *component, const char *type,
                         double run_usd, double month_usd)
{
	g_return_if_fail(l != NULL && component != NULL && type != NULL);
	cost_line *line = line_get(l, component, type, COST_USD);
	if (!line)
		return;
	line->given_run_usd += run_usd;
	line->given_month_usd += month_usd;
}

static gint line_cmp(gconstpointer a, gconstpointer b)
{
	const cost_line *x = *(const cost_line *const *)a;
	const cost_line *y = *(const cost_line *const *)b;
	int c = strcmp(x->component, y->component);
	return c ? c : strcmp(x->type, y->type);
}

/* Bills every per-GB line: pools by tier list, tiers each pool's volume,
 * shares the pool's cost in proportion to bytes. */
static void finish_per_gb(cost_ledger *l, double month_scale)
{
	GHashTable *pools = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	for (guint i = 0; i < l->sorted->len; i++) {
		cost_line *line = l->sorted->pdata[i];
		if (line->kind != COST_PER_GB)
			continue;
		line->gb = (double)line->bytes / l->gb_bytes;
		line->month_gb = line->gb * month_scale;
		pool *pl = g_hash_table_lookup(pools, line->rate);
		if (!pl) {
			pl = g_new0(pool, 1);
			g_hash_table_insert(pools, (gpointer)line->rate, pl);
		}
		/* Summed in report order, so the shares are bit-for-bit the
		 * same whatever order the lines were created in. */
		pl->gb += line->gb;
		pl->month_gb += line->month_gb;
	}
	GHashTableIter it;
	gpointer rate, value;
	g_hash_table_iter_init(&it, pools);
	while (g_hash_table_iter_next(&it, &rate, &value)) {
		pool *pl = value;
		pl->run_usd = prices_tier_cost(rate, 0, pl->gb);
		pl->month_usd = prices_tier_cost(rate, 0, pl->month_gb);
	}
	for (guint i = 0; i < l->sorted->len; i++) {
		cost_line *line = l->sorted->pdata[i];
		if (line->kind != COST_PER_GB)
			continue;
		pool *pl = g_hash_table_lookup(pools, line->rate);
		line->run_usd = pl->gb > 0 ? pl->run_usd * (line->gb / pl->gb) : 0;
		line->month_usd = pl->month_gb > 0 ? pl->month_usd * (line->month_gb / pl->month_gb) : 0;
	}
	g_hash_table_destroy(pools);
}

void cost_ledger_set_volume_scale(cost_ledger *l, double scale)
{
	g_return_if_fail(l != NULL && scale > 0 && isfinite(scale));
	l->volume_scale = scale;
}

gboolean cost_ledger_finish(cost_ledger *l, sim_time duration)
{
	g_return_val_if_fail(l != NULL, FALSE);
	g_return_val_if_fail(duration > 0, FALSE);
	const double month_hours = l->hours_per_month;
	l->run_hours = (double)duration / (double)HOUR_NS;
	/* AWS bills every started hour of a provisioned resource in full.
	 * Integer arithmetic, so exactly one hour is one hour. */
	const double whole_hours = (double)(duration / HOUR_NS + (duration % HOUR_NS != 0));

	g_ptr_array_set_size(l->sorted, 0);
	for (guint i = 0; i < l->lines->len; i++)
		g_ptr_array_add(l->sorted, l->lines->pdata[i]);
	g_ptr_array_sort(l->sorted, line_cmp);

	const double vs = l->volume_scale > 0 ? l->volume_scale : 1;
	finish_per_gb(l, month_hours / l->run_hours * vs);
	for (guint i = 0; i < l->sorted->len; i++) {
		cost_line *line = l->sorted->pdata[i];
		switch (line->kind) {
		case COST_PER_GB:
			break;
		case COST_HOURLY:
			line->billed_hours = whole_hours;
			line->run_usd = line->unit_usd * line->quantity * whole_hours;
			line->month_usd = line->unit_usd * line->quantity * month_hours;
			break;
		case COST_CAPACITY:
			line->billed_hours = l->run_hours;
			line->run_usd = line->unit_usd * line->quantity * l->run_hours;
			line->month_usd = line->unit_usd * line->quantity * month_hours * vs;
			break;
		case COST_USD:
			line->run_usd = line->given_run_usd;
			line->month_usd = line->given_month_usd;
			break;
		}
	}

	/* Totals summed in report order, so they are bit-for-bit the same
	 * whatever order the lines were created in. */
	g_array_set_size(l->components, 0);
	l->total_run = l->total_month = 0;
	for (guint i = 0; i < l->sorted->len; i++) {
		const cost_line *line = l->sorted->pdata[i];
		component_total *last = l->components->len
			? &g_array_index(l->components, component_total, l->components->len - 1)
			: NULL;
		if (!last || strcmp(last->name, line->component) != 0) {
			component_total c = { line->component, 0, 0 };
			g_array_append_val(l->components, c);
			last = &g_array_index(l->components, component_total, l->components->len - 1);
		}
		last->run_usd += line->run_usd;
		last->month_usd += line->month_usd;
		l->total_run += line->run_usd;
		l->total_month += line->month_usd;
	}
	l->finished = TRUE;
	return TRUE;
}

guint cost_ledger_n_lines(const cost_ledger *l)
{
	g_return_val_if_fail(l != NULL && l->finished, 0);
	return l->sorted->len;
}

const cost_line *cost_ledger_line_at(const cost_ledger *l, guint i)
{
	g_return_val_if_fail(l != NULL && l->finished, NULL);
	g_return_val_if_fail(i < l->sorted->len, NULL);
	return l->sorted->pdata[i];
}

guint cost_ledger_n_components(const cost_ledger *l)
{
	g_return_val_if_fail(l != NULL && l->finished, 0);
	return l->components->len;
}

const char *cost_ledger_component_at(const cost_ledger *l, guint i, double *run_usd,
                                     double *month_usd)
{
	g_return_val_if_fail(l != NULL && l->finished, NULL);
	g_return_val_if_fail(i < l->components->len, NULL);
	const component_total *c = &g_array_index(l->components, component_total, i);
	if (run_usd)
		*run_usd = c->run_usd;
	if (month_usd)
		*month_usd = c->month_usd;
	return c->name;
}

gboolean cost_ledger_component_total(const cost_ledger *l, const char *component,
                                     double *run_usd, double *month_usd)
{
	g_return_val_if_fail(l != NULL && l->finished && component != NULL, FALSE);
	for (guint i = 0; i < l->components->len; i++) {
		const component_total *c = &g_array_index(l->components, component_total, i);
		if (strcmp(c->name, component) == 0) {
			if (run_usd)
				*run_usd = c->run_usd;
			if (month_usd)
				*month_usd = c->month_usd;
			return TRUE;
		}
	}
	return FALSE;
}

double cost_ledger_total_run_usd(const cost_ledger *l)
{
	g_return_val_if_fail(l != NULL && l->finished, 0);
	return l->total_run;
}

double cost_ledger_total_month_usd(const cost_ledger *l)
{
	g_return_val_if_fail(l != NULL && l->finished, 0);
	return l->total_month;
}

double cost_ledger_run_hours(const cost_ledger *l)
{
	g_return_val_if_fail(l != NULL && l->finished, 0);
	return l->run_hours;
}

double cost_round_cents(double usd)
{
	double cents = round(usd * 1e8) / 1e6; /* snapped to 1e-6 cent */
	return round(cents) / 100.0;           /* round() is half away from zero */
}
