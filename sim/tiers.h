/* \summary: per-GB prices with monthly volume tiers: the cost of a volume at a position in the month */
#ifndef VPCSIM_TIERS_H
#define VPCSIM_TIERS_H

#include <glib.h>

/* Most tiers a per-GB price may have (the longest list in the bundled
 * price tables has four). */
#define PRICES_MAX_TIERS 8

/*
 * A per-GB price with monthly volume tiers.  Tier i charges usd_per_gb[i]
 * for the GB whose cumulative position in the month lies between
 * up_to_gb[i-1] (0 for i = 0) and up_to_gb[i]; the last bound is INFINITY.
 * A flat rate is one tier.  All volumes are in billed GB (prices.gb_bytes
 * bytes).
 */
typedef struct {
	int n;
	double usd_per_gb[PRICES_MAX_TIERS];
	double up_to_gb[PRICES_MAX_TIERS];
} prices_tiers;

/* TRUE when every tier of `t` is free: a model creates no ledger line for
 * a price that can bill nothing (reports would fill with $0.00 lines). */
gboolean prices_tiers_free(const prices_tiers *t);

/*
 * The cost of charging `gb` more billed GB when `already_gb` GB have already
 * been billed at this price this month (marginal tiering: each GB pays the
 * rate of the tier its cumulative position falls in).  prices_tier_cost(t, 0, a + b) ==
 * prices_tier_cost(t, 0, a) + prices_tier_cost(t, a, b).
 */
double prices_tier_cost(const prices_tiers *t, double already_gb, double gb);

#endif
