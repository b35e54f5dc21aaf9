// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl: BFD diagnostic codes (RFC 5880 section 4.1) and their names.
 */
#include <string.h>

#include "dslitectl.h"

static const char *const diag_names_tbl[] = {
	[DSLITE_DIAG_NONE]			= "none",
	[DSLITE_DIAG_CONTROL_EXPIRED]		= "control-expired",
	[DSLITE_DIAG_ECHO_FAILED]		= "echo-failed",
	[DSLITE_DIAG_NEIGHBOR_DOWN]		= "neighbor-down",
	[DSLITE_DIAG_FWD_RESET]			= "fwd-reset",
	[DSLITE_DIAG_PATH_DOWN]			= "path-down",
	[DSLITE_DIAG_CONCAT_PATH_DOWN]		= "concat-path-down",
	[DSLITE_DIAG_ADMIN_DOWN]		= "admin-down",
	[DSLITE_DIAG_REVERSE_CONCAT_PATH_DOWN]	= "reverse-concat-path-down",
};

_Static_assert(sizeof(diag_names_tbl) / sizeof(diag_names_tbl[0]) ==
	       DSLITE_DIAG_MAX + 1, "a name for every dslite_diag");

const char *diag_name(unsigned int code)
{
	if (code > DSLITE_DIAG_MAX)
		return NULL;
	return diag_names_tbl[code];
}

int diag_parse(const char *s, uint8_t *out)
{
	uint64_t v;
	unsigned int i;

	for (i = 0; i <= DSLITE_DIAG_MAX; i++) {
		if (kw_is(s, diag_names_tbl[i])) {
			*out = i;
			return 0;
		}
	}
	if (parse_uint(s, UINT8_MAX, &v))
		return -1;
	*out = v;
	return 0;
}

const char *diag_list(void)
{
	static char buf[256];
	size_t n = 0;
	unsigned int i;

	if (buf[0])
		return buf;
	for (i = 0; i <= DSLITE_DIAG_MAX && n < sizeof(buf); i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? ", " : "",
			      diag_names_tbl[i]);
	return buf;
}
