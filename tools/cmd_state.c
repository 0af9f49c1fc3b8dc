// SPDX-License-Identifier: GPL-2.0
/* nfipsec state ... (ip xfrm state) */

#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *proto_name(uint8_t proto, char *buf, size_t len)
{
	if (proto == IPPROTO_ESP)
		return "esp";
	if (proto == IPPROTO_AH)
		return "ah";
	snprintf(buf, len, "%u", proto);
	return buf;
}

/* "esp", "ah" or a protocol number; the kernel judges the number. */
static int parse_proto(const char *arg, uint8_t *proto)
{
	unsigned long v;
	char *end;

	if (!strcmp(arg, "esp")) {
		*proto = IPPROTO_ESP;
		return 0;
	}
	if (!strcmp(arg, "ah")) {
		*proto = IPPROTO_AH;
		return 0;
	}
	v = strtoul(arg, &end, 0);
	if (*arg && !*end && v <= 255) {
		*proto = (uint8_t)v;
		return 0;
	}
	return -EINVAL;
}

static int parse_spi(const char *arg, uint32_t *spi)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (!*arg || *end || errno || v > 0xffffffffULL)
		return -EINVAL;
	*spi = (uint32_t)v;
	return 0;
}

static int print_sa(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	struct nlattr *sa[NFIPSEC_SA_A_MAX + 1];
	char buf[8];
	int *count = arg;

	(void)nlh;
	if (!tb[NFIPSEC_A_SA] ||
	    nla_parse_nested(sa, NFIPSEC_SA_A_MAX, tb[NFIPSEC_A_SA], NULL))
		return -EPROTO;
	(*count)++;
	if (nfi_json)
		jw_open_object(NULL);
	if (sa[NFIPSEC_SA_A_PROTO]) {
		const char *p = proto_name(nla_get_u8(sa[NFIPSEC_SA_A_PROTO]),
					   buf, sizeof(buf));
		if (nfi_json)
			jw_string("proto", p);
		else
			printf("\tproto %s", p);
	}
	if (sa[NFIPSEC_SA_A_SPI]) {
		char spi[16];

		/* As ip -j xfrm prints it. */
		snprintf(spi, sizeof(spi), "0x%08x",
			 ntohl(nla_get_u32(sa[NFIPSEC_SA_A_SPI])));
		if (nfi_json)
			jw_string("spi", spi);
		else
			printf(" spi %s", spi);
	}
	if (nfi_json)
		jw_close_object();
	else
		putchar('\n');
	return 0;
}

static int state_list(int argc, char **argv)
{
	struct nl_msg *msg;
	struct nlattr *nest;
	bool has_proto = false, has_spi = false;
	uint8_t proto = 0;
	uint32_t spi = 0;
	int count = 0, err;

	for (; argc > 0; argc--, argv++) {
		if (!strcmp(argv[0], "proto") && argc > 1) {
			if (parse_proto(argv[1], &proto))
				return nfi_usage_error("proto: \"%s\" is not esp, ah or a protocol number",
						       argv[1]);
			has_proto = true;
			argc--, argv++;
		} else if (!strcmp(argv[0], "spi") && argc > 1) {
			if (parse_spi(argv[1], &spi))
				return nfi_usage_error("spi: \"%s\" is not a 32-bit number",
						       argv[1]);
			has_spi = true;
			argc--, argv++;
		} else {
			return nfi_usage_error("state list: unexpected \"%s\"",
					       argv[0]);
		}
	}

	msg = nfi_msg_new(NFIPSEC_CMD_SA_GET, NLM_F_DUMP);
	if (!msg)
		return 2;
	if (has_proto || has_spi) {
		nest = nla_nest_start(msg, NFIPSEC_A_SA);
		if (!nest ||
		    (has_proto && nla_put_u8(msg, NFIPSEC_SA_A_PROTO, proto)) ||
		    (has_spi && nla_put_u32(msg, NFIPSEC_SA_A_SPI, htonl(spi)))) {
			nlmsg_free(msg);
			return 2;
		}
		nla_nest_end(msg, nest);
	}
	if (nfi_json)
		jw_open_array(NULL);
	err = nfi_nl_talk(msg, print_sa, &count);
	if (nfi_json) {
		jw_close_array();
		jw_end();
	}
	return err ? nfi_nl_fail("state list", err) : 0;
}

int do_state(int argc, char **argv)
{
	if (argc < 1 || nfi_matches(argv[0], "list") ||
	    nfi_matches(argv[0], "show"))
		return state_list(argc ? argc - 1 : 0, argv + (argc ? 1 : 0));
	return nfi_usage_error("unknown state command \"%s\"", argv[0]);
}
