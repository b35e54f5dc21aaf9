// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl tunnel: show the tracked ip6tnl tunnels, force their carrier
 * down (with a BFD diagnostic and a reason) or give it back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dslitectl.h"
#include "genl.h"
#include "json.h"

/* Dumps interrupted by concurrent changes are retried this often. */
#define SHOW_RETRIES	5

const char *forced_name(unsigned int v)
{
	switch (v) {
	case DSLITE_FORCED_NONE:
		return "none";
	case DSLITE_FORCED_CARRIER_DOWN:
		return "carrier-down";
	}
	return NULL;
}

static int tunnel_attr(const struct nlattr *a, void *data)
{
	struct tunnel_info *t = data;
	int type = mnl_attr_get_type(a);
	enum mnl_attr_data_type dt;
	size_t len = 0;

	switch (type) {
	case DSLITE_A_IFINDEX:
		dt = MNL_TYPE_U32;
		break;
	case DSLITE_A_IFNAME:
	case DSLITE_A_REASON:
		dt = MNL_TYPE_NUL_STRING;
		break;
	case DSLITE_A_LOCAL:
	case DSLITE_A_REMOTE:
		dt = MNL_TYPE_BINARY;
		len = sizeof(struct in6_addr);
		break;
	case DSLITE_A_CARRIER:
	case DSLITE_A_OPER_UP:
	case DSLITE_A_ADMIN_UP:
	case DSLITE_A_FORCED:
	case DSLITE_A_DIAG:
	case DSLITE_A_EVENT:
		dt = MNL_TYPE_U8;
		break;
	case DSLITE_A_TRANSITIONS:
	case DSLITE_A_SINCE_MS:
		dt = MNL_TYPE_U64;
		break;
	default:
		return MNL_CB_OK;	/* padding, or newer than this tool */
	}
	if (len ? mnl_attr_validate2(a, dt, len) : mnl_attr_validate(a, dt))
		return MNL_CB_ERROR;
	if (len && mnl_attr_get_payload_len(a) != len)
		return MNL_CB_ERROR;

	switch (type) {
	case DSLITE_A_IFINDEX:
		t->ifindex = mnl_attr_get_u32(a);
		break;
	case DSLITE_A_IFNAME:
		snprintf(t->ifname, sizeof(t->ifname), "%s",
			 mnl_attr_get_str(a));
		break;
	case DSLITE_A_REASON:
		snprintf(t->reason, sizeof(t->reason), "%s",
			 mnl_attr_get_str(a));
		break;
	case DSLITE_A_LOCAL:
		memcpy(&t->local, mnl_attr_get_payload(a), len);
		break;
	case DSLITE_A_REMOTE:
		memcpy(&t->remote, mnl_attr_get_payload(a), len);
		break;
	case DSLITE_A_CARRIER:
		t->carrier = mnl_attr_get_u8(a);
		break;
	case DSLITE_A_OPER_UP:
		t->oper_up = mnl_attr_get_u8(a);
		break;
	case DSLITE_A_ADMIN_UP:
		t->admin_up = mnl_attr_get_u8(a);
		break;
	case DSLITE_A_FORCED:
		t->forced = mnl_attr_get_u8(a);
		break;
	case DSLITE_A_DIAG:
		t->diag = mnl_attr_get_u8(a);
		break;
	case DSLITE_A_EVENT:
		t->event = mnl_attr_get_u8(a);
		break;
	case DSLITE_A_TRANSITIONS:
		t->transitions = mnl_attr_get_u64(a);
		break;
	case DSLITE_A_SINCE_MS:
		t->since_ms = mnl_attr_get_u64(a);
		break;
	}
	t->present |= 1u << type;
	return MNL_CB_OK;
}

int tunnel_parse(const struct nlmsghdr *nlh, struct tunnel_info *t)
{
	memset(t, 0, sizeof(*t));
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), tunnel_attr,
			   t) != MNL_CB_OK)
		return -EBADMSG;
	return 0;
}

/* A name, or the number itself for a value this tool has no name for. */
static const char *name_or_number(const char *name, unsigned int v,
				  char *buf, size_t size)
{
	if (name)
		return name;
	snprintf(buf, size, "%u", v);
	return buf;
}

#define TEXT(flag, fmt)	((text & (flag)) ? (fmt) : NULL)

void tunnel_print_fields(const struct tunnel_info *t, unsigned int text)
{
	char addr[INET6_ADDRSTRLEN], num[12];

	if (TUNNEL_HAS(t, DSLITE_A_IFINDEX))
		print_uint("ifindex", NULL, t->ifindex);
	if (TUNNEL_HAS(t, DSLITE_A_IFNAME))
		print_string("ifname", NULL, t->ifname);
	if (TUNNEL_HAS(t, DSLITE_A_REMOTE)) {
		inet_ntop(AF_INET6, &t->remote, addr, sizeof(addr));
		print_string("remote", TEXT(TF_REMOTE, " remote %s"), addr);
	}
	if (TUNNEL_HAS(t, DSLITE_A_LOCAL)) {
		inet_ntop(AF_INET6, &t->local, addr, sizeof(addr));
		print_string("local", TEXT(TF_LOCAL, " local %s"), addr);
	}
	if (TUNNEL_HAS(t, DSLITE_A_CARRIER))
		print_bool("carrier", TEXT(TF_CARRIER, " carrier %s"),
			   t->carrier, "up", "down");
	if (TUNNEL_HAS(t, DSLITE_A_FORCED))
		print_string("forced", TEXT(TF_FORCED, " forced %s"),
			     name_or_number(forced_name(t->forced), t->forced,
					    num, sizeof(num)));
	if (TUNNEL_HAS(t, DSLITE_A_DIAG)) {
		print_string("diagnostic", TEXT(TF_DIAG, " diag %s"),
			     name_or_number(diag_name(t->diag), t->diag,
					    num, sizeof(num)));
		print_uint("diag-code", NULL, t->diag);
	}
	/* JSON always has the reason, null when none is set */
	print_quoted("reason", TEXT(TF_REASON, " reason %s"),
		     t->reason[0] ? t->reason : NULL);
	if (TUNNEL_HAS(t, DSLITE_A_TRANSITIONS))
		print_uint("transitions",
			   TEXT(TF_TRANSITIONS, " transitions %" PRIu64),
			   t->transitions);
	if (TUNNEL_HAS(t, DSLITE_A_SINCE_MS)) {
		print_uint("since-ms", NULL, t->since_ms);
		if (text & TF_SINCE)
			print_text(" since %" PRIu64 ".%" PRIu64 "s",
				   t->since_ms / 1000,
				   t->since_ms % 1000 / 100);
	}
	if (TUNNEL_HAS(t, DSLITE_A_ADMIN_UP))
		print_bool("admin-up", TEXT(TF_ADMIN, " admin %s"),
			   t->admin_up, "up", "down");
	if (TUNNEL_HAS(t, DSLITE_A_OPER_UP))
		print_bool("oper-up", TEXT(TF_OPER, " oper %s"),
			   t->oper_up, "up", "down");
	if ((text & TF_TRANS_PAREN) && TUNNEL_HAS(t, DSLITE_A_TRANSITIONS))
		print_text(" (transitions %" PRIu64 ")", t->transitions);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: dslitectl [-j] tunnel [show [dev IFNAME]]\n"
		"       dslitectl tunnel set dev IFNAME carrier down [diag DIAG] [reason TEXT]\n"
		"       dslitectl tunnel set dev IFNAME carrier up\n"
		"       dslitectl tunnel help\n"
		"DIAG := { %s | 0..255 }\n"
		"        (default for carrier down: admin-down; the kernel accepts 1..8)\n"
		"TEXT := free text, at most %d bytes\n",
		diag_list(), DSLITE_REASON_MAX - 1);
}

struct show_state {
	struct tunnel_info *v;
	size_t n, cap;
};

static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct show_state *st = data;
	struct tunnel_info *t;

	if (g->cmd != DSLITE_CMD_TUNNEL_GET)
		return 0;
	if (st->n == st->cap) {
		size_t cap = st->cap ? 2 * st->cap : 16;
		struct tunnel_info *v = realloc(st->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		st->v = v;
		st->cap = cap;
	}
	t = &st->v[st->n];
	if (tunnel_parse(nlh, t))
		return -EBADMSG;
	st->n++;
	return 0;
}

static int by_ifindex(const void *a, const void *b)
{
	const struct tunnel_info *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

static int show(int argc, char **argv)
{
	const char *what = "tunnel show";
	struct show_state st = {};
	char ifname[DSLITECTL_IFNAMSIZ] = "";
	struct genl_sock s;
	struct nlmsghdr *nlh;
	int ret, tries = 0;
	size_t i;

	for (; argc > 0; argc--, argv++) {
		if (kw_is(argv[0], "dev")) {
			if (ifname[0])
				return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
						     "\"dev\" given twice");
			if (need_arg(what, argc, argv))
				return DSLITECTL_EXIT_USAGE;
			argc--, argv++;
			if (parse_ifname(what, argv[0], ifname))
				return DSLITECTL_EXIT_USAGE;
		} else {
			return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
					     "unexpected argument \"%s\" (try \"dslitectl tunnel help\")",
					     argv[0]);
		}
	}

	if (genl_open(&s, DSLITE_GENL_NAME)) {
		ret = genl_perror(&s, what);
		genl_close(&s);
		return ret;
	}
	do {
		st.n = 0;
		if (ifname[0]) {
			nlh = genl_request(&s, DSLITE_CMD_TUNNEL_GET, 0);
			mnl_attr_put_strz(nlh, DSLITE_A_IFNAME, ifname);
		} else {
			nlh = genl_request(&s, DSLITE_CMD_TUNNEL_GET,
					   NLM_F_DUMP);
		}
		if (genl_talk(&s, nlh, show_cb, &st)) {
			ret = genl_perror(&s, what);
			goto out;
		}
	} while (s.dump_intr && ++tries < SHOW_RETRIES);
	if (s.dump_intr)
		dslitectl_err(0, what,
			      "the tunnels kept changing during the dump, it may be inconsistent");

	qsort(st.v, st.n, sizeof(st.v[0]), by_ifindex);
	print_open_array(NULL);
	for (i = 0; i < st.n; i++) {
		const struct tunnel_info *t = &st.v[i];

		print_open_object(NULL);
		print_text_name("%s:", t->ifname);
		tunnel_print_fields(t, TF_SHOW);
		print_close_object();
		if (!print_is_json())
			print_end();
	}
	print_close_array();
	if (print_is_json())
		print_end();
	ret = DSLITECTL_EXIT_OK;
out:
	free(st.v);
	genl_close(&s);
	return ret;
}

static int set(int argc, char **argv)
{
	const char *what = "tunnel set";
	char ifname[DSLITECTL_IFNAMSIZ] = "";
	const char *reason = NULL;
	int carrier = -1, have_diag = 0;
	struct genl_sock s;
	struct nlmsghdr *nlh;
	uint8_t diag = 0;
	int ret;

	for (; argc > 0; argc--, argv++) {
		const char *kw = argv[0];

		if (!kw_is(kw, "dev") && !kw_is(kw, "carrier") &&
		    !kw_is(kw, "diag") && !kw_is(kw, "reason"))
			return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
					     "unexpected argument \"%s\" (try \"dslitectl tunnel help\")",
					     kw);
		if (need_arg(what, argc, argv))
			return DSLITECTL_EXIT_USAGE;
		argc--, argv++;
		if (kw_is(kw, "dev")) {
			if (ifname[0])
				goto twice;
			if (parse_ifname(what, argv[0], ifname))
				return DSLITECTL_EXIT_USAGE;
		} else if (kw_is(kw, "carrier")) {
			if (carrier >= 0)
				goto twice;
			if (kw_is(argv[0], "up"))
				carrier = 1;
			else if (kw_is(argv[0], "down"))
				carrier = 0;
			else
				return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
						     "carrier must be \"up\" or \"down\", not \"%s\"",
						     argv[0]);
		} else if (kw_is(kw, "diag")) {
			if (have_diag)
				goto twice;
			if (diag_parse(argv[0], &diag)) {
				return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
						     "unknown diag \"%s\" (one of: %s, or 0..255)",
						     argv[0], diag_list());
			}
			have_diag = 1;
		} else {
			if (reason)
				goto twice;
			reason = argv[0];
		}
		continue;
twice:
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "\"%s\" given twice", kw);
	}
	if (!ifname[0])
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "missing \"dev IFNAME\"");
	if (carrier < 0)
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "missing \"carrier up\" or \"carrier down\"");
	if (carrier == 0 && !have_diag) {
		diag = DSLITE_DIAG_ADMIN_DOWN;
		have_diag = 1;
	}

	if (genl_open(&s, DSLITE_GENL_NAME)) {
		ret = genl_perror(&s, what);
		genl_close(&s);
		return ret;
	}
	/*
	 * Values go to the kernel as given: its policy decides what a valid
	 * diag or reason is, and its extack message says why not.
	 */
	nlh = genl_request(&s, DSLITE_CMD_TUNNEL_SET, 0);
	mnl_attr_put_strz(nlh, DSLITE_A_IFNAME, ifname);
	mnl_attr_put_u8(nlh, DSLITE_A_CARRIER, carrier);
	if (have_diag)
		mnl_attr_put_u8(nlh, DSLITE_A_DIAG, diag);
	if (reason && !mnl_attr_put_strz_check(nlh, GENL_TX_SIZE,
					       DSLITE_A_REASON, reason)) {
		ret = dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				    "reason does not fit in a netlink message (%zu bytes)",
				    strlen(reason));
		goto out;
	}
	if (genl_talk(&s, nlh, NULL, NULL))
		ret = genl_perror(&s, what);
	else
		ret = DSLITECTL_EXIT_OK;
out:
	genl_close(&s);
	return ret;
}

static int run(int argc, char **argv)
{
	if (argc == 0 || kw_is(argv[0], "show"))
		return show(argc ? argc - 1 : 0, argv + (argc ? 1 : 0));
	if (kw_is(argv[0], "set"))
		return set(argc - 1, argv + 1);
	return dslitectl_err(DSLITECTL_EXIT_USAGE, "tunnel",
			     "unknown command \"%s\" (try \"dslitectl tunnel help\")",
			     argv[0]);
}

const struct dslitectl_object obj_tunnel = {
	.name		= "tunnel",
	.summary	= "show the tunnels, force their carrier down or up",
	.run		= run,
	.usage		= usage,
};
