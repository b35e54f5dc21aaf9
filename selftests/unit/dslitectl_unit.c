// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of dslitectl's parts that need no dslite module: diag names
 * both ways, the JSON writer and its escaping, the text and JSON output of
 * tunnels and events built from crafted netlink messages, and the generic
 * netlink helpers against families the running kernel has (nlctrl,
 * ethtool): dumps, extack messages and offsets, a missing family; the
 * B4 daemon's health settings and per-AFTR options; the keyword tables
 * (kw.h) and the "b4 run" table.
 *
 * Prints TAP; run by selftests/host/dslitectl_cli.sh.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <linux/ethtool_netlink.h>

#include "dslitectl.h"
#include "b4.h"
#include "genl.h"
#include "json.h"
#include "kw.h"
#include "metrics.h"
#include "tap.h"
#include "err_capture.h"

/* capture: what the print layer wrote since capture_start(). */
static char *cap_buf;
static size_t cap_len;
static FILE *cap;

static void capture_start(bool json, bool pretty)
{
	free(cap_buf);
	cap_buf = NULL;
	cap = open_memstream(&cap_buf, &cap_len);
	print_init_stream(cap, json, pretty);
}

static const char *capture_end(void)
{
	fclose(cap);
	return cap_buf;
}

static void test_diag(void)
{
	static const char *const names[] = {
		"none", "control-expired", "echo-failed", "neighbor-down",
		"fwd-reset", "path-down", "concat-path-down", "admin-down",
		"reverse-concat-path-down",
	};
	static const char *const bad[] = {
		"", "9x", "-1", "256", "1000", " 1", "1 ", "+1", "0x1",
		"admin", "Admin-Down", "admin-down ", "control", "none2",
	};
	bool names_ok = true, parse_ok = true, num_ok = true, bad_ok = true;
	unsigned int i;
	uint8_t v;
	char buf[8];

	for (i = 0; i < 9; i++) {
		const char *n = diag_name(i);

		if (!n || strcmp(n, names[i]))
			names_ok = false;
		if (diag_parse(names[i], &v) || v != i)
			parse_ok = false;
	}
	tap_check(names_ok, "diag codes 0..8 have the RFC 5880 names");
	tap_check(parse_ok, "diag names parse to codes 0..8");
	tap_check(!diag_name(9) && !diag_name(31) && !diag_name(255),
	      "diag codes 9, 31, 255 have no name");
	for (i = 0; i <= 255; i++) {
		snprintf(buf, sizeof(buf), "%u", i);
		if (diag_parse(buf, &v) || v != i)
			num_ok = false;
	}
	tap_check(num_ok, "diag numbers 0..255 parse as they are");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!diag_parse(bad[i], &v))
			bad_ok = false;
	tap_check(bad_ok, "no abbreviations, signs, spaces, hex or values above 255");
	tap_str("diag list", "none, control-expired, echo-failed, neighbor-down, fwd-reset, path-down, concat-path-down, admin-down, reverse-concat-path-down",
		  diag_list());
}

static const char *escaped(const char *s, size_t len)
{
	static char *buf;
	size_t n;
	FILE *f;

	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &n);
	json_escape(f, s, len);
	fclose(f);
	return buf;
}

static const char *tescaped(const char *s, size_t size, bool quote)
{
	static char buf[256];

	text_escape(buf, size, s, quote);
	return buf;
}

static void test_text_escape(void)
{
	tap_str("text: quotes, backslash, newline, tab, CR",
		  "\"a\\\"b\\\\c\\nd\\te\\rf\"",
		  tescaped("a\"b\\c\nd\te\rf", 256, true));
	tap_str("text: control bytes, DEL and non-ASCII bytes as \\xNN",
		  "\\x01\\x1b[2J\\x7f caf\\xc3\\xa9 \\xff",
		  tescaped("\x01\x1b[2J\x7f caf\xc3\xa9 \xff", 256, false));
	tap_str("text: cut between escapes, closing quote kept",
		  "\"ab\\xc3\"",
		  tescaped("ab\xc3\xa9\xc3\xa9", 12, true));
	tap_str("text: 4 bytes per byte and 3 more are enough",
		  "\"\\x01\\xff\"",
		  tescaped("\x01\xff", 4 * 2 + 3, true));
	tap_str("text: empty", "\"\"", tescaped("", 256, true));
}

static const char *mescaped(const char *s, size_t size)
{
	static char buf[256];

	metrics_escape(buf, size, s);
	return buf;
}

/* the Prometheus text format: label values, samples, the merge */
static void test_metrics(void)
{
	char *buf = NULL, *t[3];
	size_t n;
	FILE *f;

	tap_str("metrics: label value: backslash, quote, newline escaped",
		"a\\\\b\\\"c\\nd\te", mescaped("a\\b\"c\nd\te", 256));
	tap_str("metrics: label value: other bytes as they are",
		"caf\xc3\xa9 {x=1} \x01", mescaped("caf\xc3\xa9 {x=1} \x01", 256));
	tap_str("metrics: label value: cut before an escape, never inside",
		"ab", mescaped("ab\"c", 4));
	tap_str("metrics: label value: empty", "", mescaped("", 256));

	f = open_memstream(&buf, &n);
	metrics_head(f, "dslite_x_total", "counter", "Things.");
	metrics_u64(f, "dslite_x_total", 7, "dev", "e\"0\n", "k", "v", NULL);
	metrics_u64(f, "dslite_x_total", UINT64_MAX, NULL);
	metrics_sec(f, "dslite_t_seconds", 1.5, "dev", "d", NULL);
	fclose(f);
	tap_str("metrics: HELP, TYPE, samples with escaped labels",
		"# HELP dslite_x_total Things.\n# TYPE dslite_x_total counter\n"
		"dslite_x_total{dev=\"e\\\"0\\n\",k=\"v\"} 7\n"
		"dslite_x_total 18446744073709551615\n"
		"dslite_t_seconds{dev=\"d\"} 1.500\n", buf);
	free(buf);

	t[0] = "# HELP a A.\n# TYPE a gauge\na{d=\"1\"} 1\n"
	       "# HELP b B.\n# TYPE b counter\nb{d=\"1\"} 2\n";
	t[1] = "# HELP b B.\n# TYPE b counter\nb{d=\"2\"} 3\n"
	       "# HELP c C.\n# TYPE c gauge\nc 4";
	t[2] = "# HELP a A.\n# TYPE a gauge\na{d=\"2\"} 5\n";
	buf = NULL;
	f = open_memstream(&buf, &n);
	tap_check(metrics_merge(f, t, 3) == 0, "metrics: merge: ok");
	fclose(f);
	tap_str("metrics: merge: every family once, samples together, last line ended",
		"# HELP a A.\n# TYPE a gauge\na{d=\"1\"} 1\na{d=\"2\"} 5\n"
		"# HELP b B.\n# TYPE b counter\nb{d=\"1\"} 2\nb{d=\"2\"} 3\n"
		"# HELP c C.\n# TYPE c gauge\nc 4\n", buf);
	free(buf);
}

static void test_json(void)
{
	struct json_writer w;
	char *buf = NULL;
	size_t n;
	FILE *f;

	tap_str("escape quote, backslash, newline, tab, control",
		  "\"a\\\"b\\\\c\\nd\\te\\u0001f\\u007f\"",
		  escaped("a\"b\\c\nd\te\x01" "f\x7f", 12));
	tap_str("valid UTF-8 passes", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
		  escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14));
	tap_str("invalid UTF-8 becomes U+FFFD", "\"a\\ufffdb\\ufffd\\ufffd\"",
		  escaped("a\xff" "b\xc0\xaf", 5));
	tap_str("surrogates and truncated sequences become U+FFFD",
		  "\"\\ufffd\\ufffd\\ufffdx\\ufffd\\ufffd\"",
		  escaped("\xed\xa0\x80x\xe2\x82", 6));
	tap_str("NUL inside a buffer", "\"a\\u0000b\"", escaped("a\0b", 3));

	f = open_memstream(&buf, &n);
	json_init(&w, f, false);
	json_begin_object(&w, NULL);
	json_begin_array(&w, "a");
	json_uint(&w, NULL, 1);
	json_int(&w, NULL, -2);
	json_end_array(&w);
	json_begin_object(&w, "b");
	json_end_object(&w);
	json_begin_array(&w, "c");
	json_end_array(&w);
	json_bool(&w, "d", true);
	json_null(&w, "e");
	json_string(&w, "f\"", "x");
	json_uint(&w, "g", UINT64_MAX);
	json_end_object(&w);
	json_finish(&w);
	json_begin_array(&w, NULL);
	json_end_array(&w);
	json_finish(&w);
	fclose(f);
	tap_str("compact nesting, two documents",
		  "{\"a\":[1,-2],\"b\":{},\"c\":[],\"d\":true,\"e\":null,\"f\\\"\":\"x\",\"g\":18446744073709551615}\n[]\n",
		  buf);
	free(buf);

	buf = NULL;
	f = open_memstream(&buf, &n);
	json_init(&w, f, true);
	json_begin_array(&w, NULL);
	json_begin_object(&w, NULL);
	json_string(&w, "k", "v");
	json_begin_array(&w, "e");
	json_end_array(&w);
	json_end_object(&w);
	json_end_array(&w);
	json_finish(&w);
	fclose(f);
	tap_str("pretty nesting",
		  "[\n    {\n        \"k\": \"v\",\n        \"e\": []\n    }\n]\n",
		  buf);
	free(buf);
}

/* A TUNNEL_GET reply / TUNNEL_EVENT as the kernel builds it. */
struct msg_spec {
	uint8_t cmd;
	const char *ifname;
	uint32_t ifindex;
	const char *local, *remote;
	uint8_t carrier, oper_up, admin_up, forced, diag, event;
	const char *reason;	/* NULL: attribute absent */
	uint64_t transitions, since_ms;
};

static char msgbuf[4096];

static struct nlmsghdr *build(const struct msg_spec *m)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(msgbuf);
	struct genlmsghdr *g;
	struct in6_addr a;

	nlh->nlmsg_type = 0x20;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = m->cmd;
	g->version = DSLITE_GENL_VERSION;
	mnl_attr_put_u32(nlh, DSLITE_A_IFINDEX, m->ifindex);
	mnl_attr_put_strz(nlh, DSLITE_A_IFNAME, m->ifname);
	inet_pton(AF_INET6, m->local, &a);
	mnl_attr_put(nlh, DSLITE_A_LOCAL, sizeof(a), &a);
	inet_pton(AF_INET6, m->remote, &a);
	mnl_attr_put(nlh, DSLITE_A_REMOTE, sizeof(a), &a);
	mnl_attr_put_u8(nlh, DSLITE_A_CARRIER, m->carrier);
	mnl_attr_put_u8(nlh, DSLITE_A_OPER_UP, m->oper_up);
	mnl_attr_put_u8(nlh, DSLITE_A_ADMIN_UP, m->admin_up);
	mnl_attr_put_u8(nlh, DSLITE_A_FORCED, m->forced);
	mnl_attr_put_u8(nlh, DSLITE_A_DIAG, m->diag);
	if (m->reason)
		mnl_attr_put_strz(nlh, DSLITE_A_REASON, m->reason);
	/* 64-bit values behind a pad attribute, as nla_put_u64_64bit does */
	mnl_attr_put(nlh, DSLITE_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, DSLITE_A_TRANSITIONS, m->transitions);
	mnl_attr_put_u64(nlh, DSLITE_A_SINCE_MS, m->since_ms);
	if (m->cmd == DSLITE_CMD_TUNNEL_EVENT)
		mnl_attr_put_u8(nlh, DSLITE_A_EVENT, m->event);
	return nlh;
}

static const struct msg_spec up0 = {
	.cmd = DSLITE_CMD_TUNNEL_GET, .ifname = "dslite0", .ifindex = 7,
	.local = "2001:db8::2", .remote = "2001:db8::1", .carrier = 1,
	.oper_up = 1, .admin_up = 1, .transitions = 0, .since_ms = 12345,
};

static const char *show_text(const struct msg_spec *m)
{
	struct tunnel_info t;

	if (tunnel_parse(build(m), &t))
		return "(parse error)";
	capture_start(false, false);
	print_text_name("%s:", t.ifname);
	tunnel_print_fields(&t, TF_SHOW);
	print_end();
	return capture_end();
}

static const char *show_json(const struct msg_spec *m)
{
	struct tunnel_info t;

	if (tunnel_parse(build(m), &t))
		return "(parse error)";
	capture_start(true, false);
	print_open_array(NULL);
	print_open_object(NULL);
	tunnel_print_fields(&t, TF_SHOW);
	print_close_object();
	print_close_array();
	print_end();
	return capture_end();
}

static const char *event_out(const struct msg_spec *m, bool json)
{
	struct tunnel_info t;

	if (tunnel_parse(build(m), &t))
		return "(parse error)";
	capture_start(json, false);
	monitor_print_event(&t);
	return capture_end();
}

static void test_tunnel(void)
{
	struct msg_spec m = up0;
	struct tunnel_info t;
	struct nlmsghdr *nlh;

	tap_str("show text, carrier up",
		  "dslite0: remote 2001:db8::1 local 2001:db8::2 carrier up forced none diag none transitions 0 since 12.3s admin up oper up\n",
		  show_text(&m));
	tap_str("show JSON, carrier up",
		  "[{\"ifindex\":7,\"ifname\":\"dslite0\",\"remote\":\"2001:db8::1\",\"local\":\"2001:db8::2\",\"carrier\":true,\"forced\":\"none\",\"diagnostic\":\"none\",\"diag-code\":0,\"reason\":null,\"transitions\":0,\"since-ms\":12345,\"admin-up\":true,\"oper-up\":true}]\n",
		  show_json(&m));

	m.carrier = 0;
	m.oper_up = 0;
	m.forced = DSLITE_FORCED_CARRIER_DOWN;
	m.diag = DSLITE_DIAG_CONTROL_EXPIRED;
	m.reason = "bfd \"timeout\"\\\n\x01";
	m.transitions = 3;
	m.since_ms = 999;
	tap_str("show text, forced down with a reason to quote",
		  "dslite0: remote 2001:db8::1 local 2001:db8::2 carrier down forced carrier-down diag control-expired reason \"bfd \\\"timeout\\\"\\\\\\n\\x01\" transitions 3 since 0.9s admin up oper down\n",
		  show_text(&m));
	tap_str("show JSON, forced down with a reason to escape",
		  "[{\"ifindex\":7,\"ifname\":\"dslite0\",\"remote\":\"2001:db8::1\",\"local\":\"2001:db8::2\",\"carrier\":false,\"forced\":\"carrier-down\",\"diagnostic\":\"control-expired\",\"diag-code\":1,\"reason\":\"bfd \\\"timeout\\\"\\\\\\n\\u0001\",\"transitions\":3,\"since-ms\":999,\"admin-up\":true,\"oper-up\":false}]\n",
		  show_json(&m));

	m = up0;
	m.diag = 9;
	m.forced = 5;
	m.transitions = UINT64_MAX;
	m.since_ms = 3723456;
	tap_str("show text, codes without a name print as numbers",
		  "dslite0: remote 2001:db8::1 local 2001:db8::2 carrier up forced 5 diag 9 transitions 18446744073709551615 since 3723.4s admin up oper up\n",
		  show_text(&m));
	tap_str("show JSON, codes without a name print as numbers",
		  "[{\"ifindex\":7,\"ifname\":\"dslite0\",\"remote\":\"2001:db8::1\",\"local\":\"2001:db8::2\",\"carrier\":true,\"forced\":\"5\",\"diagnostic\":\"9\",\"diag-code\":9,\"reason\":null,\"transitions\":18446744073709551615,\"since-ms\":3723456,\"admin-up\":true,\"oper-up\":true}]\n",
		  show_json(&m));

	/* unknown attributes are skipped, known ones of a wrong size are not */
	nlh = build(&up0);
	mnl_attr_put_u32(nlh, DSLITE_A_MAX + 5, 42);
	tap_check(tunnel_parse(nlh, &t) == 0 && t.ifindex == 7 &&
	      !strcmp(t.ifname, "dslite0"),
	      "parse skips attributes newer than the tool");
	nlh = build(&up0);
	mnl_attr_put(nlh, DSLITE_A_LOCAL, 15, msgbuf);
	tap_check(tunnel_parse(nlh, &t) == -EBADMSG,
	      "parse rejects a 15-byte address");
	nlh = build(&up0);
	mnl_attr_put_u32(nlh, DSLITE_A_TRANSITIONS, 1);
	tap_check(tunnel_parse(nlh, &t) == -EBADMSG,
	      "parse rejects a 4-byte u64");
	nlh = build(&up0);
	mnl_attr_put(nlh, DSLITE_A_IFNAME, 3, "abc");
	tap_check(tunnel_parse(nlh, &t) == -EBADMSG,
	      "parse rejects a string without NUL");
}

static void test_events(void)
{
	struct msg_spec m = up0;

	m.cmd = DSLITE_CMD_TUNNEL_EVENT;
	m.event = DSLITE_EVENT_NEW;
	tap_str("event new, text",
		  "dslite0: new remote 2001:db8::1 local 2001:db8::2 carrier up forced none diag none (transitions 0)\n",
		  event_out(&m, false));
	tap_str("event new, JSON",
		  "{\"event\":\"new\",\"ifindex\":7,\"ifname\":\"dslite0\",\"remote\":\"2001:db8::1\",\"local\":\"2001:db8::2\",\"carrier\":true,\"forced\":\"none\",\"diagnostic\":\"none\",\"diag-code\":0,\"reason\":null,\"transitions\":0,\"since-ms\":12345,\"admin-up\":true,\"oper-up\":true}\n",
		  event_out(&m, true));

	m.event = DSLITE_EVENT_CARRIER;
	m.carrier = 0;
	m.forced = DSLITE_FORCED_CARRIER_DOWN;
	m.diag = DSLITE_DIAG_CONTROL_EXPIRED;
	m.reason = "bfd timeout";
	m.transitions = 3;
	tap_str("event carrier, text",
		  "dslite0: carrier down diag control-expired reason \"bfd timeout\" (transitions 3)\n",
		  event_out(&m, false));
	tap_str("event carrier, JSON",
		  "{\"event\":\"carrier\",\"ifindex\":7,\"ifname\":\"dslite0\",\"remote\":\"2001:db8::1\",\"local\":\"2001:db8::2\",\"carrier\":false,\"forced\":\"carrier-down\",\"diagnostic\":\"control-expired\",\"diag-code\":1,\"reason\":\"bfd timeout\",\"transitions\":3,\"since-ms\":12345,\"admin-up\":true,\"oper-up\":true}\n",
		  event_out(&m, true));

	m.event = DSLITE_EVENT_STATE;
	m.diag = DSLITE_DIAG_PATH_DOWN;
	m.reason = NULL;
	tap_str("event state, text",
		  "dslite0: state carrier down forced carrier-down diag path-down (transitions 3)\n",
		  event_out(&m, false));

	m.event = DSLITE_EVENT_LINK;
	m.admin_up = 0;
	tap_str("event link, text",
		  "dslite0: link down carrier down (transitions 3)\n",
		  event_out(&m, false));

	m.event = DSLITE_EVENT_PARAMS;
	m.remote = "2001:db8::7";
	tap_str("event params, text",
		  "dslite0: params remote 2001:db8::7 local 2001:db8::2\n",
		  event_out(&m, false));

	m.event = DSLITE_EVENT_DEL;
	tap_str("event del, text", "dslite0: del\n", event_out(&m, false));
	tap_str("event del, JSON has every key",
		  "{\"event\":\"del\",\"ifindex\":7,\"ifname\":\"dslite0\",\"remote\":\"2001:db8::7\",\"local\":\"2001:db8::2\",\"carrier\":false,\"forced\":\"carrier-down\",\"diagnostic\":\"path-down\",\"diag-code\":5,\"reason\":null,\"transitions\":3,\"since-ms\":12345,\"admin-up\":false,\"oper-up\":true}\n",
		  event_out(&m, true));

	/* a name and a reason with quotes, a newline, control and
	 * non-ASCII bytes: one line, nothing raw reaches the terminal */
	m = up0;
	m.cmd = DSLITE_CMD_TUNNEL_EVENT;
	m.event = DSLITE_EVENT_CARRIER;
	m.ifname = "d\"s\x1b\xc3\xa9";
	m.reason = "say \"hi\"\nfake: line \xc3\xa9\xff\x1b[2J";
	tap_str("event carrier, text: name and reason escaped",
		  "d\\\"s\\x1b\\xc3\\xa9: carrier up diag none reason \"say \\\"hi\\\"\\nfake: line \\xc3\\xa9\\xff\\x1b[2J\" (transitions 0)\n",
		  event_out(&m, false));
	tap_check(strstr(event_out(&m, true),
		     "\"ifname\":\"d\\\"s\\u001b\xc3\xa9\"") != NULL,
	      "event carrier, JSON: the name in JSON's own escaping");
	m.cmd = DSLITE_CMD_TUNNEL_GET;
	tap_str("show text: name and reason escaped as monitor does",
		  "d\\\"s\\x1b\\xc3\\xa9: remote 2001:db8::1 local 2001:db8::2 carrier up forced none diag none reason \"say \\\"hi\\\"\\nfake: line \\xc3\\xa9\\xff\\x1b[2J\" transitions 0 since 12.3s admin up oper up\n",
		  show_text(&m));
	m = up0;
	m.cmd = DSLITE_CMD_TUNNEL_EVENT;
	m.remote = "2001:db8::7";
	m.carrier = 0;
	m.forced = DSLITE_FORCED_CARRIER_DOWN;
	m.diag = DSLITE_DIAG_PATH_DOWN;
	m.admin_up = 0;
	m.transitions = 3;

	m.event = 42;
	tap_str("event unknown to the tool, text shows everything",
		  "dslite0: event 42 remote 2001:db8::7 local 2001:db8::2 carrier down forced carrier-down diag path-down transitions 3 since 12.3s admin down oper up\n",
		  event_out(&m, false));
}

/* The generic netlink helpers against the running kernel. */

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(int *)data)++;
	return 0;
}

static void test_genl(void)
{
	struct genl_sock s;
	struct nlmsghdr *nlh;
	struct nlattr *hdr;
	int n = 0, ret;

	ret = genl_open(&s, "dslite-nonesuch");
	if (ret == -EPROTONOSUPPORT) {
		/* qemu-user (the cross checks) translates rtnetlink, not genl */
		tap_skip_named("a missing family is reported as such",
			       "no generic netlink");
		tap_skip_named("dump of nlctrl families", "no generic netlink");
		genl_close(&s);
		return;
	}
	tap_check(ret == -ENOENT && s.err.no_family,
	      "a missing family is reported as such");
	if (ret != -ENOENT || !s.err.no_family)
		printf("# ret %d, no_family %d\n", ret, s.err.no_family);
	genl_close(&s);

	if (genl_open(&s, "nlctrl")) {
		tap_skip_named("dump of nlctrl families", "no generic netlink");
		genl_close(&s);
		return;
	}
	tap_check(s.family_id == GENL_ID_CTRL, "nlctrl resolves to GENL_ID_CTRL");
	nlh = genl_request(&s, CTRL_CMD_GETFAMILY, NLM_F_DUMP);
	ret = genl_talk(&s, nlh, count_cb, &n);
	tap_check(ret == 0 && n >= 2, "dump of every family ends with NLMSG_DONE");
	if (ret || n < 2)
		printf("# ret %d, %d families\n", ret, n);
	genl_close(&s);

	if (genl_open(&s, ETHTOOL_GENL_NAME)) {
		tap_skip_named("extack message and offset", "no ethtool generic netlink family");
		genl_close(&s);
		return;
	}
	/*
	 * LINKINFO_GET for a device that does not exist: ENODEV, with a
	 * message and the offset of the device name, which lies inside the
	 * request's first attribute (the header nest).
	 */
	nlh = genl_request(&s, ETHTOOL_MSG_LINKINFO_GET, 0);
	hdr = mnl_attr_nest_start(nlh, ETHTOOL_A_LINKINFO_HEADER);
	mnl_attr_put_strz(nlh, ETHTOOL_A_HEADER_DEV_NAME, "nosuchdev0");
	mnl_attr_nest_end(nlh, hdr);
	ret = genl_talk(&s, nlh, NULL, NULL);
	tap_check(ret == -ENODEV && s.err.err == ENODEV,
	      "ethtool request for a missing device: ENODEV");
	tap_check(s.err.msg[0] != '\0', "the kernel's extack message is kept");
	tap_check(s.err.bad_attr == ETHTOOL_A_LINKINFO_HEADER,
	      "the extack offset names the request's attribute");
	printf("# extack: \"%s\", attribute %d\n", s.err.msg, s.err.bad_attr);
	genl_close(&s);
}

/*
 * json-samples DIR: write JSON documents the tool prints, nasty strings
 * included, as DIR/NAME.json for a test to check with independent parsers.
 */
static int write_sample(const char *dir, const char *name, const char *doc)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(doc, f) < 0 || fclose(f)) {
		perror(path);
		return 1;
	}
	return 0;
}

static int json_samples(const char *dir)
{
	static const int events[] = {
		DSLITE_EVENT_NEW, DSLITE_EVENT_DEL, DSLITE_EVENT_CARRIER,
		DSLITE_EVENT_LINK, DSLITE_EVENT_STATE, DSLITE_EVENT_PARAMS,
	};
	struct msg_spec m = up0;
	struct tunnel_info t;
	char name[32];
	unsigned int i;
	int err = 0;

	err |= write_sample(dir, "show-up", show_json(&m));
	m.carrier = 0;
	m.forced = DSLITE_FORCED_CARRIER_DOWN;
	m.diag = DSLITE_DIAG_REVERSE_CONCAT_PATH_DOWN;
	m.reason = "say \"hi\"\\ \x01\x1f\t\n\x7f end";
	err |= write_sample(dir, "show-controls", show_json(&m));
	m.reason = "bad \xff\xfe utf8 \xc3\xa9";
	err |= write_sample(dir, "show-invalid-utf8", show_json(&m));

	tunnel_parse(build(&m), &t);
	capture_start(true, true);
	print_open_array(NULL);
	for (i = 0; i < 2; i++) {
		print_open_object(NULL);
		tunnel_print_fields(&t, TF_SHOW);
		print_close_object();
	}
	print_close_array();
	print_end();
	err |= write_sample(dir, "show-pretty", capture_end());

	capture_start(true, false);
	print_open_array(NULL);
	print_close_array();
	print_end();
	err |= write_sample(dir, "show-empty", capture_end());

	m = up0;
	m.cmd = DSLITE_CMD_TUNNEL_EVENT;
	m.reason = "line\nbreak";
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		m.event = events[i];
		snprintf(name, sizeof(name), "event-%d", events[i]);
		err |= write_sample(dir, name, event_out(&m, true));
	}
	free(cap_buf);
	return err;
}


/* "health" settings: the forms b4_health_parse() takes, canonical text */
static void test_health(void)
{
	static const struct {
		const char *in, *out;
		uint8_t methods;
		bool any;
	} ok[] = {
		{ "bfd", "bfd", B4_M_BFD, false },
		{ "pcp", "pcp", B4_M_PCP, false },
		{ "ping", "ping", B4_M_PING, false },
		{ "all", "all", B4_M_BFD | B4_M_PING, false },
		{ "any", "any", B4_M_BFD | B4_M_PING, true },
		{ "all:bfd+ping", "all", B4_M_BFD | B4_M_PING, false },
		{ "any:ping+bfd", "any", B4_M_BFD | B4_M_PING, true },
		{ "all:pcp+bfd", "all:bfd+pcp", B4_M_BFD | B4_M_PCP, false },
		{ "any:pcp+ping", "any:pcp+ping", B4_M_PCP | B4_M_PING, true },
		{ "any:ping+pcp+bfd", "any:bfd+pcp+ping",
		  B4_M_BFD | B4_M_PCP | B4_M_PING, true },
		{ "all:bfd+pcp+ping", "all:bfd+pcp+ping",
		  B4_M_BFD | B4_M_PCP | B4_M_PING, false },
		/* echo rides on the BFD session: "echo" is all:bfd+echo */
		{ "echo", "all:bfd+echo", B4_M_BFD | B4_M_ECHO, false },
		{ "all:echo+bfd", "all:bfd+echo", B4_M_BFD | B4_M_ECHO, false },
		{ "any:bfd+echo", "any:bfd+echo", B4_M_BFD | B4_M_ECHO, true },
		{ "any:echo+ping+pcp+bfd", "any:bfd+pcp+ping+echo",
		  B4_M_ALL & ~B4_M_MTU, true },
	};
	static const char *const bad[] = {
		"", "ALL", "bgp", "all:", "any:", "any:pcp", "all:bfd+bfd",
		"all:bfd+", "all:+bfd", "bfd+pcp", "any:bfd,pcp", "all:bfd+pcp+",
		"all:bfd+pcp+ping+bfd", "all bfd", "any:bfd+pcps",
		"all:ping+echo", "any:pcp+echo", "all:echo+echo",
	};
	char buf[B4_HEALTH_STR_MAX], name[96];
	struct b4_health h;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(name, sizeof(name), "health \"%s\" parsed", ok[i].in);
		tap_check(b4_health_parse(ok[i].in, &h) == 0 &&
		      h.methods == ok[i].methods && h.any == ok[i].any, name);
		snprintf(name, sizeof(name), "health \"%s\" written \"%s\"",
			 ok[i].in, ok[i].out);
		tap_str(name, ok[i].out, b4_health_str(&h, buf));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "health \"%s\" refused", bad[i]);
		tap_check(b4_health_parse(bad[i], &h) == -1, name);
	}
}

/* per-AFTR options: which health and PCP server each AFTR gets */
static void test_b4_config(void)
{
	char *argv1[] = {
		"dev", "ds0", "health", "pcp",
		"aftr", "2001:db8::1,health=any:bfd+ping",
		"aftr", "2001:db8::2",
	};
	char *argv2[] = {
		"dev", "ds0", "pcp-mode", "plain", "pcp-server", "2001:db8::53",
		"aftr", "2001:db8::1,pcp-server=2001:db8::1:53,health=all:bfd+pcp",
		"aftr", "2001:db8::2", "health", "pcp", "pcp-lifetime", "30",
	};
	struct in6_addr a1, a2, a3, srv;
	struct b4_config c;
	struct b4_health h;
	char buf[B4_HEALTH_STR_MAX], s[INET6_ADDRSTRLEN];

	inet_pton(AF_INET6, "2001:db8::1", &a1);
	inet_pton(AF_INET6, "2001:db8::2", &a2);
	inet_pton(AF_INET6, "2001:db8::3", &a3);

	b4_config_init(&c);
	tap_check(b4_config_parse(&c, sizeof(argv1) / sizeof(argv1[0]), argv1) == 0,
	      "b4 config: per-AFTR health parsed");
	b4_config_cand(&c, &a1, &h, &srv);
	tap_str("b4 config: aftr 1 has its own health", "any",
		  b4_health_str(&h, buf));
	tap_str("b4 config: encap: the PCP server is the AFTR itself",
		  "2001:db8::1", inet_ntop(AF_INET6, &srv, s, sizeof(s)));
	b4_config_cand(&c, &a2, &h, &srv);
	tap_str("b4 config: aftr 2 has the global health", "pcp",
		  b4_health_str(&h, buf));
	b4_config_cand(&c, &a3, &h, &srv);
	tap_str("b4 config: an AFTR not listed (aftr-name) has the global health",
		  "pcp", b4_health_str(&h, buf));
	tap_check(b4_config_uses(&c, B4_M_BFD) && b4_config_uses(&c, B4_M_PCP) &&
	      b4_config_uses(&c, B4_M_PING), "b4 config: every method used by someone");

	b4_config_init(&c);
	tap_check(b4_config_parse(&c, sizeof(argv2) / sizeof(argv2[0]), argv2) == 0,
	      "b4 config: plain mode, per-AFTR server");
	b4_config_cand(&c, &a1, &h, &srv);
	tap_str("b4 config: aftr 1's own PCP server", "2001:db8::1:53",
		  inet_ntop(AF_INET6, &srv, s, sizeof(s)));
	tap_str("b4 config: aftr 1's own health", "all:bfd+pcp",
		  b4_health_str(&h, buf));
	b4_config_cand(&c, &a2, &h, &srv);
	tap_str("b4 config: aftr 2 gets pcp-server", "2001:db8::53",
		  inet_ntop(AF_INET6, &srv, s, sizeof(s)));
	tap_check(c.pcp_lifetime_s == 30 && c.pcp_mode == PCP_MODE_PLAIN &&
	      !b4_config_uses(&c, B4_M_PING), "b4 config: pcp-lifetime, mode; ping unused");
}

/* tunnel-wait: seconds or forever (the default) */
static void test_b4_tunnel_wait(void)
{
	static const char *const bad[] = { "-1", "abc", "604801", "", "1s" };
	char *ok1[] = { "dev", "ds0", "tunnel-wait", "30" };
	char *ok2[] = { "dev", "ds0", "tunnel-wait", "forever" };
	char *ok3[] = { "dev", "ds0", "tunnel-wait", "0" };
	char *argv[] = { "dev", "ds0", "tunnel-wait", NULL };
	char name[64];
	struct b4_config c;
	size_t i;

	b4_config_init(&c);
	tap_check(c.tunnel_wait_s == B4_WAIT_FOREVER, "tunnel-wait: forever by default");
	tap_check(b4_config_parse(&c, 4, ok1) == 0 && c.tunnel_wait_s == 30,
	      "tunnel-wait 30");
	b4_config_init(&c);
	c.tunnel_wait_s = 5;
	tap_check(b4_config_parse(&c, 4, ok2) == 0 &&
	      c.tunnel_wait_s == B4_WAIT_FOREVER, "tunnel-wait forever");
	b4_config_init(&c);
	tap_check(b4_config_parse(&c, 4, ok3) == 0 && c.tunnel_wait_s == 0,
	      "tunnel-wait 0 (stop at once)");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b4_config_init(&c);
		argv[3] = (char *)bad[i];
		snprintf(name, sizeof(name), "tunnel-wait \"%s\" refused", bad[i]);
		tap_check(b4_config_parse(&c, 4, argv) == DSLITECTL_EXIT_USAGE, name);
	}
}

/* --- keyword tables (kw.h) ------------------------------------------ */

struct kw_test {
	uint32_t num;
	uint8_t small;
	uint8_t guard;		/* after small: not written by it */
	bool flag;
	uint16_t pick;
	struct in6_addr addr;
	char name[8];
	uint32_t many;
	uint32_t argv_only;
};

static const struct kw_name pick_names[] = {
	{ "a", 1 }, { "b", 2 }, { "c", 3 }, { NULL, 0 },
};

#define T(member)	KW_FIELD(struct kw_test, member)

static const struct kw test_rows[] = {
	{ "num", KW_UINT, KW_DEF, 10, 100, T(num), .unit = "ms", .def = 50,
	  .arg = "MS", .help = "a number, {range} (default {def})" },
	{ "small", KW_UINT, KW_REQ, 1, 255, T(small), .arg = "N" },
	{ "flag", KW_BOOL, 0, T(flag), .arg = "on|off", .help = "on or off" },
	{ "pick", KW_ENUM, KW_DEF, T(pick), .names = pick_names, .def = 3,
	  .arg = "a|b|c", .help = "one of three\nsecond line" },
	{ "addr", KW_IPV6, 0, T(addr), .arg = "ADDR" },
	{ "name", KW_STRING, 0, T(name), .unit = "short name", .arg = "S" },
	{ "many", KW_UINT, KW_MULTI, 0, 9, T(many), .arg = "N" },
	{ "argv-only", KW_UINT, KW_ARGV, 0, 9, T(argv_only), .arg = "N" },
};

static const struct kw_table test_kw = {
	KW_TABLE(test_rows),
	.unknown = "unknown keyword",
	.object = "test",
};

static const struct kw_table test_kw_attach_style = {
	KW_TABLE(test_rows),
	.number = "a number ",
	.quote = "\"",
	.unknown = "unexpected argument",
	.object = "aftr",
};

/* kw_try(t, where, kw, val, o, msg): one pair; its exit code, the message */
static int kw_try(const struct kw_table *t, const char *where, const char *kw,
		  const char *val, struct kw_test *o, uint64_t *seen,
		  const char **msg)
{
	char *argv[] = { (char *)kw, (char *)val };
	struct kw_ctx x = { .what = "test", .where = where, .t = t,
			    .seen = seen };
	int ret;

	err_start();
	ret = kw_parse(&x, val ? 2 : 1, argv, o);
	*msg = err_end();
	return ret;
}

static void test_kw_ranges(void)
{
	static const struct {
		const char *kw, *val;
		int ret;
		const char *msg;
	} cases[] = {
		{ "num", "9", 1, "dslitectl: test: num must be 10..100 ms, not \"9\"\n" },
		{ "num", "10", 0, "" },
		{ "num", "100", 0, "" },
		{ "num", "101", 1, "dslitectl: test: num must be 10..100 ms, not \"101\"\n" },
		{ "num", "", 1, "dslitectl: test: num must be 10..100 ms, not \"\"\n" },
		{ "num", "1x", 1, "dslitectl: test: num must be 10..100 ms, not \"1x\"\n" },
		{ "num", "-10", 1, "dslitectl: test: num must be 10..100 ms, not \"-10\"\n" },
		{ "num", "+10", 1, "dslitectl: test: num must be 10..100 ms, not \"+10\"\n" },
		{ "num", " 10", 1, "dslitectl: test: num must be 10..100 ms, not \" 10\"\n" },
		{ "num", "0x10", 1, "dslitectl: test: num must be 10..100 ms, not \"0x10\"\n" },
		{ "num", "99999999999999999999", 1, "dslitectl: test: num must be 10..100 ms, not \"99999999999999999999\"\n" },
		{ "small", "0", 1, "dslitectl: test: small must be 1..255, not \"0\"\n" },
		{ "small", "1", 0, "" },
		{ "small", "255", 0, "" },
		{ "small", "256", 1, "dslitectl: test: small must be 1..255, not \"256\"\n" },
		{ "flag", "on", 0, "" },
		{ "flag", "yes", 1, "dslitectl: test: flag must be on or off, not \"yes\"\n" },
		{ "pick", "b", 0, "" },
		{ "pick", "d", 1, "dslitectl: test: pick must be a, b or c, not \"d\"\n" },
		{ "addr", "2001:db8::1", 0, "" },
		{ "addr", "2001:db8::g", 1, "dslitectl: test: addr \"2001:db8::g\" is not an IPv6 address\n" },
		{ "name", "1234567", 0, "" },
		{ "name", "12345678", 1, "dslitectl: test: name \"12345678\" is not a short name\n" },
		{ "bogus", "1", 1, "dslitectl: test: unknown keyword \"bogus\" (try \"dslitectl test help\")\n" },
		{ "num", NULL, 1, "dslitectl: test: \"num\" needs a value\n" },
	};
	struct kw_test o;
	const char *msg;
	uint64_t seen;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&o, 0, sizeof(o));
		seen = 0;
		ret = kw_try(&test_kw, NULL, cases[i].kw, cases[i].val, &o,
			     &seen, &msg);
		tap_result(ret == cases[i].ret && !strcmp(msg, cases[i].msg),
			  "kw: %s \"%s\": exit %d", cases[i].kw,
			  cases[i].val ? cases[i].val : "(none)", cases[i].ret);
		if (strcmp(msg, cases[i].msg))
			tap_diag("  got '%s'", msg);
	}

	memset(&o, 0, sizeof(o));
	o.guard = 0x5a;
	seen = 0;
	kw_try(&test_kw, NULL, "small", "255", &o, &seen, &msg);
	tap_check(o.small == 255 && o.guard == 0x5a,
		  "kw: a u8 field gets 255, its neighbour is untouched");
	seen = 0;
	kw_try(&test_kw, NULL, "num", "100", &o, &seen, &msg);
	tap_eq(o.num, 100, "kw: a u32 field gets 100");
	seen = 0;
	kw_try(&test_kw, NULL, "pick", "b", &o, &seen, &msg);
	tap_eq(o.pick, 2, "kw: an enum stores the name's value");
	seen = 0;
	kw_try(&test_kw, NULL, "name", "abc", &o, &seen, &msg);
	tap_str("kw: a string is copied", "abc", o.name);
}

static void test_kw_repeat(void)
{
	struct kw_test o = {};
	const char *msg;
	uint64_t seen = 0;
	int ret;

	kw_try(&test_kw, NULL, "num", "20", &o, &seen, &msg);
	ret = kw_try(&test_kw, NULL, "num", "30", &o, &seen, &msg);
	tap_check(ret == 1 && o.num == 20 &&
		  !strcmp(msg, "dslitectl: test: \"num\" given twice\n"),
		  "kw: a keyword given twice is refused");
	tap_check(kw_given(&test_kw, seen, "num") &&
		  !kw_given(&test_kw, seen, "small") &&
		  !kw_given(&test_kw, seen, "bogus"), "kw: kw_given()");
	ret = kw_try(&test_kw, "f.conf:3", "num", "40", &o, &seen, &msg);
	tap_check(ret == 1 &&
		  !strcmp(msg, "dslitectl: test: f.conf:3: \"num\" given twice\n"),
		  "kw: twice across a command line and a file line");
	kw_try(&test_kw, NULL, "many", "1", &o, &seen, &msg);
	ret = kw_try(&test_kw, NULL, "many", "2", &o, &seen, &msg);
	tap_check(ret == 0 && o.many == 2, "kw: KW_MULTI may be repeated");
	ret = kw_try(&test_kw, "f.conf:4", "argv-only", "1", &o, &seen, &msg);
	tap_check(ret == 1 &&
		  !strcmp(msg, "dslitectl: test: f.conf:4: \"argv-only\" inside a config file\n"),
		  "kw: KW_ARGV refused in a file");
	ret = kw_try(&test_kw, NULL, "argv-only", "1", &o, &seen, &msg);
	tap_check(ret == 0 && o.argv_only == 1, "kw: KW_ARGV on the command line");
}

static void test_kw_style(void)
{
	struct kw_test o = {};
	const char *msg;
	uint64_t seen = 0;

	kw_try(&test_kw_attach_style, NULL, "num", "5", &o, &seen, &msg);
	tap_str("kw: \"a number\" style", "dslitectl: test: num must be a number 10..100 ms, not \"5\"\n", msg);
	kw_try(&test_kw_attach_style, NULL, "pick", "x", &o, &seen, &msg);
	tap_str("kw: quoted names", "dslitectl: test: pick must be \"a\", \"b\" or \"c\", not \"x\"\n", msg);
	kw_try(&test_kw_attach_style, NULL, "x", "1", &o, &seen, &msg);
	tap_str("kw: unknown, attach style", "dslitectl: test: unexpected argument \"x\" (try \"dslitectl aftr help\")\n", msg);
	memset(&o, 0, sizeof(o));
	kw_defaults(&test_kw, &o);
	tap_check(o.num == 50 && o.pick == 3 && o.small == 0,
		  "kw: defaults of KW_DEF rows only");
}

/* does text list every row of t ("name ARG")? */
static bool lists_every_row(const char *text, const struct kw_table *t,
			    const char **missing)
{
	char want[96];
	size_t i;

	for (i = 0; i < t->n; i++) {
		snprintf(want, sizeof(want), "%s %s", t->rows[i].name,
			 t->rows[i].arg ? t->rows[i].arg : "");
		if (!strstr(text, want)) {
			*missing = t->rows[i].name;
			return false;
		}
	}
	return true;
}

/* each number row's range fits its field */
static bool ranges_fit(const struct kw_table *t, const char **bad)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct kw *k = &t->rows[i];

		if (k->type != KW_UINT || k->size >= 8)
			continue;
		if (k->min > k->max || k->max >> (8 * k->size)) {
			*bad = k->name;
			return false;
		}
	}
	return true;
}

static void test_kw_usage(void)
{
	const char *missing = "", *bad = "";
	char *text = NULL;
	size_t len;
	FILE *f;

	f = open_memstream(&text, &len);
	kw_synopsis(f, &test_kw, "Usage: test ", 12, 40);
	kw_usage(f, &test_kw, 12);
	fclose(f);
	tap_result(lists_every_row(text, &test_kw, &missing),
		  "kw: the usage lists every row (%s)", missing);
	tap_check(strstr(text, "[num MS]") && strstr(text, "] small N") &&
		  strstr(text, "[many N]...") &&
		  strstr(text, "  num MS    a number, 10..100 (default 50)\n") &&
		  strstr(text, "  pick a|b|c one of three\n            second line\n"),
		  "kw: synopsis brackets, help columns, {range} and {def}");
	free(text);

	text = NULL;
	f = open_memstream(&text, &len);
	b4_config_usage(f);
	b4_config_options(f);
	fclose(f);
	tap_result(lists_every_row(text, b4_config_keywords(), &missing),
		  "b4 run: the usage lists every keyword (%s)", missing);
	tap_check(strstr(text, "  interval MS          active session, 10..60000 (default 1000)\n") != NULL,
		  "b4 run: the usage's interval range comes from its row");
	free(text);
	tap_result(ranges_fit(b4_config_keywords(), &bad),
		  "b4 run: every range fits its field (%s)", bad);
}

/* every number row of "b4 run": min-1, min, max, max+1 through the parser */
static void test_kw_b4_rows(void)
{
	const struct kw_table *t = b4_config_keywords();
	char lo[24], hi[24], below[24], above[24];
	char *argv[] = { "dev", "ds0", NULL, NULL };
	bool ok = true;
	struct b4_config c;
	const char *msg;
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct kw *k = &t->rows[i];

		if (k->type != KW_UINT)
			continue;
		snprintf(lo, sizeof(lo), "%" PRIu64, k->min);
		snprintf(hi, sizeof(hi), "%" PRIu64, k->max);
		snprintf(below, sizeof(below), "%" PRIu64, k->min - 1);
		snprintf(above, sizeof(above), "%" PRIu64, k->max + 1);
		argv[2] = (char *)k->name;
		argv[3] = lo;
		b4_config_init(&c);
		if (b4_config_parse(&c, 4, argv))
			ok = tap_result(0, "b4 run: %s %s accepted", k->name, lo);
		argv[3] = hi;
		b4_config_init(&c);
		if (b4_config_parse(&c, 4, argv))
			ok = tap_result(0, "b4 run: %s %s accepted", k->name, hi);
		argv[3] = above;
		b4_config_init(&c);
		err_start();
		if (b4_config_parse(&c, 4, argv) != DSLITECTL_EXIT_USAGE)
			ok = tap_result(0, "b4 run: %s %s refused", k->name, above);
		msg = err_end();
		if (!strstr(msg, " must be "))
			ok = tap_result(0, "b4 run: %s %s: '%s'", k->name, above, msg);
		if (k->min == 0)
			continue;
		argv[3] = below;
		b4_config_init(&c);
		err_start();
		if (b4_config_parse(&c, 4, argv) != DSLITECTL_EXIT_USAGE)
			ok = tap_result(0, "b4 run: %s %s refused", k->name, below);
		err_end();
	}
	tap_check(ok, "b4 run: every number keyword takes min and max, refuses min-1 and max+1");

	argv[2] = "interval";
	argv[3] = "9";
	b4_config_init(&c);
	err_start();
	b4_config_parse(&c, 4, argv);
	tap_str("b4 run: the interval error, byte for byte",
		"dslitectl: b4 run: interval must be 10..60000 ms, not \"9\"\n",
		err_end());
	{
		char *twice[] = { "dev", "ds0", "preempt", "on", "preempt", "off" };

		b4_config_init(&c);
		err_start();
		b4_config_parse(&c, 6, twice);
		tap_str("b4 run: a keyword given twice",
			"dslitectl: b4 run: \"preempt\" given twice\n", err_end());
	}
}

/*
 * Free text from the kernel or the network (a tunnel's reason, a health
 * method's, a tunnel name) through the print layer as b4 status prints
 * it: quoted and escaped in text exactly as tunnel show does, valid JSON.
 */
#define HOSTILE_REASON	"say \"hi\"\nfake: line \xc3\xa9\x1b[2J \xff"
#define HOSTILE_TEXT	"\"say \\\"hi\\\"\\nfake: line \\xc3\\xa9\\x1b[2J \\xff\""
#define HOSTILE_JSON	"\"say \\\"hi\\\"\\nfake: line \xc3\xa9\\u001b[2J \\ufffd\""

static const char *quoted_out(bool json, const char *s)
{
	capture_start(json, false);
	print_open_object(NULL);
	print_quoted("reason", " reason %s", s);
	print_close_object();
	print_end();
	return capture_end();
}

static const char *name_out(bool json, const char *s)
{
	capture_start(json, false);
	print_open_object(NULL);
	print_name("dev", "dev %s", s);
	print_text_name(" name %s", s ? s : "x");
	print_nulls("a", "b", NULL);
	print_close_object();
	print_end();
	return capture_end();
}

static void test_print_escaped(void)
{
	struct tunnel_info t = {};
	char want[256];

	tap_str("print_quoted text: a reason with a quote, a newline and non-ASCII bytes",
		" reason " HOSTILE_TEXT "\n", quoted_out(false, HOSTILE_REASON));
	tap_str("print_quoted JSON: the same reason, valid JSON",
		"{\"reason\":" HOSTILE_JSON "}\n",
		quoted_out(true, HOSTILE_REASON));
	tap_str("print_quoted text: no reason, nothing", "\n",
		quoted_out(false, NULL));
	tap_str("print_quoted JSON: no reason, null", "{\"reason\":null}\n",
		quoted_out(true, NULL));
	tap_str("print_name text: escaped, unquoted; NULL is none",
		"dev none name x\n", name_out(false, NULL));
	tap_str("print_name text: a name with a quote, a newline, non-ASCII",
		"dev a\\\"b\\nc\\xc3\\xa9 name a\\\"b\\nc\\xc3\\xa9\n",
		name_out(false, "a\"b\nc\xc3\xa9"));
	tap_str("print_name JSON: string, null for NULL; print_nulls",
		"{\"dev\":null,\"a\":null,\"b\":null}\n", name_out(true, NULL));
	tap_str("print_name JSON: escaped string",
		"{\"dev\":\"a\\\"b\\nc\xc3\xa9\",\"a\":null,\"b\":null}\n",
		name_out(true, "a\"b\nc\xc3\xa9"));

	/* tunnel show's reason: the same text as b4 status's */
	snprintf(t.reason, sizeof(t.reason), "%s", HOSTILE_REASON);
	snprintf(want, sizeof(want), "%s", quoted_out(false, HOSTILE_REASON));
	capture_start(false, false);
	tunnel_print_fields(&t, TF_REASON);
	print_end();
	tap_str("tunnel show and b4 status escape a reason alike", want,
		capture_end());
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "json-samples"))
		return json_samples(argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: dslitectl_unit [json-samples DIR]\n");
		return 2;
	}
	tap_start();
	test_diag();
	test_json();
	test_text_escape();
	test_metrics();
	test_tunnel();
	test_events();
	test_genl();
	test_health();
	test_b4_config();
	test_b4_tunnel_wait();
	test_kw_ranges();
	test_kw_repeat();
	test_kw_style();
	test_kw_usage();
	test_kw_b4_rows();
	test_print_escaped();
	free(cap_buf);
	return tap_done();
}
