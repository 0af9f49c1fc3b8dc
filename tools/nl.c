// SPDX-License-Identifier: GPL-2.0
/* Generic netlink plumbing of the nfipsec CLI, on libnl-3. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

#include <netlink/genl/ctrl.h>

#include "nfipsec.h"
#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static struct nl_sock *sk;
static int family;
static int open_err = 1;	/* 1: not opened yet */
static char extack[512];
static unsigned int extack_off;	/* NLMSGERR_ATTR_OFFS, 0: none */
static bool answer_lost;	/* the last request's outcome is unknown */

bool nfi_nl_dump_mode(void)
{
	const char *v = getenv("NFIPSEC_DUMP_REQUEST");

	return v && *v && strcmp(v, "0");
}

/*
 * A test hook of the lab (fault injection): with NFIPSEC_FAIL_NTH=N set,
 * the N-th allocation the kernel tries for each request, from its sending
 * on, fails (/proc/thread-self/fail-nth; the kernel needs
 * CONFIG_FAULT_INJECTION and failslab set to take GFP_KERNEL too). After
 * the request, stderr says whether the failure was injected, and what is
 * left of the count is cleared.
 */
static const char fail_nth_path[] = "/proc/thread-self/fail-nth";
/*
 * Opened before arming and read back through the same descriptor: opening
 * the file after arming would itself allocate, and take the failure.
 */
static int fail_nth_fd = -1;

static void fail_nth_arm(void)
{
	const char *v = getenv("NFIPSEC_FAIL_NTH");

	if (!v || !*v)
		return;
	fail_nth_fd = open(fail_nth_path, O_RDWR | O_CLOEXEC);
	if (fail_nth_fd >= 0 && write(fail_nth_fd, v, strlen(v)) < 0) {
		close(fail_nth_fd);
		fail_nth_fd = -1;
	}
	if (fail_nth_fd < 0)
		/* No "injected" or "not reached" will follow. */
		fprintf(stderr, "nfipsec: fail-nth %s: cannot arm: %s\n", v,
			strerror(errno));
}

static void fail_nth_report(void)
{
	const char *v = getenv("NFIPSEC_FAIL_NTH");
	char buf[32] = "";
	ssize_t n = -1;

	if (!v || !*v || fail_nth_fd < 0)
		return;
	/* The write left the position at 0. */
	n = read(fail_nth_fd, buf, sizeof(buf) - 1);
	if (n > 0 && write(fail_nth_fd, "0", 1) < 0)
		n = -1;
	close(fail_nth_fd);
	fail_nth_fd = -1;
	if (n <= 0)
		fprintf(stderr, "nfipsec: fail-nth %s: cannot read it back\n", v);
	else
		fprintf(stderr, "nfipsec: fail-nth %s: %s\n", v,
			atoi(buf) == 0 ? "injected" : "not reached");
}

static int nl_open(void)
{
	int one = 1, err;

	if (nfi_nl_dump_mode()) {
		family = 0;
		return 0;
	}
	sk = nl_socket_alloc();
	if (!sk) {
		fprintf(stderr, "nfipsec: out of memory\n");
		return -ENOMEM;
	}
	err = genl_connect(sk);
	if (err) {
		fprintf(stderr, "nfipsec: cannot open a netlink socket: %s\n",
			nl_geterror(err));
		return -ENOTCONN;
	}
	/* Ask for the kernel's error text, and no echo of our request. */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	/* Room for a batch's bulk request (BULK_BYTES and one add more). */
	nl_socket_set_buffer_size(sk, 1 << 20, 1 << 17);

	family = genl_ctrl_resolve(sk, NFIPSEC_GENL_NAME);
	if (family < 0) {
		fprintf(stderr,
			"nfipsec: the nfipsec kernel module is not loaded in this kernel (try: modprobe nfipsec)\n");
		return -ENOENT;
	}
	return 0;
}

int nfi_nl_open(void)
{
	if (open_err == 1)
		open_err = nl_open();
	return open_err;
}

void nfi_nl_close(void)
{
	if (sk)
		nl_socket_free(sk);
	sk = NULL;
}

struct nl_msg *nfi_msg_new(uint8_t cmd, int flags)
{
	return nfi_msg_new_size(cmd, flags, 0);
}

struct nl_msg *nfi_msg_new_size(uint8_t cmd, int flags, size_t size)
{
	struct nl_msg *msg;

	/* Opened here, once the command line has been checked. */
	if (nfi_nl_open())
		return NULL;
	msg = size ? nlmsg_alloc_size(size) : nlmsg_alloc();
	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
				flags, cmd, NFIPSEC_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	if (!msg)
		fprintf(stderr, "nfipsec: out of memory\n");
	return msg;
}

struct nlattr *nfi_nest_start(struct nl_msg *msg, int type)
{
	return nla_nest_start(msg, type | NLA_F_NESTED);
}

struct talk {
	nfi_reply_fn fn;
	void *arg;
	int err;	/* 1: waiting, 0: done, < 0: failed */
};

static void save_extack(struct nlmsgerr *e)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*e);
	char *start;
	int len;

	extack[0] = 0;
	extack_off = 0;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	start = (char *)e + off;
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)off;
	if (len <= 0 ||
	    nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)start, len, NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(extack, sizeof(extack), "%.*s",
			 nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_OFFS] && nla_len(tb[NLMSGERR_ATTR_OFFS]) >= 4)
		extack_off = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct talk *t = arg;

	(void)nla;
	save_extack(e);
	t->err = e->error ? e->error : 0;
	return NL_STOP;
}

static int on_done(struct nl_msg *msg, void *arg)
{
	struct talk *t = arg;

	(void)msg;
	if (t->err > 0)
		t->err = 0;
	return NL_STOP;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[NFIPSEC_A_MAX + 1];
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct talk *t = arg;
	int err;

	err = genlmsg_parse(nlh, 0, tb, NFIPSEC_A_MAX, NULL);
	if (err) {
		t->err = -EPROTO;
		return NL_STOP;
	}
	err = t->fn ? t->fn(nlh, tb, t->arg) : 0;
	if (err) {
		t->err = err;
		return NL_STOP;
	}
	return NL_OK;
}

/* Send msg (freed) and take its replies. */
static int talk_now(struct nl_msg *msg, nfi_reply_fn fn, void *arg)
{
	struct talk t = { .fn = fn, .arg = arg, .err = 1 };
	struct nl_cb *cb;
	int err;

	extack[0] = 0;
	extack_off = 0;
	answer_lost = false;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, &t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_done, &t);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &t);

	fail_nth_arm();
	err = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (err < 0) {
		/* Said as the kernel's own messages are (nfi_nl_fail). */
		snprintf(extack, sizeof(extack), "sending: %s", nl_geterror(err));
		fail_nth_report();
		nl_cb_put(cb);
		return -EIO;
	}
	while (t.err > 0) {
		err = nl_recvmsgs(sk, cb);
		if (err < 0 && t.err > 0) {
			/* The request may have been carried out: say so. */
			snprintf(extack, sizeof(extack),
				 "receiving the answer: %s (the command may have been carried out)",
				 nl_geterror(err));
			t.err = -EIO;
			answer_lost = true;
		}
	}
	fail_nth_report();
	nl_cb_put(cb);
	return t.err;
}

/*
 * Batches: the adds of consecutive "policy add" lines wait here and go
 * to the kernel together, in POLICY_NEW_BULK requests; the kernel adds
 * them in order up to the first that fails and points into that one.
 */
#define BULK_MAX	256
#define BULK_BYTES	(32 * 1024)	/* well inside the socket's send buffer */

static struct {
	bool armed;		/* the line being run may be deferred */
	bool unsupported;	/* the module has no POLICY_NEW_BULK */
	int line;		/* the line being run */
	int first, n;		/* pending: [first, n) */
	size_t bytes;
	struct nl_msg *msg[BULK_MAX];
	int line_of[BULK_MAX];
} bulk;

void nfi_nl_bulk_arm(int line)
{
	bulk.armed = true;
	bulk.line = line;
}

void nfi_nl_bulk_disarm(void)
{
	bulk.armed = false;
}

bool nfi_nl_bulk_full(void)
{
	return bulk.n == BULK_MAX || bulk.bytes >= BULK_BYTES;
}

/* Keep msg (a POLICY_NEW without a reply to read) for later: true. */
static bool bulk_defer(struct nl_msg *msg, nfi_reply_fn fn)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	/* Dump mode never gets here: nfi_nl_talk printed the request. */
	if (!bulk.armed || bulk.unsupported || fn || bulk.n == BULK_MAX ||
	    ((struct genlmsghdr *)nlmsg_data(nlh))->cmd != NFIPSEC_CMD_POLICY_NEW)
		return false;
	bulk.msg[bulk.n] = msg;
	bulk.line_of[bulk.n++] = bulk.line;
	bulk.bytes += nlh->nlmsg_len;
	return true;
}

static void bulk_drop(int upto)
{
	while (bulk.first < upto)
		nlmsg_free(bulk.msg[bulk.first++]);
	if (bulk.first == bulk.n) {
		bulk.first = bulk.n = 0;
		bulk.bytes = 0;
	}
}

void nfi_nl_bulk_drop(void)
{
	bulk_drop(bulk.n);
}

/*
 * One request for the pending adds from bulk.first on (as many as fit):
 * 0 when all of them were added, else the error, *failed the index of the
 * add that failed (those before it were added); when the answer was lost,
 * *unknown the index after the last one sent (any of them may have been
 * added), else *failed + 1.
 */
static int bulk_send(int *failed, int *unknown)
{
	unsigned int start[BULK_MAX], end[BULK_MAX];
	struct nlattr *list, *a;
	struct nl_msg *req;
	int i, last, err;

	*failed = bulk.first;
	*unknown = bulk.first + 1;
	extack[0] = 0;	/* no earlier request's text with a local error */
	if (bulk.unsupported) {
		req = bulk.msg[bulk.first];
		bulk.msg[bulk.first] = NULL;	/* talk_now frees it */
		err = talk_now(req, NULL, NULL);
		if (!err)
			bulk_drop(bulk.first + 1);
		return err;
	}
	/* Room for every add that is kept: BULK_BYTES and one more. */
	req = nlmsg_alloc_size(BULK_BYTES + 8192);
	if (!req || !genlmsg_put(req, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
				 0, NFIPSEC_CMD_POLICY_NEW_BULK,
				 NFIPSEC_GENL_VERSION)) {
		nlmsg_free(req);
		fprintf(stderr, "nfipsec: out of memory\n");
		return -ENOMEM;
	}
	list = nfi_nest_start(req, NFIPSEC_A_POLICIES);
	if (!list)
		goto too_large;
	for (i = bulk.first; i < bulk.n; i++) {
		a = nlmsg_find_attr(nlmsg_hdr(bulk.msg[i]), GENL_HDRLEN,
				    NFIPSEC_A_POLICY);
		if (!a) {
			nlmsg_free(req);
			return -EINVAL;
		}
		start[i] = nlmsg_hdr(req)->nlmsg_len;
		if (nla_put(req, NFIPSEC_A_POLICY | NLA_F_NESTED, nla_len(a),
			    nla_data(a)))
			break;
		end[i] = nlmsg_hdr(req)->nlmsg_len;
	}
	if (i == bulk.first)
		goto too_large;
	last = i;
	nla_nest_end(req, list);
	err = talk_now(req, NULL, NULL);
	if (err == -EOPNOTSUPP && !extack_off) {
		/* An older module: one request per add from now on. */
		bulk.unsupported = true;
		return bulk_send(failed, unknown);
	}
	if (err && answer_lost) {
		*unknown = last;
		return err;
	}
	if (!err) {
		bulk_drop(last);
		return 0;
	}
	/* The kernel points into the add that failed. */
	for (i = bulk.first; i < last; i++)
		if (extack_off >= start[i] && extack_off < end[i])
			break;
	if (i == last)
		i = bulk.first;	/* refused as a whole: nothing was added */
	bulk_drop(i);
	*failed = i;
	*unknown = i + 1;
	return err;

too_large:
	nlmsg_free(req);
	fprintf(stderr, "nfipsec: the request is too large\n");
	return -EMSGSIZE;
}

int nfi_nl_bulk_flush(int *line, int *upto)
{
	int err, i, unknown;

	while (bulk.first < bulk.n) {
		err = bulk_send(&i, &unknown);
		if (err) {
			*line = bulk.line_of[i];
			*upto = bulk.line_of[unknown - 1];
			bulk_drop(unknown);
			return err;
		}
	}
	return 0;
}

int nfi_nl_talk(struct nl_msg *msg, nfi_reply_fn fn, void *arg)
{
	extack[0] = 0;
	extack_off = 0;
	if (nfi_nl_dump_mode()) {
		nfi_msg_dump(msg);
		nlmsg_free(msg);
		return 0;
	}
	if (bulk_defer(msg, fn))
		return 0;
	return talk_now(msg, fn, arg);
}

static int no_seq_check(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

int nfi_nl_listen(const char *group, nfi_reply_fn fn, void *arg)
{
	struct talk t = { .fn = fn, .arg = arg, .err = 1 };
	struct nl_cb *cb;
	int grp, err;

	if (nfi_nl_open())
		return -ENOENT;
	grp = genl_ctrl_resolve_grp(sk, NFIPSEC_GENL_NAME, group);
	if (grp < 0) {
		fprintf(stderr,
			"nfipsec: the nfipsec module has no \"%s\" multicast group\n",
			group);
		return -ENOENT;
	}
	nl_socket_disable_seq_check(sk);
	err = nl_socket_add_membership(sk, grp);
	if (err == -NLE_PERM)
		return -EPERM;
	if (err) {
		fprintf(stderr, "nfipsec: cannot join multicast group \"%s\": %s\n",
			group, nl_geterror(err));
		return -EIO;
	}
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &t);
	for (;;) {
		err = nl_recvmsgs(sk, cb);
		if (err == -NLE_NOMEM) {
			/* The receive buffer overran: events were lost. */
			fprintf(stderr, "nfipsec: events lost (receive buffer overrun)\n");
			continue;
		}
		if (err < 0) {
			fprintf(stderr, "nfipsec: receiving events: %s\n",
				nl_geterror(err));
			t.err = -EIO;
		} else if (t.err < 0) {
			fprintf(stderr, "nfipsec: a malformed event: %s\n",
				strerror(-t.err));
		}
		if (t.err <= 0)
			break;
	}
	nl_cb_put(cb);
	return t.err;
}

const char *nfi_nl_extack(void)
{
	return extack;
}

int nfi_nl_fail(const char *what, int err)
{
	if (err == -EPERM && !extack[0]) {
		/* The generic netlink core's refusal (GENL_UNS_ADMIN_PERM). */
		fprintf(stderr,
			"nfipsec: %s: permission denied: CAP_NET_ADMIN is needed in the user namespace that owns this network namespace\n",
			what);
	} else if (extack[0]) {
		fprintf(stderr, "nfipsec: %s: %s (%s)\n", what, extack,
			strerror(-err));
	} else {
		fprintf(stderr, "nfipsec: %s: %s\n", what, strerror(-err));
	}
	return 2;
}
