/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFIPSEC_TOOLS_NL_H
#define NFIPSEC_TOOLS_NL_H

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "nfipsec.h"

/* Called for every reply message; return 0 or a negative errno. */
typedef int (*nfi_reply_fn)(struct nlmsghdr *nlh, struct nlattr **tb,
			    void *arg);

int nfi_nl_open(void);
void nfi_nl_close(void);
struct nl_msg *nfi_msg_new(uint8_t cmd, int flags);
/* Send msg (freed), receive replies until done: 0 or negative errno. */
int nfi_nl_talk(struct nl_msg *msg, nfi_reply_fn fn, void *arg);
/* The kernel's extended-ack text of the last failed request, or "". */
const char *nfi_nl_extack(void);
/* Print the error of a failed request and return the exit status. */
int nfi_nl_fail(const char *what, int err);

#endif
