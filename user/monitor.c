// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl monitor: print the dslite "events" multicast group, one line
 * (or one JSON object) per event, until SIGINT/SIGTERM or a count.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dslitectl.h"
#include "genl.h"
#include "json.h"

/* Receive buffer: a burst of events (many tunnels at once) must fit. */
#define MONITOR_RCVBUF	(4 << 20)

static const char *const event_names[] = {
	[DSLITE_EVENT_NONE]	= "none",
	[DSLITE_EVENT_NEW]	= "new",
	[DSLITE_EVENT_DEL]	= "del",
	[DSLITE_EVENT_CARRIER]	= "carrier",
	[DSLITE_EVENT_LINK]	= "link",
	[DSLITE_EVENT_STATE]	= "state",
	[DSLITE_EVENT_PARAMS]	= "params",
};

_Static_assert(sizeof(event_names) / sizeof(event_names[0]) ==
	       DSLITE_EVENT_MAX + 1, "a name for every dslite_event");

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct monitor_state {
	uint64_t count;		/* events to print, 0 for no limit */
	uint64_t seen;
};

void monitor_print_event(const struct tunnel_info *t)
{
	unsigned int fields;
	char num[12];

	print_open_object(NULL);
	if (t->event <= DSLITE_EVENT_MAX) {
		print_string("event", NULL, event_names[t->event]);
	} else {
		snprintf(num, sizeof(num), "%u", t->event);
		print_string("event", NULL, num);
	}
	print_text_name("%s:", t->ifname);
	switch (t->event) {
	case DSLITE_EVENT_NEW:
		print_text(" new");
		fields = TF_REMOTE | TF_LOCAL | TF_CARRIER | TF_FORCED |
			 TF_DIAG | TF_REASON | TF_TRANS_PAREN;
		break;
	case DSLITE_EVENT_DEL:
		print_text(" del");
		fields = 0;
		break;
	case DSLITE_EVENT_CARRIER:
		/* "carrier up|down" comes from the carrier field itself */
		fields = TF_CARRIER | TF_DIAG | TF_REASON | TF_TRANS_PAREN;
		break;
	case DSLITE_EVENT_LINK:
		print_text(" link %s", t->admin_up ? "up" : "down");
		fields = TF_CARRIER | TF_TRANS_PAREN;
		break;
	case DSLITE_EVENT_STATE:
		print_text(" state");
		fields = TF_CARRIER | TF_FORCED | TF_DIAG | TF_REASON |
			 TF_TRANS_PAREN;
		break;
	case DSLITE_EVENT_PARAMS:
		print_text(" params");
		fields = TF_REMOTE | TF_LOCAL;
		break;
	default:
		print_text(" event %u", t->event);
		fields = TF_SHOW;
		break;
	}
	tunnel_print_fields(t, fields);
	print_close_object();
	print_end();
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct monitor_state *st = data;
	struct tunnel_info t;

	if (g->cmd != DSLITE_CMD_TUNNEL_EVENT)
		return 0;
	if (tunnel_parse(nlh, &t))
		return -EBADMSG;
	monitor_print_event(&t);
	st->seen++;
	return st->count && st->seen >= st->count;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: dslitectl [-j] monitor [count N] [ready FILE]\n"
		"       dslitectl monitor help\n"
		"Print one line (with -j: one JSON object) per tunnel event until\n"
		"SIGINT or SIGTERM (exit 2 if dslite.ko is unloaded meanwhile). count N:\n"
		"exit after N events. ready FILE: create FILE once subscribed, so a\n"
		"script can wait for it before it acts.\n");
}

static int run(int argc, char **argv)
{
	const char *what = "monitor";
	struct monitor_state st = {};
	struct watch_opts wo = {};
	struct genl_sock s, ctrl = {};
	struct pollfd pfd[2];
	sigset_t orig;
	int ret;

	for (; argc > 0; argc--, argv++) {
		const char *kw = argv[0];

		if (!watch_kw_is(kw))
			return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
					     "unexpected argument \"%s\" (try \"dslitectl monitor help\")",
					     kw);
		if (need_arg(what, argc, argv))
			return DSLITECTL_EXIT_USAGE;
		argc--, argv++;
		ret = watch_kw(what, kw, argv[0], &wo);
		if (ret)
			return ret;
	}
	st.count = wo.count;

	/* Signals stay blocked except inside ppoll(): none is lost. */
	watch_signals(on_signal, &orig);

	if (genl_open(&s, DSLITE_GENL_NAME) ||
	    genl_join(&s, DSLITE_MCGRP_EVENTS)) {
		ret = genl_perror(&s, what);
		goto out;
	}
	/* dslite.ko unloaded: no event will ever come */
	if (genl_watch_open(&ctrl)) {
		ret = genl_perror(&ctrl, what);
		goto out;
	}
	genl_set_rcvbuf(&s, MONITOR_RCVBUF);

	ret = watch_ready(what, &wo);
	if (ret)
		goto out;

	pfd[0].fd = genl_fd(&s);
	pfd[0].events = POLLIN;
	pfd[1].fd = genl_fd(&ctrl);
	pfd[1].events = POLLIN;
	ret = DSLITECTL_EXIT_OK;
	while (!stop) {
		int r = ppoll(pfd, 2, NULL, &orig);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					    "poll: %s", strerror(errno));
			break;
		}
		if ((pfd[1].revents & POLLIN) &&
		    genl_watch_gone(&ctrl, DSLITE_GENL_NAME)) {
			ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					    "the dslite module was unloaded");
			break;
		}
		if (!(pfd[0].revents & POLLIN))
			continue;
		r = genl_recv(&s, event_cb, &st);
		if (r > 0)
			break;		/* count reached */
		if (r == -ENOBUFS) {
			/* the kernel dropped events: say so, keep going */
			dslitectl_err(0, what, "events lost: %s",
				      strerror(ENOBUFS));
			continue;
		}
		if (r == -EINTR || r == -EAGAIN)
			continue;
		if (r < 0) {
			ret = genl_perror(&s, what);
			break;
		}
	}
out:
	genl_close(&s);
	genl_close(&ctrl);
	return ret;
}

const struct dslitectl_object obj_monitor = {
	.name		= "monitor",
	.summary	= "print tunnel events as they happen",
	.run		= run,
	.usage		= usage,
};
