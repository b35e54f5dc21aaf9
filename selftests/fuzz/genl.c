// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: what dslitectl reads from generic netlink. The input is
 * one receive buffer as mnl_socket_recvfrom() fills it, walked the way
 * genl_talk() walks it (user/genl.c, included here for its static
 * handlers): NLMSG_ERROR with its extack TLVs (handle_error), NLMSG_DONE
 * (handle_done), nlctrl replies and notifications (family_cb, watch_cb),
 * and dslite TUNNEL_GET replies / TUNNEL_EVENTs (tunnel_parse, then
 * printed as "tunnel show" and "monitor" print them, text and JSON).
 *
 * Invariants: the JSON printed for any message is valid JSON
 * (json_check.h); an error's attribute and message stay in range and
 * terminated; nothing is read outside the buffer.
 */
#include "../../user/genl.c"

#include "json.h"
#include "fuzz.h"
#include "json_check.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

/* The dslite family's id in the fuzzed messages (any id is fine). */
#define FAMILY_ID 0x20

static void print_tunnel(const struct nlmsghdr *h)
{
	struct tunnel_info t;
	char *out = NULL;
	const char *why;
	size_t olen;
	FILE *f;
	int json;

	if (tunnel_parse(h, &t))
		return;
	fuzz_assert(strnlen(t.ifname, sizeof(t.ifname)) < sizeof(t.ifname) &&
		    strnlen(t.reason, sizeof(t.reason)) < sizeof(t.reason),
		    "unterminated name or reason");
	for (json = 0; json < 2; json++) {
		f = open_memstream(&out, &olen);
		if (!f)
			abort();
		print_init_stream(f, json, false);
		print_open_object(NULL);
		tunnel_print_fields(&t, TF_SHOW);
		print_close_object();
		print_end();
		monitor_print_event(&t);
		fclose(f);
		if (json) {
			/* two documents, one a line */
			char *nl = memchr(out, '\n', olen);

			fuzz_assert(nl, "no newline in %s", out);
			why = jcheck_document(out, nl - out);
			fuzz_assert(!why, "tunnel show JSON: %s: %s", why, out);
			why = jcheck_document(nl + 1, olen - (nl + 1 - out));
			fuzz_assert(!why, "monitor JSON: %s: %s", why, nl + 1);
		} else {
			size_t i;

			for (i = 0; i < olen; i++)
				fuzz_assert(out[i] == '\n' ||
					    (out[i] >= 0x20 && out[i] < 0x7f),
					    "byte 0x%02x in the text output",
					    (unsigned char)out[i]);
		}
		free(out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char rx[GENL_RX_SIZE], tx[GENL_TX_SIZE];
	struct family_reply fr;
	struct watch_ctx wx = { .family = "dslite" };
	const struct nlmsghdr *h;
	struct genl_sock s;
	struct nlmsghdr *req;
	int len;

	if (size > sizeof(rx))
		return 0;
	memset(&s, 0, sizeof(s));
	s.tx = tx;
	s.rx = rx;
	s.family_id = FAMILY_ID;
	s.portid = 0;
	/* a request with attributes, for the extack offsets */
	req = genl_request(&s, DSLITE_CMD_TUNNEL_SET, 0);
	mnl_attr_put_strz(req, DSLITE_A_IFNAME, "dslite0");
	mnl_attr_put_u8(req, DSLITE_A_CARRIER, 0);
	mnl_attr_put_strz(req, DSLITE_A_REASON, "maintenance");
	clear_err(&s);

	/* the kernel's datagram, aligned as the receive buffer is */
	memcpy(rx, data, size);
	len = size;
	for (h = (const struct nlmsghdr *)rx; genl_nlmsg_ok(h, len);
	     h = mnl_nlmsg_next(h, &len)) {
		int r = 0;

		switch (h->nlmsg_type) {
		case NLMSG_NOOP:
		case NLMSG_OVERRUN:
			continue;
		case NLMSG_ERROR:
			r = handle_error(&s, h, req);
			break;
		case NLMSG_DONE:
			r = handle_done(&s, h, req);
			break;
		}
		if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_DONE) {
			fuzz_assert(r <= 0, "handler returned %d", r);
			fuzz_assert(s.err.bad_attr >= -1 &&
				    s.err.bad_attr <= DSLITE_A_MAX,
				    "bad_attr %d", s.err.bad_attr);
			fuzz_assert(strnlen(s.err.msg, sizeof(s.err.msg)) <
				    sizeof(s.err.msg), "unterminated message");
			genl_attr_name(s.err.bad_attr);
			genl_attr_name(s.err.miss_attr);
			clear_err(&s);
			continue;
		}
		if (h->nlmsg_len < NLMSG_HDRLEN + sizeof(struct genlmsghdr))
			continue;	/* genl_talk() and genl_recv() stop here */
		if (h->nlmsg_type == GENL_ID_CTRL) {
			memset(&fr, 0, sizeof(fr));
			fr.s = &s;
			family_cb(h, &fr);
			fuzz_assert(s.n_groups >= 0 && s.n_groups <= GENL_MAX_GROUPS,
				    "%d groups", s.n_groups);
			watch_cb(h, &wx);
			s.n_groups = 0;
			continue;
		}
		print_tunnel(h);
	}
	return 0;
}
