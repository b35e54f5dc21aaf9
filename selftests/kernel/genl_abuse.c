// SPDX-License-Identifier: GPL-2.0
/*
 * genl_abuse: random and malformed generic netlink messages to the "dslite"
 * family from many threads, with every reply checked.
 *
 *   genl_abuse [-t THREADS] [-d SECONDS] [-s SEED] [-n NAME,NAME...]
 *              [-p USEC] [-u] [-w|-W]
 *
 * -n names the tunnels to aim at, -p pauses after each datagram (to leave
 * the RTNL to others now and then), -u is for an unprivileged caller.
 * Each thread has its own NETLINK_GENERIC socket. With -w it first sweeps
 * its share of every command (0, GET, SET, EVENT, 4, 255) with every
 * combination of the twelve nlmsg flag bits (a well-formed request for a
 * named tunnel); -W sweeps only the two commands that have handlers, GET
 * and SET. Then it sends random messages until the time is up: the
 * family's id or a
 * netlink control type, random flags, genl version and reserved bytes,
 * attributes of every type (known, unknown, with the nested and
 * byte-order bits) with the right payload, a wrong length, strings without
 * their NUL, huge strings, nested garbage, lying attribute and message
 * lengths, trailing bytes, several messages in one datagram, dumps
 * abandoned by closing the socket. After each datagram a NLMSG_NOOP with
 * NLM_F_ACK marks the end of the replies. One more thread listens to the
 * "events" group with a small receive buffer.
 *
 * The family may disappear at any time (the module unloaded): a reply of
 * ENOENT makes the thread look the family up again, and while it is absent
 * the thread waits. The group is joined again when the family comes back.
 *
 * Checked on every reply:
 *   - an error is one the family or genetlink documents (EINVAL, ERANGE,
 *     ENODEV, EOPNOTSUPP, EBUSY; ENOENT only when the family id we used is
 *     no longer current); with -u, every well-framed TUNNEL_SET request
 *     that reached the family was refused with EPERM, and none succeeded;
 *   - every TUNNEL_GET reply and event is well formed: each attribute of
 *     its documented size, strings terminated and within their limits,
 *     flags 0 or 1, diag 0..8, event 1..6.
 *
 * Prints "key value" lines (totals, per-errno replies, rates) and exits 0
 * if every check held, 1 if one did not (the first few offending messages
 * are dumped to stderr), 2 on a usage or setup error.
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/dslite.h>
#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS	32
#define MAX_NAMES	16
#define MAX_IFINDEX	16
#define MAX_BATCH	4
#define SEND_MAX	(96 * 1024)
#define RECV_MAX	(256 * 1024)
#define ERRNO_MAX	134
#define REPORT_MAX	5
#define SENTINEL_SEQ	0x80000000u

static int nthreads = 4, duration = 10, unpriv, sweep, pause_us;
static unsigned long long seed;
static char names[MAX_NAMES][IFNAMSIZ];
static int nnames;
static _Atomic uint32_t ifindexes[MAX_IFINDEX];
static atomic_int famid;		/* 0: absent or not yet known */
static atomic_int stop;
static atomic_int reports;

struct counts {
	unsigned long long sent, datagrams, replies, acks, get_replies,
		dump_msgs, dones, absent_waits, resolves, stale, lost,
		overruns, reopens, abandoned, set_reached, set_eperm, set_ok,
		malformed, unexpected, events, ev_overruns, ev_rejoins,
		sweep, unframed_replies, hdr_rejected, dump_unloading, errs[ERRNO_MAX], errs_other;
};

static struct counts totals;
static pthread_mutex_t totals_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- small helpers ---- */

static uint64_t rnd(uint64_t *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static unsigned int rn(uint64_t *s, unsigned int n)
{
	return n ? rnd(s) % n : 0;
}

static bool chance(uint64_t *s, unsigned int percent)
{
	return rn(s, 100) < percent;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report(const char *why, const void *msg, size_t len)
{
	const unsigned char *p = msg;
	size_t i;

	if (atomic_fetch_add(&reports, 1) >= REPORT_MAX)
		return;
	fprintf(stderr, "genl_abuse: %s\n", why);
	for (i = 0; i < len && i < 256; i++)
		fprintf(stderr, "%02x%s", p[i], (i % 32 == 31) ? "\n" : " ");
	fprintf(stderr, "%s", len > 256 ? "...\n" : "\n");
}

static int nl_open(bool big_rcvbuf, bool cap_ack)
{
	int fd, one = 1, buf = 4 * 1024 * 1024;
	struct timeval tv = { .tv_sec = 5 };

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -1;
	if (big_rcvbuf &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (cap_ack)
		setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return fd;
}

static void *put_attr(void *p, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = p;

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)p + NLA_HDRLEN, data, len);
	memset((char *)p + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	return (char *)p + NLA_HDRLEN + NLA_ALIGN(len);
}

/* ---- the family's id and group: CTRL_CMD_GETFAMILY ---- */

/*
 * resolve: look "dslite" up on @fd. Returns 0 with *id and *grp set,
 * -ENOENT if the family is not registered, another -errno on failure.
 */
static int resolve(int fd, uint32_t seq, int *id, uint32_t *grp)
{
	char buf[8192] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = (void *)buf;
	struct genlmsghdr *g;
	char *p;
	ssize_t n;

	memset(buf, 0, 64);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	g = NLMSG_DATA(nlh);
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	p = put_attr((char *)g + GENL_HDRLEN, CTRL_ATTR_FAMILY_NAME,
		     DSLITE_GENL_NAME, sizeof(DSLITE_GENL_NAME));
	nlh->nlmsg_len = p - buf;
	if (send(fd, buf, nlh->nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return errno == ENOBUFS ? -EAGAIN : -errno;
		for (nlh = (void *)buf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			struct nlattr *a;
			int rem;

			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);

				return e->error ? e->error : -EBADMSG;
			}
			if (nlh->nlmsg_type != GENL_ID_CTRL)
				continue;
			*id = 0;
			*grp = 0;
			g = NLMSG_DATA(nlh);
			rem = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
			for (a = (void *)((char *)g + GENL_HDRLEN);
			     rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
			     a->nla_len <= rem;
			     rem -= NLA_ALIGN(a->nla_len),
			     a = (void *)((char *)a + NLA_ALIGN(a->nla_len))) {
				int t = a->nla_type & NLA_TYPE_MASK;

				if (t == CTRL_ATTR_FAMILY_ID)
					*id = *(uint16_t *)((char *)a + NLA_HDRLEN);
				if (t == CTRL_ATTR_MCAST_GROUPS) {
					/* [index]{NAME, ID}...: one group */
					struct nlattr *i = (void *)((char *)a + NLA_HDRLEN);
					struct nlattr *b = (void *)((char *)i + NLA_HDRLEN);
					int r = i->nla_len - NLA_HDRLEN;

					for (; r >= NLA_HDRLEN && b->nla_len >= NLA_HDRLEN &&
					       b->nla_len <= r;
					     r -= NLA_ALIGN(b->nla_len),
					     b = (void *)((char *)b + NLA_ALIGN(b->nla_len)))
						if ((b->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GRP_ID)
							*grp = *(uint32_t *)((char *)b + NLA_HDRLEN);
				}
			}
			return *id ? 0 : -EBADMSG;
		}
	}
}

/* ---- checking what the family sends ---- */

/*
 * check_tunnel_msg: a TUNNEL_GET reply or TUNNEL_EVENT, as the UAPI
 * header documents it. Returns NULL if well formed, or what is wrong.
 */
static const char *check_tunnel_msg(const struct nlmsghdr *nlh, bool event)
{
	const struct genlmsghdr *g = NLMSG_DATA(nlh);
	const struct nlattr *a;
	bool seen[DSLITE_A_MAX + 1] = { 0 };
	int rem;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return "short genl header";
	if (g->cmd != (event ? DSLITE_CMD_TUNNEL_EVENT : DSLITE_CMD_TUNNEL_GET))
		return "wrong command";
	if (g->version != DSLITE_GENL_VERSION)
		return "wrong version";
	rem = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	a = (const void *)((const char *)g + GENL_HDRLEN);
	for (; rem >= NLA_HDRLEN; rem -= NLA_ALIGN(a->nla_len),
	     a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len))) {
		const unsigned char *d = (const unsigned char *)a + NLA_HDRLEN;
		int t = a->nla_type, len = a->nla_len - NLA_HDRLEN;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > rem)
			return "attribute length out of the message";
		if (t < 1 || t > DSLITE_A_MAX)
			return "unknown attribute";
		if (seen[t])
			return "attribute twice";
		seen[t] = true;
		switch (t) {
		case DSLITE_A_PAD:
			break;
		case DSLITE_A_IFINDEX:
			if (len != 4 || !*(const uint32_t *)d)
				return "bad IFINDEX";
			break;
		case DSLITE_A_IFNAME:
			if (len < 2 || len > 16 || d[len - 1] || strlen((const char *)d) != (size_t)len - 1)
				return "bad IFNAME";
			break;
		case DSLITE_A_LOCAL:
		case DSLITE_A_REMOTE:
			if (len != 16)
				return "bad address";
			break;
		case DSLITE_A_CARRIER:
		case DSLITE_A_OPER_UP:
		case DSLITE_A_ADMIN_UP:
		case DSLITE_A_FORCED:
			if (len != 1 || d[0] > 1)
				return "bad flag attribute";
			break;
		case DSLITE_A_DIAG:
			if (len != 1 || d[0] > DSLITE_DIAG_MAX)
				return "bad DIAG";
			break;
		case DSLITE_A_REASON:
			if (len < 2 || len > DSLITE_REASON_MAX || d[len - 1] ||
			    strlen((const char *)d) != (size_t)len - 1)
				return "bad REASON";
			break;
		case DSLITE_A_TRANSITIONS:
		case DSLITE_A_SINCE_MS:
			if (len != 8)
				return "bad u64";
			break;
		case DSLITE_A_EVENT:
			if (!event || len != 1 || d[0] < 1 || d[0] > DSLITE_EVENT_MAX)
				return "bad EVENT";
			break;
		}
	}
	if (rem)
		return "trailing bytes";
	if (!seen[DSLITE_A_IFINDEX] || !seen[DSLITE_A_IFNAME] ||
	    !seen[DSLITE_A_LOCAL] || !seen[DSLITE_A_REMOTE] ||
	    !seen[DSLITE_A_CARRIER] || !seen[DSLITE_A_FORCED] ||
	    !seen[DSLITE_A_DIAG] || !seen[DSLITE_A_TRANSITIONS] ||
	    !seen[DSLITE_A_SINCE_MS] || seen[DSLITE_A_EVENT] != event)
		return "attribute missing";
	return NULL;
}

static void learn_ifindex(const struct nlmsghdr *nlh)
{
	const struct nlattr *a = (const void *)((const char *)NLMSG_DATA(nlh) +
						GENL_HDRLEN);
	uint32_t idx = *(const uint32_t *)((const char *)a + NLA_HDRLEN);

	/* check_tunnel_msg() passed: the kernel puts IFINDEX first. */
	if (a->nla_type == DSLITE_A_IFINDEX)
		atomic_store(&ifindexes[idx % MAX_IFINDEX], idx);
}

/* ---- building requests ---- */

/*
 * What a well-framed request to the family must get, whatever else:
 *   EXP_HDR	EINVAL from genetlink's header check, which comes before the
 *		command lookup and the permission check: for commands from
 *		the family's resv_start_op (all of ours) the reserved byte
 *		must be 0 and nlmsg_flags only REQUEST, ACK, ECHO and DUMP
 *		(both of its bits);
 *   EXP_SET	a TUNNEL_SET that passed that check: EPERM with -u;
 *   EXP_ANY	anything documented.
 */
enum expect { EXP_ANY, EXP_SET, EXP_HDR };

static bool header_rejected(const struct nlmsghdr *nlh,
			    const struct genlmsghdr *g)
{
	uint16_t flags = nlh->nlmsg_flags;

	if (g->cmd < DSLITE_CMD_TUNNEL_GET)
		return false;
	if (g->reserved)
		return true;
	if ((flags & NLM_F_DUMP) == NLM_F_DUMP)
		flags &= ~NLM_F_DUMP;
	return flags & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO);
}

/* expect: what a well-framed request to the family @id must get */
static enum expect expect(const struct nlmsghdr *nlh, int id)
{
	const struct genlmsghdr *g = NLMSG_DATA(nlh);

	if (!id || nlh->nlmsg_type != id || !(nlh->nlmsg_flags & NLM_F_REQUEST) ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return EXP_ANY;
	if (header_rejected(nlh, g))
		return EXP_HDR;
	return g->cmd == DSLITE_CMD_TUNNEL_SET ? EXP_SET : EXP_ANY;
}

struct sent_msg {
	uint32_t seq;
	enum expect expect;
	int id;				/* the family id when it was sent */
	int type;			/* its nlmsg_type */
	bool dump;			/* NLM_F_DUMP set */
	size_t off, len;		/* where it is in the datagram */
};

struct worker {
	int no;
	int fd;
	uint32_t seq;
	uint64_t rs;
	struct counts c;
	char *sbuf, *rbuf;
	struct sent_msg msgs[MAX_BATCH];
	int nmsgs;
	int known_id;
};

static uint32_t some_ifindex(struct worker *w)
{
	uint32_t idx = atomic_load(&ifindexes[rn(&w->rs, MAX_IFINDEX)]);

	switch (rn(&w->rs, 8)) {
	case 0:
		return rnd(&w->rs);
	case 1:
		return rn(&w->rs, 64);
	default:
		return idx ?: 1;
	}
}

static void some_string(struct worker *w, char *s, size_t max)
{
	size_t len = rn(&w->rs, max), i;

	for (i = 0; i < len; i++)
		s[i] = chance(&w->rs, 80) ? (char)('a' + rn(&w->rs, 26)) : (char)rnd(&w->rs);
	s[len] = '\0';
}

/* A payload for @type: right or wrong in one of many ways. */
static size_t payload(struct worker *w, int type, char *d, size_t room)
{
	size_t len, i;
	uint32_t v;

	switch (rn(&w->rs, 10)) {
	case 0: case 1: case 2: case 3:		/* what the policy wants */
		switch (type) {
		case DSLITE_A_IFINDEX:
			v = some_ifindex(w);
			memcpy(d, &v, 4);
			return 4;
		case DSLITE_A_IFNAME:
			if (nnames && chance(&w->rs, 70)) {
				strcpy(d, names[rn(&w->rs, nnames)]);
				return strlen(d) + 1;
			}
			some_string(w, d, 20);
			return strlen(d) + 1;
		case DSLITE_A_CARRIER:
		case DSLITE_A_DIAG:
			d[0] = chance(&w->rs, 80) ? rn(&w->rs, 10) : rnd(&w->rs);
			return 1;
		case DSLITE_A_REASON:
			len = chance(&w->rs, 50) ? 58 + rn(&w->rs, 10) : rn(&w->rs, 64);
			memset(d, 'r', len);
			d[len] = '\0';
			return len + 1;
		default:
			len = rn(&w->rs, 20);
			for (i = 0; i < len; i++)
				d[i] = rnd(&w->rs);
			return len;
		}
	case 4:					/* a wrong length */
		len = (size_t[]){ 0, 1, 2, 3, 5, 7, 8, 12, 16, 17, 32, 63, 64, 65 }[rn(&w->rs, 14)];
		for (i = 0; i < len; i++)
			d[i] = rnd(&w->rs);
		return len;
	case 5:					/* a string without its NUL */
		len = 1 + rn(&w->rs, 80);
		memset(d, 'n', len);
		return len;
	case 6:					/* huge */
		len = 256 + rn(&w->rs, room > 256 ? room - 256 : 1);
		if (len > room)
			len = room;
		memset(d, 'H', len);
		if (chance(&w->rs, 50))
			d[len - 1] = '\0';
		else if (chance(&w->rs, 50))
			d[rn(&w->rs, 20)] = '\0';
		return len;
	case 7: {				/* nested garbage */
		char *p = d, *end = d + (room < 512 ? room : 512);
		int n = rn(&w->rs, 6);

		while (n-- > 0 && end - p >= 64) {
			struct nlattr *a = (void *)p;

			len = rn(&w->rs, 40);
			for (i = 0; i < len; i++)
				p[NLA_HDRLEN + i] = rnd(&w->rs);
			a->nla_type = rnd(&w->rs);
			a->nla_len = chance(&w->rs, 80) ? NLA_HDRLEN + len : rnd(&w->rs);
			p += NLA_HDRLEN + NLA_ALIGN(len);
		}
		return p - d;
	}
	default:				/* random bytes, random length */
		len = rn(&w->rs, 24);
		for (i = 0; i < len; i++)
			d[i] = rnd(&w->rs);
		return len;
	}
}

static uint16_t some_flags(struct worker *w)
{
	uint16_t f = NLM_F_REQUEST | NLM_F_ACK;

	switch (rn(&w->rs, 10)) {
	case 0: case 1:
		return rnd(&w->rs);
	case 2: case 3:
		return f | NLM_F_DUMP;
	case 4:
		return f | (rnd(&w->rs) & 0xfff);
	case 5:
		return NLM_F_REQUEST;
	default:
		return f;
	}
}

static uint8_t some_cmd(struct worker *w)
{
	switch (rn(&w->rs, 10)) {
	case 0: case 1: case 2: case 3:
		return DSLITE_CMD_TUNNEL_SET;
	case 4: case 5: case 6: case 7:
		return DSLITE_CMD_TUNNEL_GET;
	default:
		return rnd(&w->rs);
	}
}

/*
 * A request that is right but for its flags or command: a SET (carrier
 * down with a diag and reason, or up) or GET for a named tunnel.
 */
static size_t wellformed_attrs(struct worker *w, char *p, bool set)
{
	char *start = p;
	uint8_t carrier = rn(&w->rs, 2), diag = 1 + rn(&w->rs, 8);
	const char *name = nnames ? names[rn(&w->rs, nnames)] : "ga0";

	if (chance(&w->rs, 50)) {
		p = put_attr(p, DSLITE_A_IFNAME, name, strlen(name) + 1);
	} else {
		uint32_t idx = some_ifindex(w);

		p = put_attr(p, DSLITE_A_IFINDEX, &idx, 4);
	}
	if (set) {
		p = put_attr(p, DSLITE_A_CARRIER, &carrier, 1);
		if (!carrier) {
			p = put_attr(p, DSLITE_A_DIAG, &diag, 1);
			if (chance(&w->rs, 50))
				p = put_attr(p, DSLITE_A_REASON, "abuse", 6);
		}
	}
	return p - start;
}

/*
 * One message at @buf (room bytes left); sets @m. Returns its length in
 * the datagram, or 0 if nothing fits. *framed says whether the next message
 * will be read from where we put it.
 */
static size_t build_one(struct worker *w, char *buf, size_t room,
			struct sent_msg *m, bool *framed, int id)
{
	struct nlmsghdr *nlh = (void *)buf;
	struct genlmsghdr *g = NLMSG_DATA(nlh);
	char *p = (char *)g + GENL_HDRLEN, *end = buf + room;
	bool honest = true;
	size_t len;
	int nattrs, i;

	if (room < 512)
		return 0;
	memset(buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = chance(&w->rs, 96) ? (unsigned int)id : rn(&w->rs, NLMSG_MIN_TYPE);
	nlh->nlmsg_flags = some_flags(w);
	nlh->nlmsg_seq = ++w->seq & ~SENTINEL_SEQ;
	nlh->nlmsg_pid = chance(&w->rs, 95) ? 0 : rnd(&w->rs);
	g->cmd = some_cmd(w);
	g->version = chance(&w->rs, 90) ? DSLITE_GENL_VERSION : rnd(&w->rs);
	g->reserved = chance(&w->rs, 90) ? 0 : rnd(&w->rs);

	if (chance(&w->rs, 30)) {
		p += wellformed_attrs(w, p, g->cmd == DSLITE_CMD_TUNNEL_SET);
	} else {
		nattrs = rn(&w->rs, 7);
		for (i = 0; i < nattrs && end - p > 256; i++) {
			struct nlattr *a = (void *)p;
			int type;

			switch (rn(&w->rs, 10)) {
			case 0:
				type = chance(&w->rs, 50) ? 0 : DSLITE_A_MAX + 1 + rn(&w->rs, 40);
				break;
			case 1:
				type = rnd(&w->rs) & 0xffff;
				break;
			default:
				type = 1 + rn(&w->rs, DSLITE_A_MAX);
				break;
			}
			if (chance(&w->rs, 8))
				type |= NLA_F_NESTED;
			if (chance(&w->rs, 3))
				type |= NLA_F_NET_BYTEORDER;
			len = payload(w, type & NLA_TYPE_MASK, p + NLA_HDRLEN,
				      (size_t)(end - p - NLA_HDRLEN - 8) < 0xfff0 ?
				      (size_t)(end - p - NLA_HDRLEN - 8) : 0xfff0);
			p = put_attr(p, type, NULL, 0);		/* header only */
			a->nla_len = NLA_HDRLEN + len;
			p = (char *)a + NLA_HDRLEN + NLA_ALIGN(len);
			if (chance(&w->rs, 3)) {		/* a lying length */
				a->nla_len = chance(&w->rs, 50) ? rn(&w->rs, NLA_HDRLEN)
								: a->nla_len + 4 + rn(&w->rs, 4000);
				break;
			}
		}
	}
	len = p - buf;
	nlh->nlmsg_len = len;
	switch (rn(&w->rs, 40)) {
	case 0:			/* 1-3 trailing bytes */
		nlh->nlmsg_len += 1 + rn(&w->rs, 3);
		memset(p, 0xee, 4);
		len = NLMSG_ALIGN(nlh->nlmsg_len);
		break;
	case 1:			/* a length beyond the datagram */
		nlh->nlmsg_len = len + 4 + rn(&w->rs, 100000);
		honest = false;
		break;
	case 2:			/* a length inside the message */
		nlh->nlmsg_len = rn(&w->rs, len);
		honest = false;
		break;
	}
	m->seq = nlh->nlmsg_seq;
	m->id = id;
	m->type = nlh->nlmsg_type;
	m->len = len;
	m->expect = *framed && honest ? expect(nlh, id) : EXP_ANY;
	m->dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	*framed = *framed && honest;
	return len;
}

/* ---- one round: send, then read the replies up to the sentinel ---- */

static bool errno_allowed(int err)
{
	switch (err) {
	case 0:
	case EINVAL:
	case ERANGE:
	case ENODEV:
	case EOPNOTSUPP:
	case EBUSY:
		return true;
	}
	return false;
}

static void reopen(struct worker *w)
{
	close(w->fd);
	w->fd = nl_open(!unpriv, chance(&w->rs, 50));
	w->c.reopens++;
}

/* Look the family up again; wait while it is absent. */
static void refresh_family(struct worker *w)
{
	uint32_t grp;
	int id = 0, err;

	while (!atomic_load(&stop)) {
		err = resolve(w->fd, ++w->seq | SENTINEL_SEQ, &id, &grp);
		w->c.resolves++;
		if (!err)
			break;
		if (err != -ENOENT) {
			reopen(w);
			continue;
		}
		w->c.absent_waits++;
		atomic_store(&famid, 0);
		usleep(2000);
	}
	if (id)
		atomic_store(&famid, id);
	w->known_id = id;
}

static struct sent_msg *find_sent(struct worker *w, uint32_t seq)
{
	int i;

	for (i = 0; i < w->nmsgs; i++)
		if (w->msgs[i].seq == seq)
			return &w->msgs[i];
	return NULL;
}

/* handle_error: an NLMSG_ERROR (or the error of an NLMSG_DONE) for @m */
static void handle_error(struct worker *w, struct sent_msg *m, int err,
			 bool *stale)
{
	bool bad = false;

	if (err < ERRNO_MAX)
		w->c.errs[err]++;
	else
		w->c.errs_other++;
	if (err == 0)
		w->c.acks++;
	if (err == ENOENT && m->type == m->id) {
		/* The family went away (or came back with another id)? */
		*stale = true;
		w->c.stale++;
	} else if (err == EPROTONOSUPPORT && m->dump) {
		/* A dump starting while the module is being unloaded. */
		w->c.dump_unloading++;
	} else if (!errno_allowed(err) && !(unpriv && err == EPERM)) {
		bad = true;
	}
	if (m->expect == EXP_HDR && err != ENOENT) {
		w->c.hdr_rejected++;
		if (err != EINVAL)
			bad = true;
	}
	if (m->expect == EXP_SET && err != ENOENT) {
		w->c.set_reached++;
		if (err == EPERM)
			w->c.set_eperm++;
		if (err == 0)
			w->c.set_ok++;
		if (unpriv && err != EPERM)
			bad = true;
	} else if (!unpriv && err == EPERM) {
		bad = true;
	}
	if (bad) {
		char why[96];

		w->c.unexpected++;
		snprintf(why, sizeof(why), "unexpected error %d (%s) to:", err,
			 strerror(err));
		report(why, w->sbuf + m->off, m->len);
	}
}

static void round_trip(struct worker *w, size_t total, bool framed)
{
	char sentinel[NLMSG_HDRLEN] __attribute__((aligned(4))) = { 0 };
	struct nlmsghdr *s = (void *)sentinel;
	bool got_sentinel = false, stale = false;
	int id = w->known_id;

	if (send(w->fd, w->sbuf, total, 0) < 0) {
		if (errno == ENOBUFS || errno == EAGAIN)
			w->c.overruns++;
		else
			reopen(w);
		return;
	}
	w->c.sent += w->nmsgs;
	w->c.datagrams++;

	/* One in a hundred dumps is abandoned: the socket closed unread. */
	if (w->nmsgs == 1 && (((struct nlmsghdr *)w->sbuf)->nlmsg_flags &
			      NLM_F_DUMP) == NLM_F_DUMP && chance(&w->rs, 1)) {
		w->c.abandoned++;
		reopen(w);
		return;
	}

	s->nlmsg_len = NLMSG_HDRLEN;
	s->nlmsg_type = NLMSG_NOOP;
	s->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	s->nlmsg_seq = ++w->seq | SENTINEL_SEQ;
	if (send(w->fd, sentinel, sizeof(sentinel), 0) < 0) {
		reopen(w);
		return;
	}

	for (;;) {
		ssize_t n = recv(w->fd, w->rbuf, RECV_MAX,
				 got_sentinel ? MSG_DONTWAIT : 0);
		struct nlmsghdr *nlh;

		if (n < 0) {
			if (got_sentinel && errno == EAGAIN)
				break;
			if (errno == ENOBUFS) {
				w->c.overruns++;
				continue;
			}
			/* No sentinel within 5 s: start afresh. */
			w->c.lost++;
			reopen(w);
			break;
		}
		for (nlh = (void *)w->rbuf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			struct sent_msg *m = find_sent(w, nlh->nlmsg_seq);
			const char *why;

			w->c.replies++;
			if (nlh->nlmsg_seq == s->nlmsg_seq) {
				got_sentinel = true;
				continue;
			}
			if (!m && !framed) {
				/*
				 * A lying length made the kernel read a
				 * message out of our attributes.
				 */
				w->c.unframed_replies++;
				continue;
			}
			if (!m) {
				w->c.malformed++;
				report("a reply to nothing we sent:", nlh, nlh->nlmsg_len);
				continue;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) ||
				    e->error > 0 || e->error < -4095) {
					w->c.malformed++;
					report("bad NLMSG_ERROR:", nlh, nlh->nlmsg_len);
					continue;
				}
				handle_error(w, m, -e->error, &stale);
				continue;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				const int *err = NLMSG_DATA(nlh);

				w->c.dones++;
				if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(int)) ||
				    *err > 0 || *err < -4095) {
					w->c.malformed++;
					report("bad NLMSG_DONE:", nlh, nlh->nlmsg_len);
					continue;
				}
				if (*err)
					handle_error(w, m, -*err, &stale);
				continue;
			}
			if (nlh->nlmsg_type != m->id) {
				w->c.malformed++;
				report("a reply of another type:", nlh, nlh->nlmsg_len);
				continue;
			}
			if (m->expect != EXP_ANY) {
				w->c.unexpected++;
				report("data in answer to a SET or a bad header:",
				       nlh, nlh->nlmsg_len);
			}
			if (nlh->nlmsg_flags & NLM_F_MULTI)
				w->c.dump_msgs++;
			else
				w->c.get_replies++;
			why = check_tunnel_msg(nlh, false);
			if (why) {
				w->c.malformed++;
				report(why, nlh, nlh->nlmsg_len);
			} else {
				learn_ifindex(nlh);
			}
		}
	}

	if (stale) {
		refresh_family(w);
		/* ENOENT while our id is still the family's: not allowed. */
		if (w->known_id == id && id) {
			w->c.unexpected++;
			report("ENOENT for the current family id:", w->sbuf,
			       w->msgs[0].len);
		}
	}
}

/*
 * The sweep: command x flags, a well-formed request, one per datagram.
 * Worker @no takes combinations no, no + nthreads, ...
 */
static const uint8_t sweep_cmds[] = {
	DSLITE_CMD_UNSPEC, DSLITE_CMD_TUNNEL_GET, DSLITE_CMD_TUNNEL_SET,
	DSLITE_CMD_TUNNEL_EVENT, DSLITE_CMD_TUNNEL_EVENT + 1, 255,
};
#define SWEEP_N (sizeof(sweep_cmds) * 4096)

static void sweep_one(struct worker *w, unsigned int k)
{
	struct nlmsghdr *nlh = (void *)w->sbuf;
	struct genlmsghdr *g = NLMSG_DATA(nlh);
	struct sent_msg *m = &w->msgs[0];
	size_t len;

	memset(w->sbuf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = w->known_id;
	nlh->nlmsg_flags = k % 4096;
	nlh->nlmsg_seq = ++w->seq & ~SENTINEL_SEQ;
	g->cmd = sweep_cmds[k / 4096];
	g->version = DSLITE_GENL_VERSION;
	len = NLMSG_HDRLEN + GENL_HDRLEN +
	      wellformed_attrs(w, (char *)g + GENL_HDRLEN,
			       g->cmd == DSLITE_CMD_TUNNEL_SET);
	nlh->nlmsg_len = len;
	m->seq = nlh->nlmsg_seq;
	m->id = w->known_id;
	m->type = nlh->nlmsg_type;
	m->off = 0;
	m->len = len;
	m->expect = expect(nlh, w->known_id);
	m->dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	w->nmsgs = 1;
	w->c.sweep++;
	round_trip(w, len, true);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned int k;

	w->fd = nl_open(!unpriv, w->no % 2);
	if (w->fd < 0) {
		perror("genl_abuse: socket");
		exit(2);
	}
	refresh_family(w);
	for (k = w->no; sweep && k < SWEEP_N && !atomic_load(&stop);
	     k += nthreads) {
		if (sweep == 2 && sweep_cmds[k / 4096] != DSLITE_CMD_TUNNEL_GET &&
		    sweep_cmds[k / 4096] != DSLITE_CMD_TUNNEL_SET)
			continue;
		if (!w->known_id)
			refresh_family(w);
		sweep_one(w, k);
	}
	while (!atomic_load(&stop)) {
		size_t total = 0, len;
		bool framed = true;
		int n = chance(&w->rs, 10) ? 2 + rn(&w->rs, MAX_BATCH - 1) : 1;

		if (!w->known_id || atomic_load(&famid) != w->known_id)
			refresh_family(w);
		for (w->nmsgs = 0; w->nmsgs < n; w->nmsgs++) {
			struct sent_msg *m = &w->msgs[w->nmsgs];

			m->off = total;
			len = build_one(w, w->sbuf + total, SEND_MAX - total, m,
					&framed, w->known_id);
			if (!len)
				break;
			total += len;
		}
		round_trip(w, total, framed);
		if (pause_us)
			usleep(pause_us);
	}
	close(w->fd);
	return NULL;
}

/* ---- the listener: events with a small receive buffer ---- */

static void *listener_main(void *arg)
{
	struct worker *w = arg;
	int id = 0, joined = 0, small = 4096;
	uint32_t grp = 0, seq = SENTINEL_SEQ;
	struct timeval tv = { .tv_usec = 100000 };
	double last = 0;

	w->fd = nl_open(false, true);
	if (w->fd < 0) {
		perror("genl_abuse: socket");
		exit(2);
	}
	setsockopt(w->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	setsockopt(w->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (!atomic_load(&stop)) {
		ssize_t n;
		struct nlmsghdr *nlh;

		if (now_s() - last > 0.2) {
			int nid = 0;
			uint32_t ngrp = 0;

			last = now_s();
			/*
			 * Events may sit in the queue before the reply: those
			 * are lost to this lookup, which is fine.
			 */
			if (!resolve(w->fd, ++seq, &nid, &ngrp) &&
			    (nid != id || ngrp != grp || !joined)) {
				id = nid;
				grp = ngrp;
				joined = !setsockopt(w->fd, SOL_NETLINK,
						     NETLINK_ADD_MEMBERSHIP,
						     &grp, sizeof(grp));
				w->c.ev_rejoins++;
			}
		}
		n = recv(w->fd, w->rbuf, RECV_MAX, 0);
		if (n < 0) {
			if (errno == ENOBUFS)
				w->c.ev_overruns++;
			continue;
		}
		for (nlh = (void *)w->rbuf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			const char *why;

			if (nlh->nlmsg_type != id || nlh->nlmsg_seq)
				continue;	/* a late lookup reply */
			w->c.events++;
			why = check_tunnel_msg(nlh, true);
			if (why) {
				w->c.malformed++;
				report(why, nlh, nlh->nlmsg_len);
			}
		}
		/* A slow reader: let the queue fill now and then. */
		if (chance(&w->rs, 5))
			usleep(20000);
	}
	close(w->fd);
	return NULL;
}

/* ---- main ---- */

static void add(struct counts *t, const struct counts *c)
{
	const unsigned long long *s = (const void *)c;
	unsigned long long *d = (void *)t;
	size_t i;

	for (i = 0; i < sizeof(*c) / sizeof(*s); i++)
		d[i] += s[i];
}

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop, 1);
}

static void usage(void)
{
	fprintf(stderr, "usage: genl_abuse [-t THREADS] [-d SECONDS] [-s SEED] "
		"[-n NAME,NAME...] [-p USEC] [-u] [-w|-W]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct worker workers[MAX_THREADS + 1];
	pthread_t tids[MAX_THREADS + 1];
	double t0, elapsed;
	char *tok, *save;
	int opt, i;

	seed = time(NULL) ^ getpid();
	while ((opt = getopt(argc, argv, "t:d:s:n:p:uwW")) != -1) {
		switch (opt) {
		case 't':
			nthreads = atoi(optarg);
			if (nthreads < 1 || nthreads > MAX_THREADS)
				usage();
			break;
		case 'd':
			duration = atoi(optarg);
			if (duration < 1)
				usage();
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			for (tok = strtok_r(optarg, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				if (nnames == MAX_NAMES || strlen(tok) >= IFNAMSIZ)
					usage();
				strcpy(names[nnames++], tok);
			}
			break;
		case 'u':
			unpriv = 1;
			break;
		case 'w':
			sweep = 1;
			break;
		case 'W':
			sweep = 2;
			break;
		case 'p':
			pause_us = atoi(optarg);
			if (pause_us < 0)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("seed %llu\n", seed);
	fflush(stdout);

	t0 = now_s();
	for (i = 0; i <= nthreads; i++) {
		struct worker *w = &workers[i];

		w->no = i;
		w->rs = seed * 0x9e3779b97f4a7c15ULL + i + 1;
		w->sbuf = aligned_alloc(4096, SEND_MAX + 4096);
		w->rbuf = aligned_alloc(4096, RECV_MAX);
		if (!w->sbuf || !w->rbuf)
			return 2;
		if (pthread_create(&tids[i], NULL,
				   i < nthreads ? worker_main : listener_main, w)) {
			fprintf(stderr, "genl_abuse: pthread_create failed\n");
			return 2;
		}
	}
	while (!atomic_load(&stop) && now_s() - t0 < duration)
		usleep(50000);
	atomic_store(&stop, 1);
	for (i = 0; i <= nthreads; i++) {
		pthread_join(tids[i], NULL);
		pthread_mutex_lock(&totals_lock);
		add(&totals, &workers[i].c);
		pthread_mutex_unlock(&totals_lock);
	}
	elapsed = now_s() - t0;

#define P(f) printf(#f " %llu\n", totals.f)
	P(sent); P(datagrams); P(sweep); P(replies); P(acks); P(get_replies);
	P(dump_msgs); P(dones); P(resolves); P(absent_waits); P(stale);
	P(lost); P(unframed_replies); P(overruns); P(reopens); P(abandoned); P(set_reached);
	P(set_eperm); P(set_ok); P(hdr_rejected); P(dump_unloading); P(events); P(ev_overruns); P(ev_rejoins);
	P(malformed); P(unexpected);
#undef P
	for (i = 0; i < ERRNO_MAX; i++)
		if (totals.errs[i])
			printf("errno_%s %llu\n", i ? strerrorname_np(i) : "0",
			       totals.errs[i]);
	if (totals.errs_other)
		printf("errno_other %llu\n", totals.errs_other);
	printf("seconds %.1f\n", elapsed);
	printf("msgs_per_s %.0f\n", totals.sent / elapsed);
	return totals.malformed || totals.unexpected ? 1 : 0;
}
