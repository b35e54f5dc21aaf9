/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslitectl: generic netlink over libmnl.
 *
 *	struct genl_sock s;
 *
 *	if (genl_open(&s, DSLITE_GENL_NAME))
 *		return genl_perror(&s, "tunnel show");
 *	nlh = genl_request(&s, DSLITE_CMD_TUNNEL_GET, NLM_F_DUMP);
 *	if (genl_talk(&s, nlh, reply_cb, &state))
 *		ret = genl_perror(&s, "tunnel show");
 *	genl_close(&s);
 *
 * genl_open() resolves the family id and its multicast groups through
 * nlctrl and sets NETLINK_EXT_ACK and NETLINK_CAP_ACK, so errors come back
 * with the kernel's extack message (and, for an attribute that failed the
 * policy, its offset, which genl_perror() turns into the attribute's name).
 * Every function returns 0 or a negative errno and fills s->err;
 * genl_perror() prints it as one "dslitectl: what: why" line and returns
 * DSLITECTL_EXIT_ERROR.
 */
#ifndef DSLITECTL_GENL_H
#define DSLITECTL_GENL_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/genetlink.h>
#include <libmnl/libmnl.h>

#define GENL_MAX_GROUPS		8
/* Large enough for any dump skb the kernel builds (it caps them at 32 KiB). */
#define GENL_RX_SIZE		32768
#define GENL_TX_SIZE		8192

struct genl_error {
	int err;		/* positive errno, 0 when there was no error */
	char msg[256];		/* kernel extack message or local detail */
	int bad_attr;		/* attribute at the extack offset, or -1 */
	int miss_attr;		/* missing attribute (MISS_TYPE), or -1 */
	bool no_family;		/* the family is not registered */
};

struct genl_group {
	char name[GENL_NAMSIZ];
	uint32_t id;
};

struct genl_sock {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	const char *family;
	uint16_t family_id;
	uint32_t version;
	struct genl_group groups[GENL_MAX_GROUPS];
	int n_groups;
	struct nlmsghdr *req;	/* the last request, for extack offsets */
	bool dump_intr;		/* the last dump saw NLM_F_DUMP_INTR */
	char *tx;
	char *rx;
	struct genl_error err;
};

/*
 * genl_nlmsg_ok(h, len): mnl_nlmsg_ok(), and the message's length within
 * len. libmnl 1.0.4 compares (int)nlmsg_len <= len, so a length above
 * INT_MAX passes as negative and mnl_nlmsg_next() then jumps out of the
 * buffer; loops over received datagrams use this instead.
 */
static inline bool genl_nlmsg_ok(const struct nlmsghdr *h, int len)
{
	return mnl_nlmsg_ok(h, len) && h->nlmsg_len <= (uint32_t)len;
}

/* genl_msg_cb: one message of the family; 0 goes on, <0 (errno) stops. */
typedef int (*genl_msg_cb)(const struct nlmsghdr *nlh, void *data);

int genl_open(struct genl_sock *s, const char *family);
void genl_close(struct genl_sock *s);

/*
 * genl_request(s, cmd, flags): start a request of the family in the
 * socket's transmit buffer, with NLM_F_REQUEST, and NLM_F_ACK unless flags
 * has NLM_F_DUMP. Add attributes with mnl_attr_put_*_check(nlh,
 * GENL_TX_SIZE, ...).
 */
struct nlmsghdr *genl_request(struct genl_sock *s, uint8_t cmd,
			      uint16_t flags);

/*
 * genl_talk(s, nlh, cb, data): send nlh and call cb for every reply of
 * the family until the ACK, the end of the dump, or an error.
 */
int genl_talk(struct genl_sock *s, struct nlmsghdr *nlh, genl_msg_cb cb,
	      void *data);

/* genl_join(s, group): subscribe to a multicast group of the family. */
int genl_join(struct genl_sock *s, const char *group);

/* genl_set_rcvbuf(s, bytes): a larger receive buffer (forced if root). */
void genl_set_rcvbuf(struct genl_sock *s, int bytes);

int genl_fd(const struct genl_sock *s);

/*
 * genl_recv(s, cb, data): read one datagram and call cb for each message
 * of the family in it. Returns 0, the first non-zero value cb returned,
 * or a negative errno (-EINTR on a signal, -ENOBUFS when the kernel had
 * to drop messages because the receive buffer was full).
 */
int genl_recv(struct genl_sock *s, genl_msg_cb cb, void *data);

/*
 * genl_watch_open(ctrl): ctrl, a socket of the nlctrl family subscribed to
 * its "notify" group. genl_watch_gone(ctrl, family): read one datagram
 * (the socket must be readable); true when it says family was removed
 * (its module unloaded).
 *
 * genl_watch_event(ctrl, family): read every queued datagram of a
 * non-blocking ctrl; the last thing said about family: GENL_WATCH_GONE
 * (removed), GENL_WATCH_NEW (registered again: its id and groups must be
 * resolved anew), GENL_WATCH_NONE, or GENL_WATCH_LOST when notifications
 * were dropped (the caller looks the family up itself).
 */
enum {
	GENL_WATCH_NONE,
	GENL_WATCH_GONE,
	GENL_WATCH_NEW,
	GENL_WATCH_LOST,
};

int genl_watch_open(struct genl_sock *ctrl);
bool genl_watch_gone(struct genl_sock *ctrl, const char *family);
int genl_watch_event(struct genl_sock *ctrl, const char *family);

/* genl_perror(s, what): print s->err as "dslitectl: what: why". */
int genl_perror(const struct genl_sock *s, const char *what);

/* genl_fail(s, err, fmt, ...): record a local error; returns -err. */
int genl_fail(struct genl_sock *s, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* genl_attr_name(type): the dslite attribute's name as dslitectl says it. */
const char *genl_attr_name(int type);

#endif /* DSLITECTL_GENL_H */
