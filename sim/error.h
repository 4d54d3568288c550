/* \summary: the GError domain and codes shared by every vpcsim module */
#ifndef VPCSIM_ERROR_H
#define VPCSIM_ERROR_H

#include <glib.h>

#define VPCSIM_ERROR (vpcsim_error_quark())
GQuark vpcsim_error_quark(void);

typedef enum {
	VPCSIM_ERROR_PARSE,   /* text that does not parse: a unit, a distribution */
	VPCSIM_ERROR_INVALID, /* parses, but the value is out of range or inconsistent */
	VPCSIM_ERROR_IO,      /* a file could not be read or written */
	VPCSIM_ERROR_UNDEFINED, /* a reference to something that does not exist */
} vpcsim_error_code;

#endif
