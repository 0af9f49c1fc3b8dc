// SPDX-License-Identifier: GPL-2.0
/* Generic netlink plumbing of the nfipsec CLI, on libnl-3. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include <netlink/genl/ctrl.h>

#include "nfipsec.h"
#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static struct nl_sock *sk;
static int family;
static char extack[512];

int nfi_nl_open(void)
{
	int one = 1, err;

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
	nl_socket_set_buffer_size(sk, 1 << 20, 0);

	family = genl_ctrl_resolve(sk, NFIPSEC_GENL_NAME);
	if (family < 0) {
		fprintf(stderr,
			"nfipsec: the nfipsec kernel module is not loaded in this kernel (try: modprobe nfipsec)\n");
		return -ENOENT;
	}
	return 0;
}

void nfi_nl_close(void)
{
	nl_socket_free(sk);
	sk = NULL;
}

struct nl_msg *nfi_msg_new(uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
				flags, cmd, NFIPSEC_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	if (!msg)
		fprintf(stderr, "nfipsec: out of memory\n");
	return msg;
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

int nfi_nl_talk(struct nl_msg *msg, nfi_reply_fn fn, void *arg)
{
	struct talk t = { .fn = fn, .arg = arg, .err = 1 };
	struct nl_cb *cb;
	int err;

	extack[0] = 0;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, &t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_done, &t);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &t);

	err = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (err < 0) {
		nl_cb_put(cb);
		return -EIO;
	}
	while (t.err > 0) {
		err = nl_recvmsgs(sk, cb);
		if (err < 0 && t.err > 0)
			t.err = -EIO;
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
	if (err == -EPERM) {
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
