// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl: generic netlink helpers over libmnl (family resolution,
 * requests, dumps, multicast, extack errors).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "dslitectl.h"
#include "genl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Attribute names for error messages, as the command line spells them. */
static const char *const attr_names[] = {
	[DSLITE_A_UNSPEC]	= "unspec",
	[DSLITE_A_PAD]		= "pad",
	[DSLITE_A_IFINDEX]	= "ifindex",
	[DSLITE_A_IFNAME]	= "dev",
	[DSLITE_A_LOCAL]	= "local",
	[DSLITE_A_REMOTE]	= "remote",
	[DSLITE_A_CARRIER]	= "carrier",
	[DSLITE_A_OPER_UP]	= "oper-up",
	[DSLITE_A_ADMIN_UP]	= "admin-up",
	[DSLITE_A_FORCED]	= "forced",
	[DSLITE_A_DIAG]		= "diag",
	[DSLITE_A_REASON]	= "reason",
	[DSLITE_A_TRANSITIONS]	= "transitions",
	[DSLITE_A_SINCE_MS]	= "since-ms",
	[DSLITE_A_EVENT]	= "event",
};

_Static_assert(sizeof(attr_names) / sizeof(attr_names[0]) == DSLITE_A_MAX + 1,
	       "a name for every dslite attribute");

const char *genl_attr_name(int type)
{
	if (type < 0 || type > DSLITE_A_MAX)
		return NULL;
	return attr_names[type];
}

int genl_fail(struct genl_sock *s, int err, const char *fmt, ...)
{
	va_list ap;

	s->err.err = err;
	s->err.bad_attr = -1;
	s->err.miss_attr = -1;
	s->err.no_family = false;
	s->err.msg[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(s->err.msg, sizeof(s->err.msg), fmt, ap);
		va_end(ap);
	}
	return -err;
}

static void clear_err(struct genl_sock *s)
{
	genl_fail(s, 0, NULL);
}

/* The attribute of the request that contains byte offset off, or -1. */
static int attr_at(const struct nlmsghdr *req, uint32_t off)
{
	const struct nlattr *a;

	if (!req || req->nlmsg_type == GENL_ID_CTRL || off >= req->nlmsg_len)
		return -1;
	mnl_attr_for_each(a, req, sizeof(struct genlmsghdr)) {
		uint32_t start = (const char *)a - (const char *)req;

		if (off >= start && off < start + a->nla_len)
			return mnl_attr_get_type(a);
	}
	return -1;
}

struct ext_ack {
	struct genl_sock *s;
	const struct nlmsghdr *req;
};

static int ext_ack_attr(const struct nlattr *a, void *data)
{
	struct ext_ack *ea = data;
	struct genl_error *e = &ea->s->err;

	switch (mnl_attr_get_type(a)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(e->msg, sizeof(e->msg), "%s",
				 mnl_attr_get_str(a));
		break;
	case NLMSGERR_ATTR_OFFS:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			e->bad_attr = attr_at(ea->req, mnl_attr_get_u32(a));
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			e->miss_attr = mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

/*
 * parse_ext_ack(s, nlh, off, req): read the extack TLVs of an NLMSG_ERROR
 * or NLMSG_DONE that start off bytes into its payload.
 */
static void parse_ext_ack(struct genl_sock *s, const struct nlmsghdr *nlh,
			  unsigned int off, const struct nlmsghdr *req)
{
	struct ext_ack ea = { .s = s, .req = req };

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (MNL_ALIGN(off) + NLMSG_HDRLEN > nlh->nlmsg_len)
		return;
	mnl_attr_parse(nlh, off, ext_ack_attr, &ea);
}

/*
 * errno_of(e): the positive errno of the error field of an NLMSG_ERROR or
 * NLMSG_DONE (the kernel puts -errno there); a value outside errno's
 * range (INT_MIN has no negation) makes the message malformed.
 */
static int errno_of(int e)
{
	if (e < -4095 || e > 4095)
		return EBADMSG;
	return e < 0 ? -e : e;
}

/* handle_error: an NLMSG_ERROR; 0 for an ACK, else -errno. */
static int handle_error(struct genl_sock *s, const struct nlmsghdr *nlh,
			const struct nlmsghdr *req)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	unsigned int off;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return genl_fail(s, EBADMSG, "truncated netlink error");
	if (e->error == 0)
		return 0;
	genl_fail(s, errno_of(e->error), NULL);
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		/* the request echoed whole: its length must fit, or the
		 * extack TLVs cannot be found (none are read) */
		if (e->msg.nlmsg_len < NLMSG_HDRLEN ||
		    e->msg.nlmsg_len - NLMSG_HDRLEN >
		    nlh->nlmsg_len - NLMSG_HDRLEN - sizeof(*e))
			return -s->err.err;
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	parse_ext_ack(s, nlh, off, req);
	return -s->err.err;
}

/* handle_done: an NLMSG_DONE, which may carry the dump's error. */
static int handle_done(struct genl_sock *s, const struct nlmsghdr *nlh,
		       const struct nlmsghdr *req)
{
	int err;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(int))
		return 0;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err == 0)
		return 0;
	genl_fail(s, errno_of(err), NULL);
	parse_ext_ack(s, nlh, sizeof(int), req);
	return -s->err.err;
}

int genl_talk(struct genl_sock *s, struct nlmsghdr *nlh, genl_msg_cb cb,
	      void *data)
{
	bool dump = nlh->nlmsg_flags & NLM_F_DUMP;
	uint32_t seq = nlh->nlmsg_seq;
	uint16_t type = nlh->nlmsg_type;
	int ret;

	clear_err(s);
	s->req = nlh;
	s->dump_intr = false;
	if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
		return genl_fail(s, errno, NULL);

	for (;;) {
		const struct nlmsghdr *h;
		ssize_t n;
		int len;

		n = mnl_socket_recvfrom(s->nl, s->rx, GENL_RX_SIZE);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return genl_fail(s, errno, NULL);
		}
		len = n;
		for (h = (const struct nlmsghdr *)s->rx; genl_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len)) {
			if (h->nlmsg_seq != seq || h->nlmsg_pid != s->portid)
				continue;	/* stale or multicast */
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				s->dump_intr = true;
			switch (h->nlmsg_type) {
			case NLMSG_NOOP:
				continue;
			case NLMSG_ERROR:
				return handle_error(s, h, nlh);
			case NLMSG_DONE:
				return handle_done(s, h, nlh);
			case NLMSG_OVERRUN:
				return genl_fail(s, ENOBUFS, NULL);
			}
			if (h->nlmsg_type != type)
				continue;
			if (h->nlmsg_len < NLMSG_HDRLEN +
					   sizeof(struct genlmsghdr))
				return genl_fail(s, EBADMSG,
						 "truncated reply from the kernel");
			if (cb) {
				ret = cb(h, data);
				if (ret < 0) {
					if (!s->err.err)
						genl_fail(s, -ret, NULL);
					return ret;
				}
			}
			/* a non-dump reply without ACK request ends here */
			if (!dump && !(nlh->nlmsg_flags & NLM_F_ACK))
				return 0;
		}
	}
}

struct nlmsghdr *genl_request(struct genl_sock *s, uint8_t cmd,
			      uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(s->tx);
	struct genlmsghdr *g;

	nlh->nlmsg_type = s->family_id;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	if (!(flags & NLM_F_DUMP))
		nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++s->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	/* the version this tool speaks; nlctrl takes any */
	g->version = s->family_id == GENL_ID_CTRL ? 1 : DSLITE_GENL_VERSION;
	return nlh;
}

struct family_reply {
	struct genl_sock *s;
	bool found;
};

static int group_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type == CTRL_ATTR_MCAST_GRP_NAME &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		tb[type] = a;
	else if (type == CTRL_ATTR_MCAST_GRP_ID &&
		 mnl_attr_validate(a, MNL_TYPE_U32) == 0)
		tb[type] = a;
	return MNL_CB_OK;
}

static void parse_groups(struct genl_sock *s, const struct nlattr *nest)
{
	const struct nlattr *grp;

	mnl_attr_for_each_nested(grp, nest) {
		const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = {};
		struct genl_group *g;

		if (s->n_groups >= GENL_MAX_GROUPS)
			break;
		if (mnl_attr_parse_nested(grp, group_attr, tb) != MNL_CB_OK)
			continue;
		if (!tb[CTRL_ATTR_MCAST_GRP_NAME] || !tb[CTRL_ATTR_MCAST_GRP_ID])
			continue;
		g = &s->groups[s->n_groups++];
		snprintf(g->name, sizeof(g->name), "%s",
			 mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]));
		g->id = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	}
}

static int family_attr(const struct nlattr *a, void *data)
{
	struct family_reply *fr = data;
	struct genl_sock *s = fr->s;

	switch (mnl_attr_get_type(a)) {
	case CTRL_ATTR_FAMILY_ID:
		if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		s->family_id = mnl_attr_get_u16(a);
		fr->found = true;
		break;
	case CTRL_ATTR_VERSION:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		s->version = mnl_attr_get_u32(a);
		break;
	case CTRL_ATTR_MCAST_GROUPS:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		parse_groups(s, a);
		break;
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr,
			   data) != MNL_CB_OK)
		return -EBADMSG;
	return 0;
}

static int resolve_family(struct genl_sock *s, const char *family)
{
	struct family_reply fr = { .s = s };
	struct nlmsghdr *nlh;
	int ret;

	s->family_id = GENL_ID_CTRL;
	nlh = genl_request(s, CTRL_CMD_GETFAMILY, 0);
	if (!mnl_attr_put_strz_check(nlh, GENL_TX_SIZE, CTRL_ATTR_FAMILY_NAME,
				     family))
		return genl_fail(s, EINVAL, "family name too long");
	ret = genl_talk(s, nlh, family_cb, &fr);
	if (ret == -ENOENT) {
		s->err.no_family = true;
		return ret;
	}
	if (ret)
		return ret;
	if (!fr.found)
		return genl_fail(s, EBADMSG, "no family id in the nlctrl reply");
	return 0;
}

int genl_open(struct genl_sock *s, const char *family)
{
	int one = 1;

	memset(s, 0, sizeof(*s));
	s->family = family;
	clear_err(s);
	s->tx = malloc(GENL_TX_SIZE);
	s->rx = malloc(GENL_RX_SIZE);
	if (!s->tx || !s->rx) {
		genl_close(s);
		return genl_fail(s, ENOMEM, NULL);
	}
	s->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!s->nl) {
		genl_close(s);
		return genl_fail(s, errno, "netlink socket");
	}
	/* Both are best effort: without them errors lose their message. */
	mnl_socket_setsockopt(s->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(s->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno;

		genl_close(s);
		return genl_fail(s, err, "netlink bind");
	}
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = time(NULL);
	return resolve_family(s, family);
}

void genl_close(struct genl_sock *s)
{
	if (s->nl)
		mnl_socket_close(s->nl);
	s->nl = NULL;
	free(s->tx);
	free(s->rx);
	s->tx = NULL;
	s->rx = NULL;
	s->req = NULL;
}

int genl_join(struct genl_sock *s, const char *group)
{
	int i;

	clear_err(s);
	for (i = 0; i < s->n_groups; i++) {
		uint32_t id = s->groups[i].id;

		if (strcmp(s->groups[i].name, group))
			continue;
		if (mnl_socket_setsockopt(s->nl, NETLINK_ADD_MEMBERSHIP, &id,
					  sizeof(id)) < 0)
			return genl_fail(s, errno, "join multicast group %s",
					 group);
		return 0;
	}
	return genl_fail(s, ENOENT, "family %s has no multicast group %s",
			 s->family, group);
}

void genl_set_rcvbuf(struct genl_sock *s, int bytes)
{
	int fd = mnl_socket_get_fd(s->nl);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes,
		       sizeof(bytes)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
}

int genl_fd(const struct genl_sock *s)
{
	return mnl_socket_get_fd(s->nl);
}

int genl_recv(struct genl_sock *s, genl_msg_cb cb, void *data)
{
	const struct nlmsghdr *h;
	ssize_t n;
	int len, ret;

	clear_err(s);
	n = mnl_socket_recvfrom(s->nl, s->rx, GENL_RX_SIZE);
	if (n < 0)
		return genl_fail(s, errno, NULL);
	len = n;
	for (h = (const struct nlmsghdr *)s->rx; genl_nlmsg_ok(h, len);
	     h = mnl_nlmsg_next(h, &len)) {
		if (h->nlmsg_type != s->family_id)
			continue;
		if (h->nlmsg_len < NLMSG_HDRLEN + sizeof(struct genlmsghdr))
			return genl_fail(s, EBADMSG,
					 "truncated message from the kernel");
		ret = cb(h, data);
		if (ret < 0 && !s->err.err)
			genl_fail(s, -ret, NULL);
		if (ret)
			return ret;
	}
	return 0;
}

int genl_watch_open(struct genl_sock *ctrl)
{
	int fd;

	if (genl_open(ctrl, "nlctrl") || genl_join(ctrl, "notify"))
		return -1;
	/* read when poll says so; genl_watch_event() reads until empty */
	fd = genl_fd(ctrl);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return 0;
}

struct watch_ctx {
	const char *family;
	int event;
};

static int watch_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct watch_ctx *x = data;
	const struct nlattr *a;

	if (g->cmd != CTRL_CMD_DELFAMILY && g->cmd != CTRL_CMD_NEWFAMILY)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(*g))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_NAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
		    !strcmp(mnl_attr_get_str(a), x->family))
			x->event = g->cmd == CTRL_CMD_NEWFAMILY ?
				   GENL_WATCH_NEW : GENL_WATCH_GONE;
	return 0;
}

int genl_watch_event(struct genl_sock *ctrl, const char *family)
{
	struct watch_ctx x = { .family = family, .event = GENL_WATCH_NONE };
	int r;

	/* every queued datagram: the last word on the family counts */
	do
		r = genl_recv(ctrl, watch_cb, &x);
	while (r == 0);
	if (r == -ENOBUFS)
		return GENL_WATCH_LOST;
	return x.event;
}

bool genl_watch_gone(struct genl_sock *ctrl, const char *family)
{
	struct watch_ctx x = { .family = family, .event = GENL_WATCH_NONE };

	genl_recv(ctrl, watch_cb, &x);
	return x.event == GENL_WATCH_GONE;
}

int genl_perror(const struct genl_sock *s, const char *what)
{
	const struct genl_error *e = &s->err;
	char why[512];
	const char *name;
	size_t n;

	if (e->no_family)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, s->family,
				     "generic netlink family not found (%s module not loaded?)",
				     s->family);

	n = snprintf(why, sizeof(why), "%s", strerror(e->err));
	if (e->msg[0] && n < sizeof(why))
		n += snprintf(why + n, sizeof(why) - n, ": %s", e->msg);
	name = genl_attr_name(e->bad_attr);
	if (name && n < sizeof(why))
		n += snprintf(why + n, sizeof(why) - n, " (attribute %s)",
			      name);
	name = genl_attr_name(e->miss_attr);
	if (name && n < sizeof(why))
		snprintf(why + n, sizeof(why) - n, " (missing attribute %s)",
			 name);
	return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s", why);
}
