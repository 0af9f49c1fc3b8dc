/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFIPSEC_TOOLS_NL_H
#define NFIPSEC_TOOLS_NL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "nfipsec.h"

/* Called for every reply message; return 0 or a negative errno. */
typedef int (*nfi_reply_fn)(struct nlmsghdr *nlh, struct nlattr **tb,
			    void *arg);

/*
 * With NFIPSEC_DUMP_REQUEST=1 in the environment the CLI contacts no kernel:
 * nfi_nl_open opens nothing (family id 0) and nfi_nl_talk prints each
 * request to stderr instead of sending it, and succeeds with no reply.
 */
bool nfi_nl_dump_mode(void);
/* Open the socket and resolve the family, once; it prints its errors. */
int nfi_nl_open(void);
void nfi_nl_close(void);
/* A request (NULL when out of memory or nfi_nl_open fails: printed). */
struct nl_msg *nfi_msg_new(uint8_t cmd, int flags);
/* The same, size bytes long (0: libnl's default, a page). */
struct nl_msg *nfi_msg_new_size(uint8_t cmd, int flags, size_t size);
/*
 * nla_put, writing what libnl's writes (the attribute, its padding zeroed,
 * at the message's aligned end), inline: the attributes of a batch's lines
 * are many, and libnl's takes a few calls each. What does not fit is left
 * to nla_put (its error).
 */
static inline int nfi_put(struct nl_msg *msg, int type, size_t len,
			  const void *data)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	size_t at = NLMSG_ALIGN(nlh->nlmsg_len);
	struct nlattr *nla = (struct nlattr *)((char *)nlh + at);

	if (len > 0xffff - NLA_HDRLEN ||
	    at + NLA_HDRLEN + NLA_ALIGN(len) > nlmsg_get_max_size(msg))
		return nla_put(msg, type, (int)len, data);
	nla->nla_type = (uint16_t)type;
	nla->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len) {
		memcpy((char *)nla + NLA_HDRLEN, data, len);
		memset((char *)nla + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	}
	nlh->nlmsg_len = (uint32_t)(at + NLA_HDRLEN + NLA_ALIGN(len));
	return 0;
}

static inline int nfi_put_u8(struct nl_msg *msg, int type, uint8_t v)
{
	return nfi_put(msg, type, sizeof(v), &v);
}

static inline int nfi_put_u16(struct nl_msg *msg, int type, uint16_t v)
{
	return nfi_put(msg, type, sizeof(v), &v);
}

static inline int nfi_put_u32(struct nl_msg *msg, int type, uint32_t v)
{
	return nfi_put(msg, type, sizeof(v), &v);
}

/* nla_nest_start, with NLA_F_NESTED whatever the libnl version. */
struct nlattr *nfi_nest_start(struct nl_msg *msg, int type);
/*
 * nla_nest_end: the nest's length set; an empty or oversized nest, or a
 * message not ending aligned, as libnl's (its version's) handles them.
 */
int nfi_nest_end(struct nl_msg *msg, struct nlattr *nest);
/* Send msg (freed), receive replies until done: 0 or negative errno. */
int nfi_nl_talk(struct nl_msg *msg, nfi_reply_fn fn, void *arg);
/*
 * Join multicast group and pass each message to fn, until an error: it
 * prints the error, but for -EPERM (for nfi_nl_fail), and returns it.
 */
int nfi_nl_listen(const char *group, nfi_reply_fn fn, void *arg);
/*
 * Batches (-b): while armed for a line, a POLICY_NEW without a reply to
 * read is kept (nfi_nl_talk returns 0) to go with the next ones in one
 * POLICY_NEW_BULK request. nfi_nl_bulk_flush sends what is kept: 0 when
 * all were added; else the error of the first that failed (extack set,
 * as nfi_nl_fail prints it), *line its line, those before it added,
 * those after it still kept (flush again, or drop them). When the answer
 * was lost, *upto is the last line of the request (any of the lines from
 * *line to it may have been added: the batch cannot go on), else *line.
 */
void nfi_nl_bulk_arm(int line);
void nfi_nl_bulk_disarm(void);
bool nfi_nl_bulk_full(void);
int nfi_nl_bulk_flush(int *line, int *upto);
void nfi_nl_bulk_drop(void);
/* Print msg to stderr, decoded (dump mode). */
void nfi_msg_dump(struct nl_msg *msg);
/* The kernel's extended-ack text of the last failed request, or "". */
const char *nfi_nl_extack(void);
/* Print the error of a failed request and return the exit status. */
int nfi_nl_fail(const char *what, int err);

#endif
