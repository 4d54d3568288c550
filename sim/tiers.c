/* \summary: per-GB prices with monthly volume tiers: the cost of a volume at a position in the month */
#include "tiers.h"

#include <math.h>

double prices_tier_cost(const prices_tiers *t, double already_gb, double gb)
{
	g_return_val_if_fail(t != NULL, 0);
	g_return_val_if_fail(already_gb >= 0 && gb >= 0, 0);
	double start = already_gb, end = already_gb + gb;
	double cost = 0, lo = 0;
	for (int i = 0; i < t->n && lo < end; i++) {
		double hi = i + 1 == t->n ? INFINITY : t->up_to_gb[i];
		double from = MAX(start, lo), to = MIN(end, hi);
		if (to > from)
			cost += (to - from) * t->usd_per_gb[i];
		lo = hi;
	}
	return cost;
}

gboolean prices_tiers_free(const prices_tiers *t)
{
	g_return_val_if_fail(t != NULL, TRUE);
	for (int i = 0; i < t->n; i++)
		if (t->usd_per_gb[i] != 0)
			return FALSE;
	return TRUE;
}
