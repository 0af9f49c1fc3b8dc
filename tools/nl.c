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
	/* Asked for each request: a batch's lines would scan environ each. */
	static int dump = -1;

	if (dump < 0) {
		const char *v = getenv("NFIPSEC_DUMP_REQUEST");

		dump = v && *v && strcmp(v, "0");
	}
	return dump;
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

/*
 * A message that a batch kept the bytes of (bulk_defer), for the next
 * request of a given size to be built in: a batch's adds then take no
 * allocation (and no zeroing of a new buffer) each.
 */
static struct nl_msg *spare;

static void bulk_free(void);

void nfi_nl_close(void)
{
	if (sk)
		nl_socket_free(sk);
	sk = NULL;
	bulk_free();
	nlmsg_free(spare);
	spare = NULL;
}

struct nl_msg *nfi_msg_new(uint8_t cmd, int flags)
{
	return nfi_msg_new_size(cmd, flags, 0);
}

/*
 * msg emptied, as new (calloc'd) for genlmsg_put, which sets the headers'
 * fields but not the generic header's reserved one. Beyond the headers,
 * nothing is read that was not written since (attributes are written
 * whole, their padding zeroed).
 */
static struct nl_msg *msg_empty(struct nl_msg *msg)
{
	memset(nlmsg_hdr(msg), 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlmsg_hdr(msg)->nlmsg_len = NLMSG_HDRLEN;
	return msg;
}

/* The spare message, emptied, when it has size bytes of room. */
static struct nl_msg *spare_take(size_t size)
{
	struct nl_msg *msg = spare;

	if (!msg || !size || nlmsg_get_max_size(msg) < size)
		return NULL;
	spare = NULL;
	return msg_empty(msg);
}

struct nl_msg *nfi_msg_new_size(uint8_t cmd, int flags, size_t size)
{
	struct nl_msg *msg;

	/* Opened here, once the command line has been checked. */
	if (nfi_nl_open())
		return NULL;
	msg = spare_take(size);
	if (!msg)
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
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *nest = (struct nlattr *)((char *)nlh +
						NLMSG_ALIGN(nlh->nlmsg_len));

	return nfi_put(msg, type | NLA_F_NESTED, 0, NULL) ? NULL : nest;
}

int nfi_nest_end(struct nl_msg *msg, struct nlattr *nest)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	size_t len = (size_t)((char *)nlh + nlh->nlmsg_len - (char *)nest);

	if (len == NLA_HDRLEN || len > 0xffff ||
	    nlh->nlmsg_len != NLMSG_ALIGN(nlh->nlmsg_len))
		return nla_nest_end(msg, nest);
	nest->nla_len = (uint16_t)len;
	return 0;
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
_Static_assert(BULK_MAX <= NFIPSEC_POLICY_BULK_MAX, "the kernel's bound");

/*
 * The pending adds are kept as the bytes of their requests, one after
 * another in buf (each nl_msg is freed once copied: a batch's lines then
 * reuse the same memory instead of holding 256 messages each).
 */
static struct {
	bool armed;		/* the line being run may be deferred */
	bool unsupported;	/* the module has no POLICY_NEW_BULK */
	int line;		/* the line being run */
	int first, n;		/* pending: [first, n) */
	size_t bytes;
	unsigned char *buf;	/* the requests of [0, n) */
	size_t used, cap;
	size_t at[BULK_MAX];	/* where each request starts in buf */
	int line_of[BULK_MAX];
	struct nl_msg *req;	/* the last bulk request, for the next */
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

static struct nlmsghdr *bulk_msg(int i)
{
	return (struct nlmsghdr *)(bulk.buf + bulk.at[i]);
}

/*
 * Keep msg's bytes (a POLICY_NEW without a reply to read; msg stays the
 * caller's) for later: 1, or 0 when it is not one to keep, -ENOMEM.
 */
static int bulk_defer(struct nl_msg *msg, nfi_reply_fn fn)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	size_t need = bulk.used + NLMSG_ALIGN(nlh->nlmsg_len);

	/* Dump mode never gets here: nfi_nl_talk printed the request. */
	if (!bulk.armed || bulk.unsupported || fn || bulk.n == BULK_MAX ||
	    ((struct genlmsghdr *)nlmsg_data(nlh))->cmd != NFIPSEC_CMD_POLICY_NEW)
		return 0;
	if (need > bulk.cap) {
		/* Room for a full BULK_BYTES and one add more, at first. */
		size_t cap = bulk.cap ? 2 * bulk.cap : BULK_BYTES + 8192;
		unsigned char *buf;

		while (cap < need)
			cap *= 2;
		buf = realloc(bulk.buf, cap);
		if (!buf)
			return -ENOMEM;	/* nfi_nl_fail says it */
		bulk.buf = buf;
		bulk.cap = cap;
	}
	memcpy(bulk.buf + bulk.used, nlh, nlh->nlmsg_len);
	bulk.at[bulk.n] = bulk.used;
	bulk.used = need;
	bulk.line_of[bulk.n++] = bulk.line;
	bulk.bytes += nlh->nlmsg_len;
	return 1;
}

static void bulk_drop(int upto)
{
	bulk.first = upto;
	if (bulk.first == bulk.n) {
		bulk.first = bulk.n = 0;
		bulk.bytes = 0;
		bulk.used = 0;
	}
}

void nfi_nl_bulk_drop(void)
{
	bulk_drop(bulk.n);
}

static void bulk_free(void)
{
	bulk_drop(bulk.n);
	free(bulk.buf);
	bulk.buf = NULL;
	bulk.cap = 0;
	nlmsg_free(bulk.req);
	bulk.req = NULL;
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
		/* A copy, as nfi_msg_new gave it (talk_now frees it). */
		req = nlmsg_convert(bulk_msg(bulk.first));
		if (!req) {
			fprintf(stderr, "nfipsec: out of memory\n");
			return -ENOMEM;
		}
		err = talk_now(req, NULL, NULL);
		if (!err)
			bulk_drop(bulk.first + 1);
		return err;
	}
	/*
	 * Room for every add that is kept: BULK_BYTES and one more. The
	 * same message each time (a new one is 40 KiB to allocate and zero).
	 */
	req = bulk.req ? msg_empty(bulk.req) :
			 nlmsg_alloc_size(BULK_BYTES + 8192);
	bulk.req = NULL;
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
		a = nlmsg_find_attr(bulk_msg(i), GENL_HDRLEN, NFIPSEC_A_POLICY);
		if (!a) {
			nlmsg_free(req);
			return -EINVAL;
		}
		start[i] = nlmsg_hdr(req)->nlmsg_len;
		if (nfi_put(req, NFIPSEC_A_POLICY | NLA_F_NESTED,
			    (size_t)nla_len(a), nla_data(a)))
			break;
		end[i] = nlmsg_hdr(req)->nlmsg_len;
	}
	if (i == bulk.first)
		goto too_large;
	last = i;
	nfi_nest_end(req, list);
	nlmsg_get(req);		/* talk_now frees one reference */
	bulk.req = req;
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
	int err;

	extack[0] = 0;
	extack_off = 0;
	if (nfi_nl_dump_mode()) {
		nfi_msg_dump(msg);
		nlmsg_free(msg);
		return 0;
	}
	err = bulk_defer(msg, fn);
	if (err > 0 && !spare) {
		spare = msg;	/* its bytes are kept: the next add's */
		return 0;
	}
	if (err) {
		nlmsg_free(msg);
		return err < 0 ? err : 0;
	}
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
