// SPDX-License-Identifier: GPL-2.0
/* nfipsec policy ... (ip xfrm policy) */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *const dir_names[NFIPSEC_DIR_MAX + 1] = {
	[NFIPSEC_DIR_IN] = "in",
	[NFIPSEC_DIR_OUT] = "out",
	[NFIPSEC_DIR_FWD] = "fwd",
};

static int print_policy(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	struct nlattr *pol[NFIPSEC_POLICY_A_MAX + 1];
	int *count = arg;

	(void)nlh;
	if (!tb[NFIPSEC_A_POLICY] ||
	    nla_parse_nested(pol, NFIPSEC_POLICY_A_MAX, tb[NFIPSEC_A_POLICY],
			     NULL))
		return -EPROTO;
	(*count)++;
	if (nfi_json)
		jw_open_object(NULL);
	if (pol[NFIPSEC_POLICY_A_DIR]) {
		uint8_t d = nla_get_u8(pol[NFIPSEC_POLICY_A_DIR]);
		const char *name = d <= NFIPSEC_DIR_MAX ? dir_names[d] : "?";

		if (nfi_json)
			jw_string("dir", name);
		else
			printf("\tdir %s", name);
	}
	if (nfi_json)
		jw_close_object();
	else
		putchar('\n');
	return 0;
}

static int policy_list(int argc, char **argv)
{
	struct nl_msg *msg;
	struct nlattr *nest;
	int dir = -1, count = 0, err, i;

	for (; argc > 0; argc--, argv++) {
		if (!strcmp(argv[0], "dir") && argc > 1) {
			for (i = 0; i <= NFIPSEC_DIR_MAX; i++)
				if (!strcmp(argv[1], dir_names[i]))
					dir = i;
			if (dir < 0)
				return nfi_usage_error("dir: \"%s\" is not in, out or fwd",
						       argv[1]);
			argc--, argv++;
		} else {
			return nfi_usage_error("policy list: unexpected \"%s\"",
					       argv[0]);
		}
	}

	msg = nfi_msg_new(NFIPSEC_CMD_POLICY_GET, NLM_F_DUMP);
	if (!msg)
		return 2;
	if (dir >= 0) {
		nest = nla_nest_start(msg, NFIPSEC_A_POLICY);
		if (!nest || nla_put_u8(msg, NFIPSEC_POLICY_A_DIR, dir)) {
			nlmsg_free(msg);
			return 2;
		}
		nla_nest_end(msg, nest);
	}
	if (nfi_json)
		jw_open_array(NULL);
	err = nfi_nl_talk(msg, print_policy, &count);
	if (nfi_json) {
		jw_close_array();
		jw_end();
	}
	return err ? nfi_nl_fail("policy list", err) : 0;
}

int do_policy(int argc, char **argv)
{
	if (argc < 1 || nfi_matches(argv[0], "list") ||
	    nfi_matches(argv[0], "show"))
		return policy_list(argc ? argc - 1 : 0, argv + (argc ? 1 : 0));
	return nfi_usage_error("unknown policy command \"%s\"", argv[0]);
}
