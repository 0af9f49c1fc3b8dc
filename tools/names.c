// SPDX-License-Identifier: GPL-2.0
/* Words for enumerated values and protocols. */

#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include "nfipsec.h"
#include "names.h"

const char *const nfi_dir_names[3] = {
	[NFIPSEC_DIR_IN] = "in",
	[NFIPSEC_DIR_OUT] = "out",
	[NFIPSEC_DIR_FWD] = "fwd",
};

const char *const nfi_mode_names[2] = {
	[NFIPSEC_MODE_TRANSPORT] = "transport",
	[NFIPSEC_MODE_TUNNEL] = "tunnel",
};

const char *const nfi_level_names[2] = {
	[NFIPSEC_LEVEL_REQUIRED] = "required",
	[NFIPSEC_LEVEL_USE] = "use",
};

const char *const nfi_action_names[2] = {
	[NFIPSEC_ACTION_ALLOW] = "allow",
	[NFIPSEC_ACTION_BLOCK] = "block",
};

int nfi_name_index(const char *const *names, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], word))
			return (int)i;
	return -1;
}

const char *nfi_name_of(const char *const *names, size_t n, unsigned int v,
			char *buf, size_t len)
{
	if (v < n && names[v])
		return names[v];
	snprintf(buf, len, "%u", v);
	return buf;
}

const char *nfi_xfrm_proto_name(uint8_t proto, char *buf, size_t len)
{
	if (proto == IPPROTO_ESP)
		return "esp";
	if (proto == IPPROTO_AH)
		return "ah";
	snprintf(buf, len, "%u", proto);
	return buf;
}

/*
 * The common protocols, named as in /etc/protocols: a guest or container
 * without that file still parses and prints them the same.
 */
static const struct {
	const char *name;
	uint8_t proto;
} protocols[] = {
	{ "icmp", IPPROTO_ICMP },
	{ "igmp", IPPROTO_IGMP },
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ "dccp", IPPROTO_DCCP },
	{ "ipv6", IPPROTO_IPV6 },
	{ "gre", IPPROTO_GRE },
	{ "esp", IPPROTO_ESP },
	{ "ah", IPPROTO_AH },
	{ "ipv6-icmp", IPPROTO_ICMPV6 },
	{ "sctp", IPPROTO_SCTP },
	{ "udplite", IPPROTO_UDPLITE },
};

const char *nfi_proto_name(uint8_t proto, char *buf, size_t len)
{
	struct protoent *pe;
	size_t i;

	for (i = 0; i < NFI_ARRAY_SIZE(protocols); i++)
		if (protocols[i].proto == proto)
			return protocols[i].name;
	pe = getprotobynumber(proto);
	if (pe && pe->p_name)
		snprintf(buf, len, "%s", pe->p_name);
	else
		snprintf(buf, len, "%u", proto);
	return buf;
}

int nfi_proto_by_name(const char *name)
{
	struct protoent *pe;
	size_t i;

	if (!strcmp(name, "any"))
		return 0;
	for (i = 0; i < NFI_ARRAY_SIZE(protocols); i++)
		if (!strcmp(protocols[i].name, name))
			return protocols[i].proto;
	pe = getprotobyname(name);
	if (pe && pe->p_proto >= 0 && pe->p_proto <= 255)
		return pe->p_proto;
	return -1;
}
