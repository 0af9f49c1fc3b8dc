// SPDX-License-Identifier: GPL-2.0
/*
 * fakenl.so: a stand-in for the kernel's side of the CLI's netlink socket,
 * for measuring and checking the CLI where no nfipsec module is loaded
 * (LD_PRELOAD=./fakenl.so ./nfipsec ...; see batchbench.sh). The CLI runs
 * as it does against a kernel, batches included, down to the socket
 * calls; these answer for the kernel:
 *
 *   - the generic netlink controller's GETFAMILY gives "nfipsec" family
 *     id FAKE_FAMILY;
 *   - every request of that family is acked (error 0), and replies to none;
 *   - NFIPSEC_FAKE_FAIL=N: the N-th policy sent (counting the entries of
 *     POLICY_NEW_BULK and single POLICY_NEWs, from 1) fails with -EEXIST,
 *     an extack text and, in a bulk request, the offset of its nest (those
 *     before it count as added, those after it as not tried), as the
 *     module does; the policies sent again after it count on from there;
 *   - NFIPSEC_FAKE_NOBULK=1: POLICY_NEW_BULK fails with -EOPNOTSUPP
 *     without extack, as an older module;
 *   - NFIPSEC_FAKE_LOG=FILE: every request, as sent, is written to FILE,
 *     with its port id zeroed and its sequence number made relative to the
 *     first request's (both are libnl's, and differ from run to run).
 *
 * Only the one netlink socket is faked; every other call goes to libc.
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nfipsec.h"

#define FAKE_FAMILY	0x42

static int fake_fd = -1;
static uint32_t fake_pid;
static uint32_t first_seq;
static bool seen_first;
static FILE *log_file;
static long policies_sent;	/* policies the fake kernel has tried */

/* Replies waiting to be read, one datagram each. */
static struct {
	size_t len;
	unsigned char buf[1024];
} queue[8];
static int q_head, q_n;

static void *real(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

int socket(int domain, int type, int protocol)
{
	static int (*fn)(int, int, int);

	if (domain == AF_NETLINK && fake_fd < 0) {
		/* Any descriptor: nothing reaches it. */
		fake_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		return fake_fd;
	}
	if (!fn)
		fn = real("socket");
	return fn(domain, type, protocol);
}

int close(int fd)
{
	static int (*fn)(int);

	if (fd == fake_fd && fd >= 0)
		fake_fd = -1;
	if (!fn)
		fn = real("close");
	return fn(fd);
}

int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	static int (*fn)(int, const struct sockaddr *, socklen_t);

	if (fd == fake_fd) {
		fake_pid = ((const struct sockaddr_nl *)sa)->nl_pid;
		if (!fake_pid)
			fake_pid = (uint32_t)getpid();
		return 0;
	}
	if (!fn)
		fn = real("bind");
	return fn(fd, sa, len);
}

int getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	static int (*fn)(int, struct sockaddr *, socklen_t *);

	if (fd == fake_fd) {
		struct sockaddr_nl nl = {
			.nl_family = AF_NETLINK, .nl_pid = fake_pid,
		};

		memcpy(sa, &nl, *len < sizeof(nl) ? *len : sizeof(nl));
		*len = sizeof(nl);
		return 0;
	}
	if (!fn)
		fn = real("getsockname");
	return fn(fd, sa, len);
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	static int (*fn)(int, int, int, const void *, socklen_t);

	if (fd == fake_fd)
		return 0;
	if (!fn)
		fn = real("setsockopt");
	return fn(fd, level, name, val, len);
}

static unsigned char *enqueue(size_t len)
{
	int i = (q_head + q_n) % 8;

	if (q_n == 8 || len > sizeof(queue[i].buf)) {
		fprintf(stderr, "fakenl: reply queue full\n");
		abort();
	}
	q_n++;
	queue[i].len = len;
	memset(queue[i].buf, 0, len);
	return queue[i].buf;
}

static struct nlattr *put_attr(unsigned char *at, int type, const void *data,
			       int len)
{
	struct nlattr *a = (struct nlattr *)at;

	a->nla_type = (uint16_t)type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy(at + NLA_HDRLEN, data, (size_t)len);
	return a;
}

/* An NLMSG_ERROR for req (its header only: NETLINK_CAP_ACK). */
static void reply_error(const struct nlmsghdr *req, int error,
			const char *msg, uint32_t offs)
{
	size_t tlv = msg ? NLA_ALIGN(NLA_HDRLEN + strlen(msg) + 1) +
			   (offs ? NLA_HDRLEN + 4 : 0) : 0;
	size_t len = NLMSG_HDRLEN + sizeof(struct nlmsgerr) + tlv;
	unsigned char *p = enqueue(len);
	struct nlmsghdr *nlh = (struct nlmsghdr *)p;
	struct nlmsgerr *e = NLMSG_DATA(nlh);

	nlh->nlmsg_len = (uint32_t)len;
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED | (msg ? NLM_F_ACK_TLVS : 0);
	nlh->nlmsg_seq = req->nlmsg_seq;
	nlh->nlmsg_pid = req->nlmsg_pid;
	e->error = error;
	e->msg = *req;
	if (msg) {
		unsigned char *at = (unsigned char *)(e + 1);

		put_attr(at, NLMSGERR_ATTR_MSG, msg, (int)strlen(msg) + 1);
		at += NLA_ALIGN(NLA_HDRLEN + strlen(msg) + 1);
		if (offs)
			put_attr(at, NLMSGERR_ATTR_OFFS, &offs, 4);
	}
}

static void reply_family(const struct nlmsghdr *req)
{
	static const char name[] = NFIPSEC_GENL_NAME;
	uint16_t id = FAKE_FAMILY;
	uint32_t version = NFIPSEC_GENL_VERSION, hdrsize = 0, maxattr = 1;
	size_t len = NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(NLA_HDRLEN + 2) +
		     NLA_ALIGN(NLA_HDRLEN + sizeof(name)) + 3 * (NLA_HDRLEN + 4);
	unsigned char *p = enqueue(len), *at;
	struct nlmsghdr *nlh = (struct nlmsghdr *)p;
	struct genlmsghdr *g = NLMSG_DATA(nlh);

	nlh->nlmsg_len = (uint32_t)len;
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_seq = req->nlmsg_seq;
	nlh->nlmsg_pid = req->nlmsg_pid;
	g->cmd = CTRL_CMD_NEWFAMILY;
	g->version = 2;
	at = p + NLMSG_HDRLEN + GENL_HDRLEN;
	put_attr(at, CTRL_ATTR_FAMILY_ID, &id, 2);
	at += NLA_ALIGN(NLA_HDRLEN + 2);
	put_attr(at, CTRL_ATTR_FAMILY_NAME, name, sizeof(name));
	at += NLA_ALIGN(NLA_HDRLEN + sizeof(name));
	put_attr(at, CTRL_ATTR_VERSION, &version, 4);
	at += NLA_HDRLEN + 4;
	put_attr(at, CTRL_ATTR_HDRSIZE, &hdrsize, 4);
	at += NLA_HDRLEN + 4;
	put_attr(at, CTRL_ATTR_MAXATTR, &maxattr, 4);
}

static long env_long(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? atol(v) : 0;
}

/* A POLICY_NEW_BULK: its entries tried in order, up to NFIPSEC_FAKE_FAIL's. */
static void reply_bulk(const struct nlmsghdr *req)
{
	const unsigned char *base = (const unsigned char *)req;
	const struct nlattr *list, *a;
	long fail = env_long("NFIPSEC_FAKE_FAIL");
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN, end;

	if (env_long("NFIPSEC_FAKE_NOBULK")) {
		reply_error(req, -EOPNOTSUPP, NULL, 0);
		return;
	}
	list = (const struct nlattr *)(base + off);
	end = off + list->nla_len;
	for (off += NLA_HDRLEN; off < end; off += NLA_ALIGN(a->nla_len)) {
		a = (const struct nlattr *)(base + off);
		if (++policies_sent == fail) {
			reply_error(req, -EEXIST, "fake: the policy exists",
				    (uint32_t)off);
			return;
		}
	}
	reply_error(req, 0, NULL, 0);
}

static void take_request(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *g = NLMSG_DATA(nlh);

	if (log_file || getenv("NFIPSEC_FAKE_LOG")) {
		struct nlmsghdr copy = *nlh;

		if (!log_file)
			log_file = fopen(getenv("NFIPSEC_FAKE_LOG"), "w");
		if (!seen_first)
			first_seq = nlh->nlmsg_seq;
		copy.nlmsg_seq -= first_seq;
		copy.nlmsg_pid = 0;
		if (log_file) {
			fwrite(&copy, sizeof(copy), 1, log_file);
			fwrite(nlh + 1, nlh->nlmsg_len - sizeof(copy), 1,
			       log_file);
		}
	}
	seen_first = true;
	if (nlh->nlmsg_type == GENL_ID_CTRL && g->cmd == CTRL_CMD_GETFAMILY) {
		reply_family(nlh);
	} else if (nlh->nlmsg_type == FAKE_FAMILY &&
		   g->cmd == NFIPSEC_CMD_POLICY_NEW_BULK) {
		reply_bulk(nlh);
		return;
	} else if (nlh->nlmsg_type == FAKE_FAMILY &&
		   g->cmd == NFIPSEC_CMD_POLICY_NEW &&
		   ++policies_sent == env_long("NFIPSEC_FAKE_FAIL")) {
		reply_error(nlh, -EEXIST, "fake: the policy exists", 0);
		return;
	}
	if (nlh->nlmsg_flags & NLM_F_ACK)
		reply_error(nlh, 0, NULL, 0);
}

ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
	static ssize_t (*fn)(int, const struct msghdr *, int);
	static unsigned char *buf;
	static size_t cap;
	size_t len = 0, off;
	size_t i;

	if (fd != fake_fd) {
		if (!fn)
			fn = real("sendmsg");
		return fn(fd, m, flags);
	}
	for (i = 0; i < m->msg_iovlen; i++)
		len += m->msg_iov[i].iov_len;
	if (len > cap) {
		cap = len;
		buf = realloc(buf, cap);
		if (!buf)
			abort();
	}
	for (i = 0, off = 0; i < m->msg_iovlen; i++) {
		memcpy(buf + off, m->msg_iov[i].iov_base, m->msg_iov[i].iov_len);
		off += m->msg_iov[i].iov_len;
	}
	for (off = 0; off + NLMSG_HDRLEN <= len;) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(buf + off);

		if (nlh->nlmsg_len < NLMSG_HDRLEN || off + nlh->nlmsg_len > len)
			break;
		take_request(nlh);
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	return (ssize_t)len;
}

ssize_t sendto(int fd, const void *data, size_t len, int flags,
	       const struct sockaddr *sa, socklen_t salen)
{
	static ssize_t (*fn)(int, const void *, size_t, int,
			     const struct sockaddr *, socklen_t);
	struct iovec iov = { (void *)data, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd == fake_fd)
		return sendmsg(fd, &m, flags);
	if (!fn)
		fn = real("sendto");
	return fn(fd, data, len, flags, sa, salen);
}

ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
	static ssize_t (*fn)(int, struct msghdr *, int);
	size_t len, room;

	if (fd != fake_fd) {
		if (!fn)
			fn = real("recvmsg");
		return fn(fd, m, flags);
	}
	if (!q_n) {
		/* The kernel would block here: nothing will ever come. */
		fprintf(stderr, "fakenl: a read with no reply waiting\n");
		errno = EAGAIN;
		return -1;
	}
	len = queue[q_head].len;
	room = m->msg_iovlen ? m->msg_iov[0].iov_len : 0;
	memcpy(m->msg_iov[0].iov_base, queue[q_head].buf, len < room ? len : room);
	m->msg_flags = len > room ? MSG_TRUNC : 0;
	if (m->msg_name && m->msg_namelen >= sizeof(struct sockaddr_nl)) {
		struct sockaddr_nl nl = { .nl_family = AF_NETLINK };

		memcpy(m->msg_name, &nl, sizeof(nl));
		m->msg_namelen = sizeof(nl);
	}
	m->msg_controllen = 0;
	if (!(flags & MSG_PEEK)) {
		q_head = (q_head + 1) % 8;
		q_n--;
	}
	return (ssize_t)((flags & MSG_TRUNC) || len < room ? len : room);
}
