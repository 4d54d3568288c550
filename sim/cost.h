/* \summary: the cost ledger: charges per component and charge type, for the run and per month */
#ifndef VPCSIM_COST_H
#define VPCSIM_COST_H

#include <stdint.h>
#include <glib.h>
#include "engine.h"
#include "tiers.h"

/*
 * The ledger collects what a run would cost "as AWS bills it": one line per
 * (component, charge type), e.g. ("natgw-a", "processing"),
 * ("tgw-attach-vpc-b", "hourly"), ("eni-client-a", "cross-az-out").  Names
 * are free strings chosen by the models; a report groups lines by component.
 * Suggested charge types: hourly, processing, cross-az-out, cross-az-in,
 * public-ip-out, public-ip-in, internet-out, internet-in, lcu, nlcu,
 * public-ipv4.
 *
 * Four kinds of line, each billed its own way by cost_ledger_finish():
 *
 *   COST_PER_GB    bytes x a tiered price per billed GB.  Bytes are
 *                  counted during the run through a cost_line handle (one
 *                  64-bit addition per packet, no lookup, no allocation).
 *                  Lines given the same prices_tiers pointer are tiered
 *                  TOGETHER, as AWS aggregates a tier's volume over all
 *                  resources using it (all interface endpoints in the
 *                  Region; all internet egress); the pool's cost is shared
 *                  among its lines in proportion to their bytes.  "Each
 *                  direction" prices are two lines, one on the sending
 *                  component (…-out) and one on the receiving (…-in).
 *   COST_HOURLY    a provisioned thing: USD per hour x count (AZs, addresses,
 *                  attachments).  AWS bills a partial hour as a full hour, so
 *                  the run is billed ceil(run hours) hours.
 *   COST_CAPACITY  metered capacity units (ALB LCU, NLB NLCU): average units
 *                  per hour x USD per unit-hour x the exact run hours (usage
 *                  is metered, not provisioned, so no rounding up).
 *   COST_USD       amounts a model computed itself, for the run and per month.
 *
 * Monthly projection: hourly and capacity lines x prices.hours_per_month
 * (730); per-GB lines scale the run's bytes to a month at the run's average
 * rate (bytes x 730 h / run hours) and are tiered on that monthly volume.
 * The run itself is billed as if it were the first traffic of the month:
 * tiers and free allowances start from zero.
 *
 * Not thread-safe: one ledger per simulation.
 */

typedef enum {
	COST_PER_GB,
	COST_HOURLY,
	COST_CAPACITY,
	COST_USD,
} cost_kind;

typedef struct cost_ledger cost_ledger;

/*
 * One line.  Models hold a pointer from cost_ledger_line() and call
 * cost_line_add_bytes() per packet; everything else is read-only for
 * callers, and the results are valid after cost_ledger_finish().  Lines
 * live, at a fixed address, as long as the ledger.
 */
typedef struct cost_line {
	uint64_t bytes;            /* COST_PER_GB: bytes counted so far */

	const char *component;     /* owned by the ledger */
	const char *type;          /* owned by the ledger */
	cost_kind kind;
	const prices_tiers *rate;  /* COST_PER_GB: the price (and tier pool) */
	double unit_usd;           /* HOURLY: USD per item-hour; CAPACITY: USD per unit-hour */
	double quantity;           /* HOURLY: item count; CAPACITY: units per hour */
	double given_run_usd;      /* COST_USD: as given */
	double given_month_usd;    /* COST_USD: as given */

	/* Results of cost_ledger_finish(). */
	double gb;                 /* PER_GB: bytes / prices.gb_bytes */
	double month_gb;           /* PER_GB: projected monthly volume */
	double billed_hours;       /* HOURLY: whole hours billed; CAPACITY: run hours */
	double run_usd;
	double month_usd;
} cost_line;

/* A new empty ledger: a billed GB is `gb_bytes` bytes, and a month
 * `hours_per_month` hours (both from the price table). */
cost_ledger *cost_ledger_new(double gb_bytes, double hours_per_month);
void cost_ledger_free(cost_ledger *l);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(cost_ledger, cost_ledger_free)

/*
 * The per-GB line (component, type), created on first use (this allocates;
 * call it when building the topology, not per packet).  `rate` should point
 * into the ledger's price table (e.g. &p->nat_gateway.processing) so lines
 * sharing a price share its tiers.  Asking again for the same
 * (component, type) returns the same line; asking with another rate or for
 * a line of another kind is a programmer error (NULL and a critical).
 */
cost_line *cost_ledger_line(cost_ledger *l, const char *component, const char *type,
                            const prices_tiers *rate);

/* The per-packet path: one addition. */
static inline void cost_line_add_bytes(cost_line *line, uint64_t bytes)
{
	line->bytes += bytes;
}

/* cost_ledger_line() + cost_line_add_bytes(), for code off the hot path. */
void cost_ledger_add_bytes(cost_ledger *l, const char *component, const char *type,
                           const prices_tiers *rate, uint64_t bytes);

/* Adds `count` items billed `usd_per_hour` each for the whole run (one call
 * per AZ, per address, or once with the count).  Calls for the same line add
 * their counts; their rates must agree. */
void cost_ledger_add_hourly(cost_ledger *l, const char *component, const char *type,
                            double usd_per_hour, double count);

/* Sets the capacity line to `units_per_hour` average units (e.g. from
 * cost_lcu_per_hour()) at `usd_per_unit_hour`; a second call replaces the
 * first, so a model can refresh it as its measurements grow. */
void cost_ledger_set_capacity(cost_ledger *l, const char *component, const char *type,
                              double usd_per_unit_hour, double units_per_hour);

/* Adds amounts a model computed itself.  Calls for the same line add up. */
void cost_ledger_add_usd(cost_ledger *l, const char *component, const char *type,
                         double run_usd, double month_usd);

/*
 * Computes every line's run and monthly cost for a run of `duration` (> 0)
 * nanoseconds, sorts the lines by (component, type) in byte order (so
 * reports are the same whatever order models created lines in) and totals
 * them per component.  May be called again after more traffic; results
 * reflect the counts at the time of the call.  Returns FALSE (critical) on
 * a non-positive duration.
 */
gboolean cost_ledger_finish(cost_ledger *l, sim_time duration);

/*
 * Monthly figures follow the traffic the workloads are configured for, not
 * the count a finite sample happened to hold: per-GB volumes and capacity
 * units projected to a month are multiplied by `scale` (1 by default), set
 * before cost_ledger_finish().  The world sets it to (requests the
 * configured rates ask for per hour of sending) / (requests completed per
 * hour of the run): a 10-second Poisson sample of 84 requests where 100
 * were expected projects the month of 100.  Hourly charges do not scale.
 */
void cost_ledger_set_volume_scale(cost_ledger *l, double scale);

/* Lines in (component, type) order; valid after cost_ledger_finish() and
 * until a new line is created. */
guint cost_ledger_n_lines(const cost_ledger *l);
const cost_line *cost_ledger_line_at(const cost_ledger *l, guint i);

/* Components in byte order with their totals; same validity. */
guint cost_ledger_n_components(const cost_ledger *l);
const char *cost_ledger_component_at(const cost_ledger *l, guint i, double *run_usd,
                                     double *month_usd);
/* Totals of one component; FALSE if it has no line. */
gboolean cost_ledger_component_total(const cost_ledger *l, const char *component,
                                     double *run_usd, double *month_usd);

double cost_ledger_total_run_usd(const cost_ledger *l);
double cost_ledger_total_month_usd(const cost_ledger *l);

/* The run duration given to the last cost_ledger_finish(), in hours. */
double cost_ledger_run_hours(const cost_ledger *l);

/*
 * Rounds to the cent as a bill or report shows it: half a cent rounds away
 * from zero.  Binary doubles store 0.495 as 0.49499999..., so the value is
 * first snapped to a millionth of a cent; exact for |usd| < 1e7.
 */
double cost_round_cents(double usd);

#endif
