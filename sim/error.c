/* \summary: the vpcsim GError domain */
#include "error.h"

G_DEFINE_QUARK(vpcsim-error-quark, vpcsim_error)
