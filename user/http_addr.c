// SPDX-License-Identifier: GPL-2.0
/*
 * The listening address of the metrics endpoint, "[V6]:PORT" or
 * "V4:PORT" (http.h). Numeric only, checked strictly (inet_pton, not
 * inet_aton's "127.1"), so a typo is refused before anything starts.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>

#include "dslitectl.h"
#include "http.h"

bool http_available(void)
{
#ifdef DSLITE_HTTP
	return true;
#else
	return false;
#endif
}

static int bad(char *err, size_t errlen, const char *s, const char *why)
{
	snprintf(err, errlen, "\"%s\" is not ADDR:PORT: %s", s, why);
	return -1;
}

int http_listen_parse(const char *s, struct http_listen *l, char *err,
		      size_t errlen)
{
	char host[INET6_ADDRSTRLEN + IFNAMSIZ + 2];
	const char *colon, *port_s;
	uint64_t port;
	size_t hlen;

	memset(l, 0, sizeof(*l));
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end)
			return bad(err, errlen, s, "no \"]\" after the IPv6 address");
		if (end[1] != ':')
			return bad(err, errlen, s, "no \":PORT\" after \"]\"");
		hlen = end - s - 1;
		if (hlen >= sizeof(host))
			return bad(err, errlen, s, "address too long");
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		port_s = end + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return bad(err, errlen, s, "no \":PORT\"");
		if (memchr(s, ':', colon - s))
			return bad(err, errlen, s,
				   "an IPv6 address goes in brackets, [ADDR]:PORT");
		hlen = colon - s;
		if (hlen >= sizeof(host))
			return bad(err, errlen, s, "address too long");
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		port_s = colon + 1;
	}
	if (parse_uint(port_s, 65535, &port) || port == 0)
		return bad(err, errlen, s, "the port must be 1..65535");

	if (s[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&l->ss;
		char *zone = strchr(host, '%');

		if (zone)
			*zone++ = '\0';
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return bad(err, errlen, s, "not an IPv6 address");
		if (IN6_IS_ADDR_MULTICAST(&a->sin6_addr))
			return bad(err, errlen, s, "a multicast address");
		if (zone) {
			uint64_t idx;

			if (!IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr))
				return bad(err, errlen, s,
					   "a zone (%IFNAME) is for a link-local address");
			if (!parse_uint(zone, UINT32_MAX, &idx))
				a->sin6_scope_id = idx;
			else
				a->sin6_scope_id = if_nametoindex(zone);
			if (!a->sin6_scope_id)
				return bad(err, errlen, s, "no such zone");
		} else if (IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr)) {
			return bad(err, errlen, s,
				   "a link-local address needs its zone, [fe80::1%IFNAME]:PORT");
		}
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		l->len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&l->ss;

		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return bad(err, errlen, s, "not an IPv4 address (an IPv6 one goes in brackets)");
		if (IN_MULTICAST(ntohl(a->sin_addr.s_addr)) ||
		    a->sin_addr.s_addr == htonl(INADDR_BROADCAST))
			return bad(err, errlen, s, "not a unicast address");
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		l->len = sizeof(*a);
	}
	return 0;
}

const char *http_listen_str(const struct http_listen *l, char *buf)
{
	char a[INET6_ADDRSTRLEN], zone[IFNAMSIZ + 1] = "";

	if (l->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)&l->ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		if (s6->sin6_scope_id) {
			char name[IFNAMSIZ];

			if (if_indextoname(s6->sin6_scope_id, name))
				snprintf(zone, sizeof(zone), "%%%s", name);
			else
				snprintf(zone, sizeof(zone), "%%%u",
					 s6->sin6_scope_id);
		}
		snprintf(buf, HTTP_LISTEN_STR_MAX, "[%s%s]:%u", a, zone,
			 ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)&l->ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, HTTP_LISTEN_STR_MAX, "%s:%u", a,
			 ntohs(s4->sin_port));
	}
	return buf;
}
