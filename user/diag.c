// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl: BFD diagnostic codes (RFC 5880 section 4.1) and their names,
 * from the one table of them (bfd_diag_names(), dslite/bfd.h).
 */
#include <string.h>

#include <dslite/bfd.h>

#include "dslitectl.h"

_Static_assert(DSLITE_DIAG_MAX == BFD_DIAG_MAX,
	       "dslite_diag and bfd_diag are the same codes");

const char *diag_name(unsigned int code)
{
	return bfd_name_of(bfd_diag_names(code), 0, NULL);
}

int diag_parse(const char *s, uint8_t *out)
{
	uint64_t v;
	unsigned int i;

	for (i = 0; i <= DSLITE_DIAG_MAX; i++) {
		if (kw_is(s, diag_name(i))) {
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
			      diag_name(i));
	return buf;
}
