/*
 * Copyright (C) 2026 The nfipsec authors
 *
 * This program is free software; you can redistribute it and/or modify it
 * under the terms of the GNU General Public License as published by the
 * Free Software Foundation; either version 2 of the License, or (at your
 * option) any later version.  See <http://www.fsf.org/copyleft/gpl.txt>.
 *
 * This program is distributed in the hope that it will be useful, but
 * WITHOUT ANY WARRANTY; without even the implied warranty of MERCHANTABILITY
 * or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU General Public License
 * for more details.
 */

/*
 * charon's IPsec backend on nfipsec's generic netlink family (uapi/nfipsec.h
 * of the nfipsec repository documents every command and attribute used
 * here). One socket for requests, serialized by a mutex; one in the
 * keymgr group (ACQUIRE, EXPIRE, MAPPING), read by the watcher, which reads
 * the SAs again after an overflow (resync()). Routes of outbound policies
 * as kernel-netlink's: kernel_nfipsec_routes.c.
 *
 * What nfipsec cannot do yet is refused with a DBG1 message, never ignored.
 *
 * Owner: every SA, larval SA (get_spi) and policy this plugin adds carries
 * NFIPSEC_OWNER_CHARON (uapi/nfipsec.h, "Owners"), the administrator's have
 * 0. When it starts, the plugin removes every SA and larval SA of that
 * owner in its namespace: what an earlier charon left there when it died
 * without cleaning up (kill -9, OOM, a crash, systemd's SIGKILL after
 * TimeoutStopSec), whose IKE state is gone (their keys would stay in the
 * kernel until their hard lifetime; its larval SAs would hold this one's
 * ACQUIREs down until they expire). It keeps that charon's policies:
 * without their SAs they drop what they protect (and raise ACQUIREs) until
 * this charon installs its own over them, where removing them would let
 * that traffic go out in clear (nfipsec passes what no policy matches), as
 * kernel-netlink keeps stale XFRM policies and overwrites them with
 * UPDPOLICY. Every POLICY_SET and POLICY_DEL the plugin sends carries
 * IF_OWNER charon: nfipsec applies it only to a policy of charon's owner,
 * checked in the same critical section as the change, so that no other
 * request comes between the check and the change. A policy added over an
 * existing one of the same selector (POLICY_NEW fails with -EEXIST) takes
 * it over when it is charon's, by one such POLICY_SET, and fails when it
 * is anyone else's; a rekey's update and a CHILD_SA's delete leave a
 * policy the administrator put in the place of one of charon's alone
 * (-EEXIST, -ENOENT): an administrator's policy is never replaced or
 * removed. ACQUIREs, EXPIREs and MAPPINGs about another owner's policy or
 * SA are ignored (DBG2): the administrator's may use charon's reqids. When
 * it stops, it removes every SA and policy of charon's owner (a clean
 * shutdown leaves nothing, as with kernel-netlink: charon deletes its
 * CHILD_SAs first, so this removes only what failed to go).
 * charon.plugins.kernel-nfipsec.remove_stale = no turns both removals off.
 * The plugin needs a module with these features (GET_INFO's FEATURES):
 * with an older one loaded, it fails closed and says to reload it.
 *
 * One charon per network namespace: the owner is one value. The plugin
 * holds the abstract AF_UNIX name "\0nfipsec-owner-6368726e" (abstract
 * names belong to the network namespace, and go when their holder dies,
 * kill -9 included) before it removes anything; a second charon in the
 * namespace (charon loads its plugins before it checks its pid file;
 * charon-systemd has none; charon-nm) finds the name taken and fails
 * closed, removing nothing of the first one's.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* struct ucred */
#endif
#include <errno.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/netlink.h>

#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "nfipsec.h"

#include "kernel_nfipsec_ipsec.h"
#include "kernel_nfipsec_closed.h"
#include "kernel_nfipsec_routes.h"

#include <daemon.h>
#include <threading/mutex.h>
#include <collections/hashtable.h>
#include <collections/linked_list.h>
#include <processing/watcher.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/** kernel-netlink's base of automatic policy priorities */
#define PRIO_BASE 200000

/** Default receive buffer of the events socket, bytes */
#define DEFAULT_EVENTS_RCVBUF (4 * 1024 * 1024)

/** strongSwan's default lifetime of larval SAs (kernel-netlink.opt) */
#define DEFAULT_ACQ_EXPIRES 165

typedef struct private_kernel_nfipsec_ipsec_t private_kernel_nfipsec_ipsec_t;

/**
 * Private data of a kernel_nfipsec_ipsec_t object
 */
struct private_kernel_nfipsec_ipsec_t {

	/**
	 * Public part of the kernel_nfipsec_ipsec_t object
	 */
	kernel_nfipsec_ipsec_t public;

	/**
	 * Serializes requests, and guards the tables below
	 */
	mutex_t *mutex;

	/**
	 * Socket for requests
	 */
	struct nl_sock *sock;

	/**
	 * Socket joined to the events group
	 */
	struct nl_sock *events;

	/**
	 * Generic netlink family id of nfipsec
	 */
	int family;

	/**
	 * Policies installed by charon, policy_entry_t
	 */
	hashtable_t *policies;

	/**
	 * SAs installed by charon, sa_entry_t (for flush_sas)
	 */
	hashtable_t *sas;

	/**
	 * Extended ack text of the last failed request
	 */
	char extack[256];

	/**
	 * Overflows of the events socket seen (ENOBUFS)
	 */
	u_int overflows;

	/**
	 * Started: charon's stale SAs were removed, and its SAs and policies
	 * are when it stops
	 */
	bool started;

	/**
	 * The namespace's charon lock: an AF_UNIX socket bound to an abstract
	 * name (see the top of this file), -1 when not held
	 */
	int instance_lock;
};

/**
 * An algorithm: strongSwan's transform id, nfipsec's (ip-xfrm's) name
 */
typedef struct {
	uint16_t ikev2;
	char *name;
	/** NFIPSEC_SA_A_ALG_AEAD or _CRYPT for encryption */
	int attr;
	/** ICV length in bits, 0: nfipsec's default */
	uint32_t icv_bits;
} nfipsec_alg_t;

static nfipsec_alg_t encryption_algs[] = {
	{ENCR_DES,					"cbc(des)",			NFIPSEC_SA_A_ALG_CRYPT,	0	},
	{ENCR_3DES,					"cbc(des3_ede)",	NFIPSEC_SA_A_ALG_CRYPT,	0	},
	{ENCR_CAST,					"cbc(cast5)",		NFIPSEC_SA_A_ALG_CRYPT,	0	},
	{ENCR_BLOWFISH,				"cbc(blowfish)",	NFIPSEC_SA_A_ALG_CRYPT,	0	},
	{ENCR_NULL,					"ecb(cipher_null)",	NFIPSEC_SA_A_ALG_CRYPT,	0	},
	{ENCR_AES_CBC,				"cbc(aes)",			NFIPSEC_SA_A_ALG_CRYPT,	0	},
	{ENCR_AES_CTR,				"rfc3686(ctr(aes))",NFIPSEC_SA_A_ALG_CRYPT,	0	},
	{ENCR_CAMELLIA_CBC,			"cbc(camellia)",	NFIPSEC_SA_A_ALG_CRYPT,	0	},
	{ENCR_SERPENT_CBC,			"cbc(serpent)",		NFIPSEC_SA_A_ALG_CRYPT,	0	},
	{ENCR_TWOFISH_CBC,			"cbc(twofish)",		NFIPSEC_SA_A_ALG_CRYPT,	0	},
	{ENCR_AES_CCM_ICV8,			"rfc4309(ccm(aes))",NFIPSEC_SA_A_ALG_AEAD,	64	},
	{ENCR_AES_CCM_ICV12,		"rfc4309(ccm(aes))",NFIPSEC_SA_A_ALG_AEAD,	96	},
	{ENCR_AES_CCM_ICV16,		"rfc4309(ccm(aes))",NFIPSEC_SA_A_ALG_AEAD,	128	},
	{ENCR_AES_GCM_ICV8,			"rfc4106(gcm(aes))",NFIPSEC_SA_A_ALG_AEAD,	64	},
	{ENCR_AES_GCM_ICV12,		"rfc4106(gcm(aes))",NFIPSEC_SA_A_ALG_AEAD,	96	},
	{ENCR_AES_GCM_ICV16,		"rfc4106(gcm(aes))",NFIPSEC_SA_A_ALG_AEAD,	128	},
	{ENCR_NULL_AUTH_AES_GMAC,	"rfc4543(gcm(aes))",NFIPSEC_SA_A_ALG_AEAD,	128	},
	{ENCR_CHACHA20_POLY1305,	"rfc7539esp(chacha20,poly1305)",
													NFIPSEC_SA_A_ALG_AEAD,	128	},
};

static nfipsec_alg_t integrity_algs[] = {
	{AUTH_HMAC_MD5_96,			"hmac(md5)",		NFIPSEC_SA_A_ALG_AUTH,	96	},
	{AUTH_HMAC_MD5_128,			"hmac(md5)",		NFIPSEC_SA_A_ALG_AUTH,	128	},
	{AUTH_HMAC_SHA1_96,			"hmac(sha1)",		NFIPSEC_SA_A_ALG_AUTH,	96	},
	{AUTH_HMAC_SHA1_160,		"hmac(sha1)",		NFIPSEC_SA_A_ALG_AUTH,	160	},
	{AUTH_HMAC_SHA2_256_96,		"hmac(sha256)",		NFIPSEC_SA_A_ALG_AUTH,	96	},
	{AUTH_HMAC_SHA2_256_128,	"hmac(sha256)",		NFIPSEC_SA_A_ALG_AUTH,	128	},
	{AUTH_HMAC_SHA2_256_256,	"hmac(sha256)",		NFIPSEC_SA_A_ALG_AUTH,	256	},
	{AUTH_HMAC_SHA2_384_192,	"hmac(sha384)",		NFIPSEC_SA_A_ALG_AUTH,	192	},
	{AUTH_HMAC_SHA2_384_384,	"hmac(sha384)",		NFIPSEC_SA_A_ALG_AUTH,	384	},
	{AUTH_HMAC_SHA2_512_256,	"hmac(sha512)",		NFIPSEC_SA_A_ALG_AUTH,	256	},
	{AUTH_HMAC_SHA2_512_512,	"hmac(sha512)",		NFIPSEC_SA_A_ALG_AUTH,	512	},
	{AUTH_AES_XCBC_96,			"xcbc(aes)",		NFIPSEC_SA_A_ALG_AUTH,	96	},
	{AUTH_AES_CMAC_96,			"cmac(aes)",		NFIPSEC_SA_A_ALG_AUTH,	96	},
};

static nfipsec_alg_t *find_alg(nfipsec_alg_t *algs, int count, uint16_t id)
{
	int i;

	for (i = 0; i < count; i++)
	{
		if (algs[i].ikev2 == id)
		{
			return &algs[i];
		}
	}
	return NULL;
}

/**
 * An SA charon installed: DST, SPI, PROTO (its identity in nfipsec)
 */
typedef struct {
	host_t *dst;
	uint32_t spi;
	uint8_t proto;
} sa_entry_t;

static u_int sa_hash(sa_entry_t *sa)
{
	return chunk_hash_inc(sa->dst->get_address(sa->dst),
				chunk_hash_inc(chunk_from_thing(sa->spi),
							   chunk_hash(chunk_from_thing(sa->proto))));
}

static bool sa_equals(sa_entry_t *a, sa_entry_t *b)
{
	return a->spi == b->spi && a->proto == b->proto &&
		   a->dst->ip_equals(a->dst, b->dst);
}

static void sa_entry_destroy(sa_entry_t *sa)
{
	sa->dst->destroy(sa->dst);
	free(sa);
}

/**
 * One user of a policy (charon installs the same policy for several
 * CHILD_SAs and rekeyings: the backend counts them, kernel_ipsec.h)
 */
typedef struct {
	policy_type_t type;
	uint32_t priority;
	host_t *src;
	host_t *dst;
	ipsec_sa_cfg_t sa;
} policy_sa_t;

static void policy_sa_destroy(policy_sa_t *psa)
{
	DESTROY_IF(psa->src);
	DESTROY_IF(psa->dst);
	free(psa);
}

static bool host_equals_null(host_t *a, host_t *b)
{
	if (!a || !b)
	{
		return a == b;
	}
	return a->ip_equals(a, b);
}

/**
 * A policy: DIR and SEL (its identity in nfipsec), and its users sorted by
 * priority; the first one's is installed
 */
typedef struct {
	policy_dir_t dir;
	traffic_selector_t *src_ts;
	traffic_selector_t *dst_ts;
	linked_list_t *used_by;
	/** nfipsec holds another user's than used_by's first (a POLICY_SET
	 *  failed): installed again at the policy's next change */
	bool stale;
	/** the route installed for an outbound policy, or NULL */
	kernel_nfipsec_route_t *route;
} policy_entry_t;

static u_int policy_hash(policy_entry_t *p)
{
	return chunk_hash_inc(chunk_from_thing(p->dir),
				p->src_ts->hash(p->src_ts, p->dst_ts->hash(p->dst_ts, 0)));
}

static bool policy_equals(policy_entry_t *a, policy_entry_t *b)
{
	return a->dir == b->dir && a->src_ts->equals(a->src_ts, b->src_ts) &&
		   a->dst_ts->equals(a->dst_ts, b->dst_ts);
}

static void policy_entry_destroy(policy_entry_t *p)
{
	if (p->used_by)
	{
		p->used_by->destroy_function(p->used_by, (void*)policy_sa_destroy);
	}
	kernel_nfipsec_route_forget(p->route);
	p->src_ts->destroy(p->src_ts);
	p->dst_ts->destroy(p->dst_ts);
	free(p);
}

/*
 * Netlink plumbing
 */

/** Called for each reply, with its top-level attributes */
typedef int (*reply_cb_t)(struct nlattr **tb, void *arg);

/**
 * Free a request, wiped first: SA_NEW and SA_SET carry keys. The whole
 * buffer libnl allocated, not only what nlmsg_len covers. (Replies never
 * become an nl_msg: request_talk() reads and wipes them itself.)
 */
static void msg_free(struct nl_msg *msg)
{
	if (msg)
	{
		memwipe(nlmsg_hdr(msg), nlmsg_get_max_size(msg));
		nlmsg_free(msg);
	}
}

static void save_extack(private_kernel_nfipsec_ipsec_t *this,
						struct nlmsghdr *nlh)
{
	struct nlmsgerr *e = NLMSG_DATA(nlh);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*e);
	int len;

	this->extack[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
	{
		return;
	}
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
	{
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)off;
	if (len <= 0 || nla_parse(tb, NLMSGERR_ATTR_MAX,
							  (struct nlattr*)((char*)e + off), len, NULL))
	{
		return;
	}
	if (tb[NLMSGERR_ATTR_MSG])
	{
		snprintf(this->extack, sizeof(this->extack), ": %.*s",
				 nla_len(tb[NLMSGERR_ATTR_MSG]),
				 (char*)nla_data(tb[NLMSGERR_ATTR_MSG]));
	}
}

/**
 * A new request of cmd (NULL when out of memory)
 */
static struct nl_msg *request_new(private_kernel_nfipsec_ipsec_t *this,
								  uint8_t cmd, int flags)
{
	struct nl_msg *msg;

	msg = nlmsg_alloc();
	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, this->family, 0,
							flags, cmd, NFIPSEC_GENL_VERSION))
	{
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/**
 * Read one datagram of the request socket into a buffer of its size: its
 * length, or a negative errno. The caller wipes and frees *buf.
 */
static int recv_datagram(int fd, char **buf)
{
	struct sockaddr_nl from;
	socklen_t flen;
	ssize_t len;

	*buf = NULL;
	for (;;)
	{
		len = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
		if (len < 0)
		{
			if (errno == EINTR)
			{
				continue;
			}
			return -errno;
		}
		*buf = malloc(len ?: 1);
		flen = sizeof(from);
		len = recvfrom(fd, *buf, len ?: 1, 0, (struct sockaddr*)&from, &flen);
		if (len < 0)
		{
			int err = errno;

			free(*buf);
			*buf = NULL;
			if (err == EINTR)
			{
				continue;
			}
			return -err;
		}
		if (flen != sizeof(from) || from.nl_family != AF_NETLINK ||
			from.nl_pid != 0)
		{	/* not the kernel's */
			memwipe(*buf, len);
			free(*buf);
			*buf = NULL;
			continue;
		}
		return len;
	}
}

/**
 * Send msg (wiped and freed) and take the replies to it: 0 or a negative
 * errno, the kernel's text in this->extack. The replies are read here
 * rather than by libnl's nl_recvmsgs(), whose buffers and message copies
 * are freed without being wiped: every buffer a reply went through is
 * wiped before it is freed. Call with the mutex held.
 */
static int request_talk(private_kernel_nfipsec_ipsec_t *this,
						struct nl_msg *msg, reply_cb_t cb, void *arg)
{
	struct nlattr *tb[NFIPSEC_A_MAX + 1];
	struct nlmsghdr *nlh;
	uint32_t seq;
	char *buf;
	int err = 1, len, rem, ret;

	this->extack[0] = '\0';
	if (!msg)
	{
		return -ENOMEM;
	}
	/* NL_AUTO_SEQ and _PORT filled in, NLM_F_REQUEST and NLM_F_ACK set */
	ret = nl_send_auto(this->sock, msg);
	seq = nlmsg_hdr(msg)->nlmsg_seq;
	msg_free(msg);
	if (ret < 0)
	{
		snprintf(this->extack, sizeof(this->extack), ": sending: %s",
				 nl_geterror(ret));
		return -EIO;
	}
	while (err > 0)
	{
		len = recv_datagram(nl_socket_get_fd(this->sock), &buf);
		if (len < 0)
		{
			snprintf(this->extack, sizeof(this->extack),
					 ": receiving the answer: %s", strerror(-len));
			return -EIO;
		}
		rem = len;
		for (nlh = (struct nlmsghdr*)buf; err > 0 && NLMSG_OK(nlh, rem);
			 nlh = NLMSG_NEXT(nlh, rem))
		{
			if (nlh->nlmsg_seq != seq)
			{	/* the answer to an earlier request given up on */
				continue;
			}
			switch (nlh->nlmsg_type)
			{
				case NLMSG_ERROR:
					if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
					{
						err = -EPROTO;
						break;
					}
					/* 0: the ACK that ends every request */
					err = ((struct nlmsgerr*)NLMSG_DATA(nlh))->error;
					if (err)
					{
						save_extack(this, nlh);
					}
					break;
				case NLMSG_DONE:
					err = 0;
					break;
				case NLMSG_NOOP:
					break;
				default:
					if (nlh->nlmsg_type != this->family ||
						genlmsg_parse(nlh, 0, tb, NFIPSEC_A_MAX, NULL))
					{
						err = -EPROTO;
						break;
					}
					if (cb)
					{
						ret = cb(tb, arg);
						if (ret)
						{
							err = ret;
						}
					}
					break;
			}
		}
		memwipe(buf, len);
		free(buf);
	}
	return err;
}

static struct nlattr *nest_start(struct nl_msg *msg, int type)
{
	/* strict validation wants NLA_F_NESTED, which libnl may not set */
	return nla_nest_start(msg, type | NLA_F_NESTED);
}

static bool put_addr(struct nl_msg *msg, int type, host_t *host)
{
	chunk_t addr = host->get_address(host);

	return nla_put(msg, type, addr.len, addr.ptr) == 0;
}

static bool put_be16(struct nl_msg *msg, int type, uint16_t port)
{
	uint16_t be = htons(port);

	return nla_put(msg, type, sizeof(be), &be) == 0;
}

/**
 * DST, SPI, PROTO: an SA's identity
 */
static bool put_sa_id(struct nl_msg *msg, host_t *dst, uint32_t spi,
					  uint8_t proto)
{
	return put_addr(msg, NFIPSEC_SA_A_DST, dst) &&
		   nla_put(msg, NFIPSEC_SA_A_SPI, sizeof(spi), &spi) == 0 &&
		   nla_put_u8(msg, NFIPSEC_SA_A_PROTO, proto) == 0;
}

/**
 * A wall clock time (seconds since the epoch) as charon's monotonic time
 */
static time_t wall_to_monotonic(uint64_t wall)
{
	time_t now = time(NULL), mono = time_monotonic(NULL);

	if (!wall)
	{
		return 0;
	}
	if ((time_t)wall >= now)
	{
		return mono;
	}
	return mono - (now - (time_t)wall);
}

/*
 * Events
 */

/**
 * A traffic selector of one side of a packet (ACQUIRE's NFIPSEC_A_PACKET)
 */
static traffic_selector_t *packet_ts(struct nlattr **sel, int addr_attr,
									 int port_attr)
{
	uint16_t from = 0, to = 0xffff;
	uint8_t proto = 0;
	chunk_t addr;

	if (!sel[addr_attr])
	{
		return NULL;
	}
	addr = chunk_create(nla_data(sel[addr_attr]), nla_len(sel[addr_attr]));
	if (sel[NFIPSEC_SEL_A_PROTO])
	{
		proto = nla_get_u8(sel[NFIPSEC_SEL_A_PROTO]);
	}
	if (sel[port_attr] && nla_len(sel[port_attr]) == 2)
	{
		from = to = ntohs(*(uint16_t*)nla_data(sel[port_attr]));
	}
	return traffic_selector_create_from_bytes(proto,
						addr.len == 4 ? TS_IPV4_ADDR_RANGE : TS_IPV6_ADDR_RANGE,
						addr, from, addr, to);
}

/**
 * Is an event's object (the nest of nest_type in tb, its owner attribute
 * owner_attr) another owner's than charon's? An object without an owner
 * attribute (a module older than owners) is taken as charon's. Such
 * events are left alone, logged at level 2 (uapi "Owners": the
 * administrator's policies and SAs, or another key manager's, may share
 * charon's reqids).
 */
static bool event_not_charons(struct nlattr **tb, int nest_type, int max,
							  int owner_attr, char *what)
{
	/* room for either nest's attributes */
	struct nlattr *attrs[(int)NFIPSEC_SA_A_MAX + (int)NFIPSEC_POLICY_A_MAX];
	uint32_t owner;

	if (!tb[nest_type] ||
		nla_parse_nested(attrs, max, tb[nest_type], NULL) ||
		!attrs[owner_attr] ||
		nla_len(attrs[owner_attr]) != sizeof(uint32_t))
	{
		return FALSE;
	}
	owner = nla_get_u32(attrs[owner_attr]);
	if (owner == NFIPSEC_OWNER_CHARON)
	{
		return FALSE;
	}
	DBG2(DBG_KNL, "received an nfipsec %s about an object of owner 0x%x, "
		 "not charon's: ignored", what, owner);
	return TRUE;
}

static void process_acquire(struct nlattr **tb)
{
	struct nlattr *sa[NFIPSEC_SA_A_MAX + 1], *sel[NFIPSEC_SEL_A_MAX + 1];
	kernel_acquire_data_t data = {};
	uint32_t reqid = 0;

	/* the policy's owner: an ACQUIRE of another's policy is not charon's */
	if (event_not_charons(tb, NFIPSEC_A_POLICY, NFIPSEC_POLICY_A_MAX,
						  NFIPSEC_POLICY_A_OWNER, "ACQUIRE"))
	{
		return;
	}
	if (!tb[NFIPSEC_A_SA] ||
		nla_parse_nested(sa, NFIPSEC_SA_A_MAX, tb[NFIPSEC_A_SA], NULL))
	{
		DBG1(DBG_KNL, "received an nfipsec ACQUIRE without an SA, ignored");
		return;
	}
	if (sa[NFIPSEC_SA_A_REQID])
	{
		reqid = nla_get_u32(sa[NFIPSEC_SA_A_REQID]);
	}
	if (!reqid)
	{
		DBG1(DBG_KNL, "received an nfipsec ACQUIRE for a policy without "
			 "reqid (not charon's), ignored");
		return;
	}
	if (tb[NFIPSEC_A_PACKET] &&
		!nla_parse_nested(sel, NFIPSEC_SEL_A_MAX, tb[NFIPSEC_A_PACKET], NULL))
	{
		data.src = packet_ts(sel, NFIPSEC_SEL_A_SRC, NFIPSEC_SEL_A_SPORT);
		data.dst = packet_ts(sel, NFIPSEC_SEL_A_DST, NFIPSEC_SEL_A_DPORT);
	}
	DBG1(DBG_KNL, "received an nfipsec ACQUIRE for reqid {%u}: %R === %R",
		 reqid, data.src, data.dst);
	/* nfipsec sends the ACQUIRE's KM_SEQ; charon 5.9 takes none */
	charon->kernel->acquire(charon->kernel, reqid, &data);
	DESTROY_IF(data.src);
	DESTROY_IF(data.dst);
}

/**
 * An SA's identity from an event's NFIPSEC_A_SA
 */
static bool event_sa(struct nlattr **tb, uint8_t *proto, uint32_t *spi,
					 host_t **dst)
{
	struct nlattr *sa[NFIPSEC_SA_A_MAX + 1];

	if (!tb[NFIPSEC_A_SA] ||
		nla_parse_nested(sa, NFIPSEC_SA_A_MAX, tb[NFIPSEC_A_SA], NULL) ||
		!sa[NFIPSEC_SA_A_PROTO] || !sa[NFIPSEC_SA_A_SPI] ||
		!sa[NFIPSEC_SA_A_DST] || nla_len(sa[NFIPSEC_SA_A_SPI]) != 4)
	{
		return FALSE;
	}
	*proto = nla_get_u8(sa[NFIPSEC_SA_A_PROTO]);
	memcpy(spi, nla_data(sa[NFIPSEC_SA_A_SPI]), sizeof(*spi));
	*dst = host_create_from_chunk(AF_UNSPEC,
					chunk_create(nla_data(sa[NFIPSEC_SA_A_DST]),
								 nla_len(sa[NFIPSEC_SA_A_DST])), 0);
	return *dst != NULL;
}

static void process_expire(private_kernel_nfipsec_ipsec_t *this,
						   struct nlattr **tb)
{
	struct nlattr *exp[NFIPSEC_EXPIRE_A_MAX + 1];
	bool hard = FALSE;
	uint8_t proto;
	uint32_t spi;
	host_t *dst;

	if (event_not_charons(tb, NFIPSEC_A_SA, NFIPSEC_SA_A_MAX,
						  NFIPSEC_SA_A_OWNER, "EXPIRE"))
	{
		return;
	}
	if (!event_sa(tb, &proto, &spi, &dst))
	{
		DBG1(DBG_KNL, "received an nfipsec EXPIRE without an SA, ignored");
		return;
	}
	if (tb[NFIPSEC_A_EXPIRE] &&
		!nla_parse_nested(exp, NFIPSEC_EXPIRE_A_MAX, tb[NFIPSEC_A_EXPIRE],
						  NULL) && exp[NFIPSEC_EXPIRE_A_HARD])
	{
		hard = nla_get_u8(exp[NFIPSEC_EXPIRE_A_HARD]) != 0;
	}
	if (spi && (proto == IPPROTO_ESP || proto == IPPROTO_AH))
	{
		if (hard)
		{	/* nfipsec removed it */
			sa_entry_t key = { .dst = dst, .spi = spi, .proto = proto }, *sa;

			this->mutex->lock(this->mutex);
			sa = this->sas->remove(this->sas, &key);
			this->mutex->unlock(this->mutex);
			if (sa)
			{
				sa_entry_destroy(sa);
			}
		}
		charon->kernel->expire(charon->kernel, proto, spi, dst, hard);
	}
	dst->destroy(dst);
}

static void process_mapping(struct nlattr **tb)
{
	struct nlattr *map[NFIPSEC_MAPPING_A_MAX + 1];
	host_t *dst, *remote;
	uint8_t proto;
	uint32_t spi;

	if (event_not_charons(tb, NFIPSEC_A_SA, NFIPSEC_SA_A_MAX,
						  NFIPSEC_SA_A_OWNER, "MAPPING"))
	{
		return;
	}
	if (!event_sa(tb, &proto, &spi, &dst))
	{
		DBG1(DBG_KNL, "received an nfipsec MAPPING without an SA, ignored");
		return;
	}
	if (tb[NFIPSEC_A_MAPPING] &&
		!nla_parse_nested(map, NFIPSEC_MAPPING_A_MAX, tb[NFIPSEC_A_MAPPING],
						  NULL) &&
		map[NFIPSEC_MAPPING_A_SRC] && map[NFIPSEC_MAPPING_A_SPORT] &&
		nla_len(map[NFIPSEC_MAPPING_A_SPORT]) == 2)
	{
		remote = host_create_from_chunk(AF_UNSPEC,
					chunk_create(nla_data(map[NFIPSEC_MAPPING_A_SRC]),
								 nla_len(map[NFIPSEC_MAPPING_A_SRC])),
					ntohs(*(uint16_t*)nla_data(map[NFIPSEC_MAPPING_A_SPORT])));
		if (remote)
		{
			charon->kernel->mapping(charon->kernel, proto, spi, dst, remote);
			remote->destroy(remote);
		}
	}
	dst->destroy(dst);
}

static int on_event(struct nl_msg *msg, void *arg)
{
	private_kernel_nfipsec_ipsec_t *this = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gnlh = nlmsg_data(nlh);
	struct nlattr *tb[NFIPSEC_A_MAX + 1];

	if (nlmsg_get_src(msg)->nl_pid != 0)
	{	/* sent by a process (the kernel's is 0): a forged MAPPING would
		 * move a peer's ports, a forged hard EXPIRE tear a CHILD_SA down */
		DBG1(DBG_KNL, "ignored a message to the nfipsec events socket from "
			 "port %u, not the kernel", nlmsg_get_src(msg)->nl_pid);
		return NL_SKIP;
	}
	if (nlh->nlmsg_type != this->family ||
		genlmsg_parse(nlh, 0, tb, NFIPSEC_A_MAX, NULL))
	{
		return NL_SKIP;
	}
	switch (gnlh->cmd)
	{
		case NFIPSEC_CMD_ACQUIRE:
			process_acquire(tb);
			break;
		case NFIPSEC_CMD_EXPIRE:
			process_expire(this, tb);
			break;
		case NFIPSEC_CMD_MAPPING:
			process_mapping(tb);
			break;
		default:
			/* changes of the tables: charon made them, or the admin */
			break;
	}
	return NL_OK;
}

static void resync(private_kernel_nfipsec_ipsec_t *this);

CALLBACK(receive_events, bool,
	private_kernel_nfipsec_ipsec_t *this, int fd, watcher_event_t event)
{
	int err;

	err = nl_recvmsgs_default(this->events);
	if (err == -NLE_NOMEM)
	{	/* ENOBUFS: the socket's buffer overflowed */
		this->overflows++;
		DBG0(DBG_KNL, "nfipsec events were lost: the events socket's receive "
			 "buffer overflowed (%u times since start); the SAs are read "
			 "again for lost EXPIREs, lost ACQUIREs and MAPPINGs come again "
			 "with the next packets; raise "
			 "charon.plugins.kernel-nfipsec.receive_buffer_size",
			 this->overflows);
		resync(this);
	}
	else if (err < 0 && err != -NLE_AGAIN)
	{
		DBG1(DBG_KNL, "receiving nfipsec events failed: %s",
			 nl_geterror(err));
	}
	return TRUE;
}

/*
 * kernel_ipsec_t
 */

METHOD(kernel_ipsec_t, get_features, kernel_feature_t,
	private_kernel_nfipsec_ipsec_t *this)
{
	/*
	 * POLICY_SPI: out policies name the SA's SPI in their template.
	 * NO_POLICY_UPDATES: update_sa changes no policy (it moves NAT-T ports
	 * only; new addresses are refused).
	 * Not ESP_V3_TFC: whether nfipsec strips TFC padding is not documented.
	 */
	return KERNEL_POLICY_SPI | KERNEL_NO_POLICY_UPDATES;
}

static int get_spi_cb(struct nlattr **tb, void *arg)
{
	struct nlattr *sa[NFIPSEC_SA_A_MAX + 1];
	uint32_t *spi = arg;

	if (tb[NFIPSEC_A_SA] &&
		!nla_parse_nested(sa, NFIPSEC_SA_A_MAX, tb[NFIPSEC_A_SA], NULL) &&
		sa[NFIPSEC_SA_A_SPI] && nla_len(sa[NFIPSEC_SA_A_SPI]) == 4)
	{
		memcpy(spi, nla_data(sa[NFIPSEC_SA_A_SPI]), sizeof(*spi));
	}
	return 0;
}

METHOD(kernel_ipsec_t, get_spi, status_t,
	private_kernel_nfipsec_ipsec_t *this, host_t *src, host_t *dst,
	uint8_t protocol, uint32_t *spi)
{
	uint32_t spi_min, spi_max, min, max, got = 0;
	struct nl_msg *msg;
	struct nlattr *nest;
	int err;

	/* charon.spi_min/spi_max, read and ordered as kernel-netlink does */
	spi_min = lib->settings->get_int(lib->settings, "%s.spi_min",
									 KERNEL_SPI_MIN, lib->ns);
	spi_max = lib->settings->get_int(lib->settings, "%s.spi_max",
									 KERNEL_SPI_MAX, lib->ns);
	min = htonl(min(spi_min, spi_max));
	max = htonl(max(spi_min, spi_max));

	msg = request_new(this, NFIPSEC_CMD_SA_ALLOC_SPI, 0);
	if (!msg || !(nest = nest_start(msg, NFIPSEC_A_SA)) ||
		nla_put_u8(msg, NFIPSEC_SA_A_PROTO, protocol) ||
		!put_addr(msg, NFIPSEC_SA_A_SRC, src) ||
		!put_addr(msg, NFIPSEC_SA_A_DST, dst) ||
		nla_put(msg, NFIPSEC_SA_A_SPI_MIN, sizeof(min), &min) ||
		nla_put(msg, NFIPSEC_SA_A_SPI_MAX, sizeof(max), &max) ||
		/* the larval SA is charon's: a flush by owner takes it */
		nla_put_u32(msg, NFIPSEC_SA_A_OWNER, NFIPSEC_OWNER_CHARON))
	{
		msg_free(msg);
		return FAILED;
	}
	nla_nest_end(msg, nest);
	this->mutex->lock(this->mutex);
	err = request_talk(this, msg, get_spi_cb, &got);
	if (err || !got)
	{
		DBG1(DBG_KNL, "unable to get an SPI from nfipsec: %s%s",
			 err ? strerror(-err) : "no SPI in the reply", this->extack);
		this->mutex->unlock(this->mutex);
		return FAILED;
	}
	this->mutex->unlock(this->mutex);
	if (ntohl(got) < ntohl(min) || ntohl(got) > ntohl(max))
	{	/* the larval SA expires by itself */
		DBG1(DBG_KNL, "nfipsec allocated SPI %.8x, outside the range "
			 "%.8x-%.8x asked for: refusing it", ntohl(got), ntohl(min),
			 ntohl(max));
		return FAILED;
	}
	*spi = got;
	DBG2(DBG_KNL, "got SPI %.8x from nfipsec", ntohl(got));
	return SUCCESS;
}

METHOD(kernel_ipsec_t, get_cpi, status_t,
	private_kernel_nfipsec_ipsec_t *this, host_t *src, host_t *dst,
	uint16_t *cpi)
{
	DBG1(DBG_KNL, "nfipsec does not support IPComp: no CPI");
	return NOT_SUPPORTED;
}

/**
 * One algorithm nest
 */
static bool put_alg(struct nl_msg *msg, nfipsec_alg_t *alg, chunk_t key)
{
	struct nlattr *nest;

	nest = nest_start(msg, alg->attr);
	if (!nest || nla_put_string(msg, NFIPSEC_ALG_A_NAME, alg->name) ||
		(key.len && nla_put(msg, NFIPSEC_ALG_A_KEY, key.len, key.ptr)) ||
		(alg->icv_bits &&
		 nla_put_u32(msg, NFIPSEC_ALG_A_ICV_BITS, alg->icv_bits)))
	{
		return FALSE;
	}
	nla_nest_end(msg, nest);
	return TRUE;
}

static bool put_u64_if(struct nl_msg *msg, int type, uint64_t value)
{
	return !value || nla_put_u64(msg, type, value) == 0;
}

/**
 * Check what nfipsec cannot do in an SA, and say so
 */
static bool sa_supported(kernel_ipsec_sa_id_t *id, kernel_ipsec_add_sa_t *data)
{
	if (id->mark.value || id->mark.mask)
	{
		DBG1(DBG_KNL, "nfipsec SAs cannot match marks (mark %u/0x%08x)",
			 id->mark.value, id->mark.mask);
		return FALSE;
	}
	if (id->if_id)
	{
		DBG1(DBG_KNL, "nfipsec has no XFRM interfaces (if_id %u)", id->if_id);
		return FALSE;
	}
	if (id->proto != IPPROTO_ESP && id->proto != IPPROTO_AH)
	{
		DBG1(DBG_KNL, "nfipsec supports ESP and AH only, not protocol %u",
			 id->proto);
		return FALSE;
	}
	if (data->mode != MODE_TUNNEL && data->mode != MODE_TRANSPORT)
	{
		DBG1(DBG_KNL, "nfipsec supports tunnel and transport mode only, "
			 "not %N", ipsec_mode_names, data->mode);
		return FALSE;
	}
	if (data->ipcomp != IPCOMP_NONE)
	{
		DBG1(DBG_KNL, "nfipsec does not support IPComp");
		return FALSE;
	}
	if (data->tfc)
	{
		DBG1(DBG_KNL, "nfipsec does not add TFC padding");
		return FALSE;
	}
	if (data->hw_offload == HW_OFFLOAD_YES)
	{
		DBG1(DBG_KNL, "nfipsec has no hardware offload");
		return FALSE;
	}
	if (data->label)
	{
		DBG1(DBG_KNL, "nfipsec does not support security labels");
		return FALSE;
	}
	if (data->interface)
	{
		DBG1(DBG_KNL, "nfipsec SAs cannot be bound to an interface (%s)",
			 data->interface);
		return FALSE;
	}
	if (!data->inbound && (data->copy_dscp == DSCP_COPY_IN_ONLY ||
						   data->copy_dscp == DSCP_COPY_NO))
	{	/* XFRM's XFRM_SA_XFLAG_DONT_ENCAP_DSCP */
		DBG1(DBG_KNL, "nfipsec always copies the DSCP to the outer header: "
			 "copy_dscp %N not supported", dscp_copy_names, data->copy_dscp);
		return FALSE;
	}
	if (data->replay_window > 4096)
	{
		DBG1(DBG_KNL, "nfipsec replay windows are at most 4096 packets, "
			 "not %u", data->replay_window);
		return FALSE;
	}
	if (data->encap && id->proto == IPPROTO_AH)
	{
		DBG1(DBG_KNL, "AH cannot be UDP encapsulated");
		return FALSE;
	}
	return TRUE;
}

METHOD(kernel_ipsec_t, add_sa, status_t,
	private_kernel_nfipsec_ipsec_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_add_sa_t *data)
{
	nfipsec_alg_t *enc = NULL, *integ = NULL;
	struct nlattr *nest, *lft;
	struct nl_msg *msg;
	lifetime_cfg_t *lt = data->lifetime;
	uint32_t flags = 0;
	sa_entry_t *sa;
	int err;

	if (!sa_supported(id, data))
	{
		return FAILED;
	}
	if (data->enc_alg != ENCR_UNDEFINED)
	{
		enc = find_alg(encryption_algs, countof(encryption_algs),
					   data->enc_alg);
		if (!enc || id->proto == IPPROTO_AH)
		{
			DBG1(DBG_KNL, "algorithm %N not supported by nfipsec%s",
				 encryption_algorithm_names, data->enc_alg,
				 enc ? " with AH" : "");
			return FAILED;
		}
	}
	if (data->int_alg != AUTH_UNDEFINED)
	{
		integ = find_alg(integrity_algs, countof(integrity_algs),
						 data->int_alg);
		if (!integ || (enc && enc->attr == NFIPSEC_SA_A_ALG_AEAD))
		{
			DBG1(DBG_KNL, "algorithm %N not supported by nfipsec%s",
				 integrity_algorithm_names, data->int_alg,
				 integ ? " with an AEAD" : "");
			return FAILED;
		}
	}
	if (!enc && !integ)
	{
		DBG1(DBG_KNL, "an SA without algorithms cannot be installed");
		return FAILED;
	}
	if (data->esn)
	{
		flags |= NFIPSEC_SA_F_ESN;
	}
	if (!data->copy_ecn)
	{
		flags |= NFIPSEC_SA_F_NOECN;
	}
	if (!data->copy_df)
	{
		flags |= NFIPSEC_SA_F_NOPMTUDISC;
	}
	if (data->inbound && (data->copy_dscp == DSCP_COPY_YES ||
						  data->copy_dscp == DSCP_COPY_IN_ONLY))
	{
		flags |= NFIPSEC_SA_F_DECAP_DSCP;
	}

	/* an SPI from get_spi() is held by a larval SA, which SA_SET replaces */
	msg = request_new(this, data->update ? NFIPSEC_CMD_SA_SET
										 : NFIPSEC_CMD_SA_NEW, 0);
	if (!msg || !(nest = nest_start(msg, NFIPSEC_A_SA)) ||
		!put_sa_id(msg, id->dst, id->spi, id->proto) ||
		!put_addr(msg, NFIPSEC_SA_A_SRC, id->src) ||
		nla_put_u8(msg, NFIPSEC_SA_A_MODE, data->mode == MODE_TUNNEL ?
					NFIPSEC_MODE_TUNNEL : NFIPSEC_MODE_TRANSPORT) ||
		(data->reqid &&
		 nla_put_u32(msg, NFIPSEC_SA_A_REQID, data->reqid)) ||
		nla_put_u32(msg, NFIPSEC_SA_A_OWNER, NFIPSEC_OWNER_CHARON) ||
		(data->replay_window &&
		 nla_put_u32(msg, NFIPSEC_SA_A_REPLAY_WINDOW, data->replay_window)) ||
		(flags && nla_put_u32(msg, NFIPSEC_SA_A_FLAGS, flags)) ||
		(enc && !put_alg(msg, enc, data->enc_key)) ||
		(integ && !put_alg(msg, integ, data->int_key)))
	{
		goto nomem;
	}
	if (data->mark.value || data->mark.mask)
	{	/* the output mark, as XFRM's XFRMA_SET_MARK */
		if (nla_put_u32(msg, NFIPSEC_SA_A_SET_MARK, data->mark.value) ||
			nla_put_u32(msg, NFIPSEC_SA_A_SET_MARK_MASK, data->mark.mask))
		{
			goto nomem;
		}
	}
	if (lt)
	{
		lft = nest_start(msg, NFIPSEC_SA_A_LIFETIME);
		if (!lft ||
			!put_u64_if(msg, NFIPSEC_LFT_A_SOFT_BYTES, lt->bytes.rekey) ||
			!put_u64_if(msg, NFIPSEC_LFT_A_HARD_BYTES, lt->bytes.life) ||
			!put_u64_if(msg, NFIPSEC_LFT_A_SOFT_PACKETS, lt->packets.rekey) ||
			!put_u64_if(msg, NFIPSEC_LFT_A_HARD_PACKETS, lt->packets.life) ||
			!put_u64_if(msg, NFIPSEC_LFT_A_SOFT_ADD_SECS, lt->time.rekey) ||
			!put_u64_if(msg, NFIPSEC_LFT_A_HARD_ADD_SECS, lt->time.life))
		{
			goto nomem;
		}
		nla_nest_end(msg, lft);
	}
	if (data->encap)
	{	/* ESP in UDP from the IKE SA's ports (RFC 3948) */
		struct nlattr *encap = nest_start(msg, NFIPSEC_SA_A_ENCAP);

		if (!encap ||
			nla_put_u16(msg, NFIPSEC_ENCAP_A_TYPE, NFIPSEC_ENCAP_ESPINUDP) ||
			!put_be16(msg, NFIPSEC_ENCAP_A_SPORT, id->src->get_port(id->src)) ||
			!put_be16(msg, NFIPSEC_ENCAP_A_DPORT, id->dst->get_port(id->dst)))
		{
			goto nomem;
		}
		nla_nest_end(msg, encap);
	}
	nla_nest_end(msg, nest);

	INIT(sa,
		.dst = id->dst->clone(id->dst),
		.spi = id->spi,
		.proto = id->proto,
	);
	this->mutex->lock(this->mutex);
	err = request_talk(this, msg, NULL, NULL);
	if (err)
	{
		DBG1(DBG_KNL, "unable to add SAD entry with SPI %.8x to nfipsec: "
			 "%s%s", ntohl(id->spi), strerror(-err), this->extack);
		this->mutex->unlock(this->mutex);
		sa_entry_destroy(sa);
		return FAILED;
	}
	sa = this->sas->put(this->sas, sa, sa);
	this->mutex->unlock(this->mutex);
	if (sa)
	{
		sa_entry_destroy(sa);
	}
	DBG2(DBG_KNL, "added SAD entry with SPI %.8x and reqid {%u} to nfipsec",
		 ntohl(id->spi), data->reqid);
	return SUCCESS;

nomem:
	msg_free(msg);
	DBG1(DBG_KNL, "unable to build an nfipsec request for SPI %.8x",
		 ntohl(id->spi));
	return FAILED;
}

/**
 * What SA_GET replied (query_sa)
 */
typedef struct {
	/** an SA was in the reply */
	bool found;
	uint64_t bytes;
	uint64_t packets;
	uint64_t last_use;
} sa_reply_t;

static int sa_get_cb(struct nlattr **tb, void *arg)
{
	struct nlattr *sa[NFIPSEC_SA_A_MAX + 1], *sub[NFIPSEC_SA_STAT_MAX + 1];
	sa_reply_t *reply = arg;

	if (!tb[NFIPSEC_A_SA] ||
		nla_parse_nested(sa, NFIPSEC_SA_A_MAX, tb[NFIPSEC_A_SA], NULL))
	{
		return -EPROTO;
	}
	if (sa[NFIPSEC_SA_A_STATS] &&
		!nla_parse_nested(sub, NFIPSEC_SA_STAT_MAX, sa[NFIPSEC_SA_A_STATS],
						  NULL))
	{
		if (sub[NFIPSEC_SA_STAT_BYTES])
		{
			reply->bytes = nla_get_u64(sub[NFIPSEC_SA_STAT_BYTES]);
		}
		if (sub[NFIPSEC_SA_STAT_PACKETS])
		{
			reply->packets = nla_get_u64(sub[NFIPSEC_SA_STAT_PACKETS]);
		}
	}
	if (sa[NFIPSEC_SA_A_CURRENT])
	{
		struct nlattr *cur[NFIPSEC_CUR_A_MAX + 1];

		if (!nla_parse_nested(cur, NFIPSEC_CUR_A_MAX, sa[NFIPSEC_SA_A_CURRENT],
							  NULL) && cur[NFIPSEC_CUR_A_LAST_USE])
		{
			reply->last_use = nla_get_u64(cur[NFIPSEC_CUR_A_LAST_USE]);
		}
	}
	reply->found = TRUE;
	return 0;
}

/**
 * SA_GET of one SA (never its keys: the plugin asks for none); call with
 * the mutex held
 */
static int sa_get(private_kernel_nfipsec_ipsec_t *this,
				  kernel_ipsec_sa_id_t *id, sa_reply_t *reply)
{
	struct nl_msg *msg;
	struct nlattr *nest;

	msg = request_new(this, NFIPSEC_CMD_SA_GET, 0);
	if (!msg || !(nest = nest_start(msg, NFIPSEC_A_SA)) ||
		!put_sa_id(msg, id->dst, id->spi, id->proto))
	{
		msg_free(msg);
		return -ENOMEM;
	}
	nla_nest_end(msg, nest);
	return request_talk(this, msg, sa_get_cb, reply);
}

METHOD(kernel_ipsec_t, update_sa, status_t,
	private_kernel_nfipsec_ipsec_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_update_sa_t *data)
{
	struct nlattr *nest, *encap;
	struct nl_msg *msg;
	int err;

	if (!id->src->ip_equals(id->src, data->new_src) ||
		!id->dst->ip_equals(id->dst, data->new_dst))
	{	/* SA_MIGRATE moves ports only */
		DBG1(DBG_KNL, "nfipsec cannot move SA %.8x to new addresses "
			 "(%H === %H): not supported", ntohl(id->spi), data->new_src,
			 data->new_dst);
		return NOT_SUPPORTED;
	}
	if (data->encap != data->new_encap)
	{
		DBG1(DBG_KNL, "nfipsec cannot %s UDP encapsulation of an installed "
			 "SA (%.8x): not supported", data->new_encap ? "add" : "remove",
			 ntohl(id->spi));
		return NOT_SUPPORTED;
	}
	if (!data->new_encap)
	{
		return SUCCESS;
	}
	/*
	 * SA_MIGRATE: nfipsec moves the SA to the new ports in place; its
	 * sequence numbers, window, counters and lifetimes go on, and its keys
	 * stay in the kernel.
	 */
	msg = request_new(this, NFIPSEC_CMD_SA_MIGRATE, 0);
	if (!msg || !(nest = nest_start(msg, NFIPSEC_A_SA)) ||
		!put_sa_id(msg, id->dst, id->spi, id->proto) ||
		!(encap = nest_start(msg, NFIPSEC_SA_A_ENCAP)) ||
		nla_put_u16(msg, NFIPSEC_ENCAP_A_TYPE, NFIPSEC_ENCAP_ESPINUDP) ||
		!put_be16(msg, NFIPSEC_ENCAP_A_SPORT,
				  data->new_src->get_port(data->new_src)) ||
		!put_be16(msg, NFIPSEC_ENCAP_A_DPORT,
				  data->new_dst->get_port(data->new_dst)))
	{
		msg_free(msg);
		DBG1(DBG_KNL, "unable to build an nfipsec request to update SA %.8x",
			 ntohl(id->spi));
		return FAILED;
	}
	nla_nest_end(msg, encap);
	nla_nest_end(msg, nest);
	this->mutex->lock(this->mutex);
	err = request_talk(this, msg, NULL, NULL);
	if (err)
	{
		DBG1(DBG_KNL, "unable to update SA %.8x in nfipsec: %s%s%s",
			 ntohl(id->spi), strerror(-err), this->extack,
			 err == -EOPNOTSUPP ? " (a module without SA_MIGRATE: charon "
			 "rekeys instead)" : "");
		this->mutex->unlock(this->mutex);
		switch (err)
		{
			case -ENOENT:
				return NOT_FOUND;
			case -EOPNOTSUPP:
				return NOT_SUPPORTED;
			default:
				return FAILED;
		}
	}
	this->mutex->unlock(this->mutex);
	DBG2(DBG_KNL, "updated SA %.8x in nfipsec: ports %#H === %#H",
		 ntohl(id->spi), data->new_src, data->new_dst);
	return SUCCESS;
}

METHOD(kernel_ipsec_t, query_sa, status_t,
	private_kernel_nfipsec_ipsec_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_query_sa_t *data, uint64_t *bytes, uint64_t *packets,
	time_t *time)
{
	sa_reply_t reply = {};
	int err;

	this->mutex->lock(this->mutex);
	err = sa_get(this, id, &reply);
	if (err || !reply.found)
	{
		DBG1(DBG_KNL, "unable to query SA %.8x from nfipsec: %s%s",
			 ntohl(id->spi), strerror(err ? -err : EPROTO), this->extack);
		this->mutex->unlock(this->mutex);
		return err == -ENOENT ? NOT_FOUND : FAILED;
	}
	this->mutex->unlock(this->mutex);
	if (bytes)
	{
		*bytes = reply.bytes;
	}
	if (packets)
	{
		*packets = reply.packets;
	}
	if (time)
	{	/* the last packet sent, or received and authenticated */
		*time = wall_to_monotonic(reply.last_use);
	}
	return SUCCESS;
}

/**
 * SA_DEL; call with the mutex held
 */
static int sa_del(private_kernel_nfipsec_ipsec_t *this, host_t *dst,
				  uint32_t spi, uint8_t proto)
{
	struct nl_msg *msg;
	struct nlattr *nest;

	msg = request_new(this, NFIPSEC_CMD_SA_DEL, 0);
	if (!msg || !(nest = nest_start(msg, NFIPSEC_A_SA)) ||
		!put_sa_id(msg, dst, spi, proto))
	{
		msg_free(msg);
		return -ENOMEM;
	}
	nla_nest_end(msg, nest);
	return request_talk(this, msg, NULL, NULL);
}

METHOD(kernel_ipsec_t, del_sa, status_t,
	private_kernel_nfipsec_ipsec_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_del_sa_t *data)
{
	sa_entry_t key = { .dst = id->dst, .spi = id->spi, .proto = id->proto };
	sa_entry_t *sa;
	int err;

	this->mutex->lock(this->mutex);
	err = sa_del(this, id->dst, id->spi, id->proto);
	sa = this->sas->remove(this->sas, &key);
	if (err)
	{
		DBG1(DBG_KNL, "unable to delete SA %.8x from nfipsec: %s%s",
			 ntohl(id->spi), strerror(-err), this->extack);
	}
	this->mutex->unlock(this->mutex);
	if (sa)
	{
		sa_entry_destroy(sa);
	}
	if (err == -ENOENT)
	{
		return NOT_FOUND;
	}
	return err ? FAILED : SUCCESS;
}

/*
 * What an earlier charon left: every SA and policy of charon's owner
 */

/**
 * An address attribute as a host (NULL when malformed)
 */
static host_t *attr_host(struct nlattr *attr)
{
	if (!attr || (nla_len(attr) != 4 && nla_len(attr) != 16))
	{
		return NULL;
	}
	return host_create_from_chunk(nla_len(attr) == 4 ? AF_INET : AF_INET6,
						chunk_create(nla_data(attr), nla_len(attr)), 0);
}

/**
 * What the dump of charon's owner's SAs found
 */
typedef struct {
	u_int sas;
	/** an earlier charon's negotiations (get_spi, its trap policies'
	 *  ACQUIREs), which hold those ACQUIREs down while they live */
	u_int larvals;
} stale_sas_t;

/**
 * One SA or larval SA of charon's owner in the dump: logged and counted
 */
static int stale_sa_cb(struct nlattr **tb, void *arg)
{
	struct nlattr *sa[NFIPSEC_SA_A_MAX + 1];
	host_t *src = NULL, *dst = NULL;
	uint32_t spi = 0, reqid = 0;
	stale_sas_t *count = arg;

	if (!tb[NFIPSEC_A_SA] ||
		nla_parse_nested(sa, NFIPSEC_SA_A_MAX, tb[NFIPSEC_A_SA], NULL))
	{
		return -EPROTO;
	}
	if (sa[NFIPSEC_SA_A_SPI] && nla_len(sa[NFIPSEC_SA_A_SPI]) == 4)
	{
		spi = nla_get_u32(sa[NFIPSEC_SA_A_SPI]);
	}
	if (sa[NFIPSEC_SA_A_REQID] && nla_len(sa[NFIPSEC_SA_A_REQID]) == 4)
	{
		reqid = nla_get_u32(sa[NFIPSEC_SA_A_REQID]);
	}
	src = attr_host(sa[NFIPSEC_SA_A_SRC]);
	dst = attr_host(sa[NFIPSEC_SA_A_DST]);
	if (sa[NFIPSEC_SA_A_LARVAL])
	{
		DBG1(DBG_KNL, "  stale larval SA %.8x %H === %H, reqid {%u}",
			 ntohl(spi), src, dst, reqid);
		count->larvals++;
	}
	else
	{
		DBG1(DBG_KNL, "  stale SA %.8x %H === %H", ntohl(spi), src, dst);
		count->sas++;
	}
	DESTROY_IF(src);
	DESTROY_IF(dst);
	return 0;
}

/**
 * One policy of charon's owner in the dump: logged and counted
 */
static int stale_policy_cb(struct nlattr **tb, void *arg)
{
	struct nlattr *pol[NFIPSEC_POLICY_A_MAX + 1];
	struct nlattr *sel[NFIPSEC_SEL_A_MAX + 1];
	static const char *dirs[] = { "in", "out", "fwd" };
	host_t *src = NULL, *dst = NULL;
	u_int *count = arg;
	uint8_t dir = 0xff;

	if (!tb[NFIPSEC_A_POLICY] ||
		nla_parse_nested(pol, NFIPSEC_POLICY_A_MAX, tb[NFIPSEC_A_POLICY],
						 NULL))
	{
		return -EPROTO;
	}
	if (pol[NFIPSEC_POLICY_A_DIR] && nla_len(pol[NFIPSEC_POLICY_A_DIR]) == 1)
	{
		dir = nla_get_u8(pol[NFIPSEC_POLICY_A_DIR]);
	}
	if (pol[NFIPSEC_POLICY_A_SEL] &&
		!nla_parse_nested(sel, NFIPSEC_SEL_A_MAX, pol[NFIPSEC_POLICY_A_SEL],
						  NULL))
	{
		src = attr_host(sel[NFIPSEC_SEL_A_SRC]);
		dst = attr_host(sel[NFIPSEC_SEL_A_DST]);
	}
	DBG1(DBG_KNL, "  stale policy %H === %H %s", src, dst,
		 dir < countof(dirs) ? dirs[dir] : "?");
	DESTROY_IF(src);
	DESTROY_IF(dst);
	(*count)++;
	return 0;
}

/**
 * A dump (SA_GET, POLICY_GET) or a flush (SA_FLUSH, POLICY_FLUSH) of
 * charon's owner's objects; mutex held
 */
static int owner_request(private_kernel_nfipsec_ipsec_t *this, uint8_t cmd,
						 int nest_type, int owner_attr, reply_cb_t cb,
						 void *arg)
{
	struct nlattr *nest;
	struct nl_msg *msg;

	msg = request_new(this, cmd, cb ? NLM_F_DUMP : 0);
	if (!msg || !(nest = nest_start(msg, nest_type)) ||
		nla_put_u32(msg, owner_attr, NFIPSEC_OWNER_CHARON))
	{
		msg_free(msg);
		return -ENOMEM;
	}
	nla_nest_end(msg, nest);
	return request_talk(this, msg, cb, arg);
}

/**
 * What a dump of charon's SAs found: those of `sas` still there, and those
 * past their soft limit
 */
typedef struct {
	private_kernel_nfipsec_ipsec_t *this;
	/** sa_entry_t of `sas` found in nfipsec (not owned) */
	hashtable_t *present;
	/** sa_entry_t, owned: dying SAs */
	linked_list_t *dying;
} resync_t;

static int resync_cb(struct nlattr **tb, void *arg)
{
	struct nlattr *sa[NFIPSEC_SA_A_MAX + 1], *cur[NFIPSEC_CUR_A_MAX + 1];
	resync_t *r = arg;
	sa_entry_t key = {}, *entry;

	if (!tb[NFIPSEC_A_SA] ||
		nla_parse_nested(sa, NFIPSEC_SA_A_MAX, tb[NFIPSEC_A_SA], NULL))
	{
		return -EPROTO;
	}
	if (sa[NFIPSEC_SA_A_LARVAL] || !sa[NFIPSEC_SA_A_SPI] ||
		nla_len(sa[NFIPSEC_SA_A_SPI]) != 4 || !sa[NFIPSEC_SA_A_PROTO] ||
		nla_len(sa[NFIPSEC_SA_A_PROTO]) < 1)
	{
		return 0;
	}
	memcpy(&key.spi, nla_data(sa[NFIPSEC_SA_A_SPI]), sizeof(key.spi));
	key.proto = nla_get_u8(sa[NFIPSEC_SA_A_PROTO]);
	key.dst = attr_host(sa[NFIPSEC_SA_A_DST]);
	if (!key.dst)
	{
		return 0;
	}
	entry = r->this->sas->get(r->this->sas, &key);
	if (entry)
	{
		r->present->put(r->present, entry, entry);
	}
	if (entry && sa[NFIPSEC_SA_A_CURRENT] &&
		!nla_parse_nested(cur, NFIPSEC_CUR_A_MAX, sa[NFIPSEC_SA_A_CURRENT],
						  NULL) && cur[NFIPSEC_CUR_A_DYING])
	{
		INIT(entry,
			.dst = key.dst->clone(key.dst),
			.spi = key.spi,
			.proto = key.proto,
		);
		r->dying->insert_last(r->dying, entry);
	}
	key.dst->destroy(key.dst);
	return 0;
}

/**
 * After the events socket overflowed: the EXPIREs lost are found again
 * from the tables (uapi "Events"). A dying SA of charon's is reported as a
 * soft EXPIRE (charon rekeys; one it knows of already it ignores), an SA
 * charon installed that is gone as a hard one. Lost ACQUIREs and MAPPINGs
 * cannot be: the next packet sends them again once the larval SA or the
 * one-a-second bound let it.
 */
/**
 * An SA the dump did not list is gone only if SA_GET says so: a dump taken
 * while SAs are removed may skip one (uapi "Events"). Mutex held.
 */
static bool sa_gone(private_kernel_nfipsec_ipsec_t *this, sa_entry_t *sa)
{
	kernel_ipsec_sa_id_t id = {
		.dst = sa->dst,
		.spi = sa->spi,
		.proto = sa->proto,
	};
	sa_reply_t reply = {};

	return sa_get(this, &id, &reply) == -ENOENT;
}

static void resync(private_kernel_nfipsec_ipsec_t *this)
{
	resync_t r = {
		.this = this,
		.present = hashtable_create((hashtable_hash_t)sa_hash,
									(hashtable_equals_t)sa_equals, 32),
		.dying = linked_list_create(),
	};
	linked_list_t *gone = linked_list_create();
	enumerator_t *enumerator;
	sa_entry_t *sa;
	u_int soft, hard;
	int err;

	this->mutex->lock(this->mutex);
	err = owner_request(this, NFIPSEC_CMD_SA_GET, NFIPSEC_A_SA,
						NFIPSEC_SA_A_OWNER, resync_cb, &r);
	if (!err)
	{
		enumerator = this->sas->create_enumerator(this->sas);
		while (enumerator->enumerate(enumerator, NULL, &sa))
		{
			if (!r.present->get(r.present, sa) && sa_gone(this, sa))
			{
				this->sas->remove_at(this->sas, enumerator);
				gone->insert_last(gone, sa);
			}
		}
		enumerator->destroy(enumerator);
	}
	this->mutex->unlock(this->mutex);
	r.present->destroy(r.present);
	if (err)
	{
		DBG0(DBG_KNL, "kernel-nfipsec: unable to read nfipsec's SAs after "
			 "lost events: %s%s", strerror(-err), this->extack);
	}
	soft = r.dying->get_count(r.dying);
	hard = gone->get_count(gone);
	while (r.dying->remove_first(r.dying, (void**)&sa) == SUCCESS)
	{
		charon->kernel->expire(charon->kernel, sa->proto, sa->spi, sa->dst,
							   FALSE);
		sa_entry_destroy(sa);
	}
	while (gone->remove_first(gone, (void**)&sa) == SUCCESS)
	{
		charon->kernel->expire(charon->kernel, sa->proto, sa->spi, sa->dst,
							   TRUE);
		sa_entry_destroy(sa);
	}
	r.dying->destroy(r.dying);
	gone->destroy(gone);
	if (!err)
	{
		DBG0(DBG_KNL, "kernel-nfipsec: read nfipsec's SAs again after lost "
			 "events: %u soft and %u hard EXPIRE(s) reported to charon",
			 soft, hard);
	}
}

METHOD(kernel_ipsec_t, flush_sas, status_t,
	private_kernel_nfipsec_ipsec_t *this)
{
	enumerator_t *enumerator;
	sa_entry_t *sa;
	int err;

	/* charon's only (its owner's), the administrator's stay */
	this->mutex->lock(this->mutex);
	err = owner_request(this, NFIPSEC_CMD_SA_FLUSH, NFIPSEC_A_SA,
						NFIPSEC_SA_A_OWNER, NULL, NULL);
	if (err)
	{
		DBG1(DBG_KNL, "unable to flush charon's SAs from nfipsec: %s%s",
			 strerror(-err), this->extack);
	}
	enumerator = this->sas->create_enumerator(this->sas);
	while (enumerator->enumerate(enumerator, NULL, &sa))
	{
		this->sas->remove_at(this->sas, enumerator);
		sa_entry_destroy(sa);
	}
	enumerator->destroy(enumerator);
	this->mutex->unlock(this->mutex);
	return err ? FAILED : SUCCESS;
}

/*
 * Policies
 */

/**
 * A selector's side: an address and prefix length, and the port
 */
static bool put_ts(struct nl_msg *msg, traffic_selector_t *ts, int addr_attr,
				   int plen_attr, int port_attr)
{
	uint16_t from = ts->get_from_port(ts), to = ts->get_to_port(ts);
	uint8_t proto = ts->get_protocol(ts), plen;
	host_t *net;
	bool exact, ok;

	exact = ts->to_subnet(ts, &net, &plen);
	if (!exact)
	{
		DBG1(DBG_KNL, "nfipsec selectors take subnets: %R is a range that "
			 "is not one", ts);
		net->destroy(net);
		return FALSE;
	}
	ok = put_addr(msg, addr_attr, net) &&
		 nla_put_u8(msg, plen_attr, plen) == 0;
	net->destroy(net);
	if (!ok)
	{
		return FALSE;
	}
	if (from == 0 && to == 0xffff)
	{
		return TRUE;
	}
	if ((proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) || from != to)
	{
		DBG1(DBG_KNL, "nfipsec selectors take one port or any: %R not "
			 "supported", ts);
		return FALSE;
	}
	return put_be16(msg, port_attr, from);
}

static bool put_sel(struct nl_msg *msg, int type, traffic_selector_t *src,
					traffic_selector_t *dst)
{
	struct nlattr *nest;
	uint8_t proto = src->get_protocol(src);

	nest = nest_start(msg, type);
	if (!nest ||
		!put_ts(msg, src, NFIPSEC_SEL_A_SRC, NFIPSEC_SEL_A_SRC_PLEN,
				NFIPSEC_SEL_A_SPORT) ||
		!put_ts(msg, dst, NFIPSEC_SEL_A_DST, NFIPSEC_SEL_A_DST_PLEN,
				NFIPSEC_SEL_A_DPORT) ||
		(proto && nla_put_u8(msg, NFIPSEC_SEL_A_PROTO, proto)))
	{
		return FALSE;
	}
	nla_nest_end(msg, nest);
	return TRUE;
}

static uint8_t dir2nfipsec(policy_dir_t dir)
{
	switch (dir)
	{
		case POLICY_IN:
			return NFIPSEC_DIR_IN;
		case POLICY_FWD:
			return NFIPSEC_DIR_FWD;
		case POLICY_OUT:
		default:
			return NFIPSEC_DIR_OUT;
	}
}

/**
 * kernel-netlink's automatic priority (lower: first), which nfipsec's
 * ordered list takes as is (POLICY_A_PRIORITY, lower first)
 */
static uint32_t get_priority(policy_entry_t *policy, policy_priority_t prio)
{
	uint32_t priority = PRIO_BASE;
	uint8_t plen_s = policy->src_ts->get_type(policy->src_ts) ==
						TS_IPV4_ADDR_RANGE ? 32 : 128, plen_d = plen_s;
	host_t *net;
	int ports = 0;

	switch (prio)
	{
		case POLICY_PRIORITY_FALLBACK:
			priority += PRIO_BASE;
			/* fall-through */
		case POLICY_PRIORITY_ROUTED:
		case POLICY_PRIORITY_DEFAULT:
			priority += PRIO_BASE;
			/* fall-through */
		case POLICY_PRIORITY_PASS:
			break;
	}
	policy->src_ts->to_subnet(policy->src_ts, &net, &plen_s);
	net->destroy(net);
	policy->dst_ts->to_subnet(policy->dst_ts, &net, &plen_d);
	net->destroy(net);
	/* a single port is kernel-netlink's 16 mask bits */
	if (policy->src_ts->get_from_port(policy->src_ts) ==
		policy->src_ts->get_to_port(policy->src_ts))
	{
		ports += 16;
	}
	if (policy->dst_ts->get_from_port(policy->dst_ts) ==
		policy->dst_ts->get_to_port(policy->dst_ts))
	{
		ports += 16;
	}
	priority -= (plen_s + plen_d) * 512;
	priority -= policy->src_ts->get_protocol(policy->src_ts) ? 256 : 0;
	priority -= ports * 4;
	priority -= (prio != POLICY_PRIORITY_ROUTED);
	return priority;
}

/**
 * POLICY_NEW or _SET of a policy as its first user wants it; mutex held.
 * A SET carries IF_OWNER charon: nfipsec replaces only a policy of charon's
 * owner (another's stays, -EEXIST), checked under its lock in the same
 * critical section as the change (uapi "Owners"); a policy that is not
 * there is added.
 */
static int policy_install(private_kernel_nfipsec_ipsec_t *this,
						  policy_entry_t *policy, policy_sa_t *psa,
						  uint8_t cmd)
{
	struct nlattr *nest, *tmpl;
	struct nl_msg *msg;

	msg = request_new(this, cmd, 0);
	if (!msg || !(nest = nest_start(msg, NFIPSEC_A_POLICY)) ||
		nla_put_u8(msg, NFIPSEC_POLICY_A_DIR, dir2nfipsec(policy->dir)) ||
		!put_sel(msg, NFIPSEC_POLICY_A_SEL, policy->src_ts, policy->dst_ts) ||
		nla_put_u8(msg, NFIPSEC_POLICY_A_ACTION,
				   psa->type == POLICY_DROP ? NFIPSEC_ACTION_BLOCK
											: NFIPSEC_ACTION_ALLOW) ||
		nla_put_u32(msg, NFIPSEC_POLICY_A_PRIORITY, psa->priority) ||
		nla_put_u32(msg, NFIPSEC_POLICY_A_OWNER, NFIPSEC_OWNER_CHARON) ||
		(cmd == NFIPSEC_CMD_POLICY_SET &&
		 nla_put_u32(msg, NFIPSEC_POLICY_A_IF_OWNER, NFIPSEC_OWNER_CHARON)))
	{
		goto fail;
	}
	if (psa->type == POLICY_IPSEC && psa->sa.reqid)
	{
		bool esp = psa->sa.esp.use;
		uint32_t spi = esp ? psa->sa.esp.spi : psa->sa.ah.spi;

		tmpl = nest_start(msg, NFIPSEC_POLICY_A_TMPL);
		if (!tmpl ||
			nla_put_u8(msg, NFIPSEC_TMPL_A_PROTO,
					   esp ? IPPROTO_ESP : IPPROTO_AH) ||
			nla_put_u32(msg, NFIPSEC_TMPL_A_REQID, psa->sa.reqid) ||
			nla_put_u8(msg, NFIPSEC_TMPL_A_MODE, psa->sa.mode == MODE_TUNNEL ?
					   NFIPSEC_MODE_TUNNEL : NFIPSEC_MODE_TRANSPORT))
		{
			goto fail;
		}
		/* the SA to use, for out policies (KERNEL_POLICY_SPI) */
		if (policy->dir == POLICY_OUT && spi &&
			nla_put(msg, NFIPSEC_TMPL_A_SPI, sizeof(spi), &spi))
		{
			goto fail;
		}
		if (psa->sa.mode == MODE_TUNNEL && psa->src && psa->dst &&
			(!put_addr(msg, NFIPSEC_TMPL_A_SRC, psa->src) ||
			 !put_addr(msg, NFIPSEC_TMPL_A_DST, psa->dst)))
		{
			goto fail;
		}
		nla_nest_end(msg, tmpl);
	}
	nla_nest_end(msg, nest);
	return request_talk(this, msg, NULL, NULL);

fail:
	msg_free(msg);
	return -EINVAL;
}

/**
 * POLICY_DEL by DIR and SEL, of a policy of charon's owner only (IF_OWNER:
 * another's stays, -ENOENT, as one that is gone); mutex held
 */
static int policy_remove(private_kernel_nfipsec_ipsec_t *this,
						 policy_entry_t *policy)
{
	struct nlattr *nest;
	struct nl_msg *msg;

	msg = request_new(this, NFIPSEC_CMD_POLICY_DEL, 0);
	if (!msg || !(nest = nest_start(msg, NFIPSEC_A_POLICY)) ||
		nla_put_u8(msg, NFIPSEC_POLICY_A_DIR, dir2nfipsec(policy->dir)) ||
		!put_sel(msg, NFIPSEC_POLICY_A_SEL, policy->src_ts, policy->dst_ts) ||
		nla_put_u32(msg, NFIPSEC_POLICY_A_IF_OWNER, NFIPSEC_OWNER_CHARON))
	{
		msg_free(msg);
		return -EINVAL;
	}
	nla_nest_end(msg, nest);
	return request_talk(this, msg, NULL, NULL);
}

/**
 * Check what nfipsec cannot do in a policy, and say so
 */
static bool policy_supported(kernel_ipsec_policy_id_t *id,
							 kernel_ipsec_manage_policy_t *data)
{
	if (id->mark.value || id->mark.mask)
	{
		DBG1(DBG_KNL, "nfipsec policies cannot match marks (mark %u/0x%08x)",
			 id->mark.value, id->mark.mask);
		return FALSE;
	}
	if (id->if_id)
	{
		DBG1(DBG_KNL, "nfipsec has no XFRM interfaces (if_id %u)", id->if_id);
		return FALSE;
	}
	if (id->interface)
	{
		DBG1(DBG_KNL, "nfipsec policies cannot match an interface (%s)",
			 id->interface);
		return FALSE;
	}
	if (id->label)
	{
		DBG1(DBG_KNL, "nfipsec does not support security labels");
		return FALSE;
	}
	if (data->type == POLICY_IPSEC && data->sa)
	{
		if (data->sa->esp.use && data->sa->ah.use)
		{
			DBG1(DBG_KNL, "nfipsec policies take one SA: ESP and AH "
				 "bundles not supported");
			return FALSE;
		}
		if (data->sa->ipcomp.transform != IPCOMP_NONE)
		{
			DBG1(DBG_KNL, "nfipsec does not support IPComp");
			return FALSE;
		}
		if (data->sa->mode != MODE_TUNNEL && data->sa->mode != MODE_TRANSPORT)
		{
			DBG1(DBG_KNL, "nfipsec supports tunnel and transport mode only, "
				 "not %N", ipsec_mode_names, data->sa->mode);
			return FALSE;
		}
	}
	return TRUE;
}

static policy_sa_t *policy_sa_create(policy_entry_t *policy,
									 kernel_ipsec_manage_policy_t *data)
{
	policy_sa_t *psa;

	INIT(psa,
		.type = data->type,
		.priority = data->manual_prio ?: get_priority(policy, data->prio),
		.src = data->src ? data->src->clone(data->src) : NULL,
		.dst = data->dst ? data->dst->clone(data->dst) : NULL,
	);
	if (data->sa)
	{
		psa->sa = *data->sa;
	}
	return psa;
}

static bool policy_sa_equals(policy_sa_t *a, policy_sa_t *b)
{
	return a->type == b->type && a->priority == b->priority &&
		   host_equals_null(a->src, b->src) &&
		   host_equals_null(a->dst, b->dst) &&
		   ipsec_sa_cfg_equals(&a->sa, &b->sa);
}

/**
 * The route of an outbound policy follows its installed user, and goes with
 * the last one (installed NULL)
 */
static void policy_route(policy_entry_t *policy, policy_sa_t *installed)
{
	if (policy->dir != POLICY_OUT)
	{
		return;
	}
	if (!installed)
	{
		kernel_nfipsec_route_remove(policy->route);
		policy->route = NULL;
		return;
	}
	policy->route = kernel_nfipsec_route_update(policy->route, policy->src_ts,
									policy->dst_ts, installed->type,
									installed->sa.mode, installed->src,
									installed->dst);
}

METHOD(kernel_ipsec_t, add_policy, status_t,
	private_kernel_nfipsec_ipsec_t *this, kernel_ipsec_policy_id_t *id,
	kernel_ipsec_manage_policy_t *data)
{
	policy_entry_t *policy, key = {
		.dir = id->dir,
		.src_ts = id->src_ts,
		.dst_ts = id->dst_ts,
	};
	enumerator_t *enumerator;
	policy_sa_t *psa, *current;
	bool first = TRUE, created = FALSE, taken_over = FALSE;
	uint32_t priority;
	int err;

	if (!policy_supported(id, data))
	{
		return FAILED;
	}
	this->mutex->lock(this->mutex);
	policy = this->policies->get(this->policies, &key);
	if (!policy)
	{
		INIT(policy,
			.dir = id->dir,
			.src_ts = id->src_ts->clone(id->src_ts),
			.dst_ts = id->dst_ts->clone(id->dst_ts),
			.used_by = linked_list_create(),
		);
		created = TRUE;
	}
	psa = policy_sa_create(policy, data);
	/*
	 * Before those of the same priority, as kernel-netlink: the newest is
	 * installed, so that a rekeyed CHILD_SA's outbound policy names the
	 * new SPI (KERNEL_POLICY_SPI) as soon as it is added.
	 */
	enumerator = policy->used_by->create_enumerator(policy->used_by);
	while (enumerator->enumerate(enumerator, &current))
	{
		if (current->priority >= psa->priority)
		{
			break;
		}
		first = FALSE;
	}
	policy->used_by->insert_before(policy->used_by, enumerator, psa);
	enumerator->destroy(enumerator);

	if (!first && !policy->stale)
	{	/* another user's is installed; this one waits behind it */
		this->mutex->unlock(this->mutex);
		return SUCCESS;
	}
	if (!first)
	{	/* the first user's failed to go in before: again */
		policy->used_by->get_first(policy->used_by, (void**)&current);
		policy->stale = policy_install(this, policy, current,
									   NFIPSEC_CMD_POLICY_SET) != 0;
		if (!policy->stale)
		{
			policy_route(policy, current);
		}
		this->mutex->unlock(this->mutex);
		return SUCCESS;
	}
	/*
	 * A new policy is added with POLICY_NEW, never blindly over another
	 * with the same selector (kernel-netlink's UPDPOLICY would replace an
	 * administrator's); one of ours changes with POLICY_SET.
	 */
	err = policy_install(this, policy, psa, created ? NFIPSEC_CMD_POLICY_NEW
													: NFIPSEC_CMD_POLICY_SET);
	if (err == -EEXIST && created)
	{
		/*
		 * One is there already: charon's (an earlier charon's, kept at
		 * start to be taken over, or one whose delete failed) is taken
		 * over, as kernel-netlink's UPDPOLICY would, by one POLICY_SET
		 * with IF_OWNER charon (policy_install): nfipsec checks the owner
		 * and replaces the policy in one critical section, so nothing
		 * can come in between. An administrator's or another key
		 * manager's stays (-EEXIST, the extack says whose), and so the
		 * CHILD_SA fails: the administrator decides. One that went
		 * meanwhile is added.
		 */
		err = policy_install(this, policy, psa, NFIPSEC_CMD_POLICY_SET);
		taken_over = !err;
	}
	if (err)
	{
		DBG1(DBG_KNL, "unable to %s nfipsec policy %R === %R %N: %s%s%s",
			 created ? "add" : "update", id->src_ts, id->dst_ts,
			 policy_dir_names, id->dir, strerror(-err), this->extack,
			 err == -EEXIST ? " (a policy with this selector exists, not "
			 "charon's: left alone)" : "");
		policy->used_by->remove(policy->used_by, psa, NULL);
		policy_sa_destroy(psa);
		if (created)
		{
			policy_entry_destroy(policy);
		}
		this->mutex->unlock(this->mutex);
		return FAILED;
	}
	policy->stale = FALSE;
	policy_route(policy, psa);
	if (created)
	{
		this->policies->put(this->policies, policy, policy);
	}
	/* psa may go with a concurrent del_policy once unlocked */
	priority = psa->priority;
	this->mutex->unlock(this->mutex);
	if (taken_over)
	{
		DBG1(DBG_KNL, "took over nfipsec policy %R === %R %N, left by an "
			 "earlier charon", id->src_ts, id->dst_ts, policy_dir_names,
			 id->dir);
	}
	DBG2(DBG_KNL, "%s nfipsec policy %R === %R %N, priority %u",
		 created ? "added" : "updated", id->src_ts, id->dst_ts,
		 policy_dir_names, id->dir, priority);
	return SUCCESS;
}

static int query_policy_cb(struct nlattr **tb, void *arg)
{
	struct nlattr *pol[NFIPSEC_POLICY_A_MAX + 1];
	uint64_t *use = arg;

	if (tb[NFIPSEC_A_POLICY] &&
		!nla_parse_nested(pol, NFIPSEC_POLICY_A_MAX, tb[NFIPSEC_A_POLICY],
						  NULL) && pol[NFIPSEC_POLICY_A_USE_TIME])
	{
		*use = nla_get_u64(pol[NFIPSEC_POLICY_A_USE_TIME]);
	}
	return 0;
}

METHOD(kernel_ipsec_t, query_policy, status_t,
	private_kernel_nfipsec_ipsec_t *this, kernel_ipsec_policy_id_t *id,
	kernel_ipsec_query_policy_t *data, time_t *use_time)
{
	policy_entry_t key = {
		.dir = id->dir,
		.src_ts = id->src_ts,
		.dst_ts = id->dst_ts,
	};
	struct nlattr *nest;
	struct nl_msg *msg;
	uint64_t use = 0;
	int err;

	msg = request_new(this, NFIPSEC_CMD_POLICY_GET, 0);
	if (!msg || !(nest = nest_start(msg, NFIPSEC_A_POLICY)) ||
		nla_put_u8(msg, NFIPSEC_POLICY_A_DIR, dir2nfipsec(key.dir)) ||
		!put_sel(msg, NFIPSEC_POLICY_A_SEL, key.src_ts, key.dst_ts))
	{
		msg_free(msg);
		return FAILED;
	}
	nla_nest_end(msg, nest);
	this->mutex->lock(this->mutex);
	err = request_talk(this, msg, query_policy_cb, &use);
	if (err)
	{
		DBG1(DBG_KNL, "unable to query nfipsec policy %R === %R %N: %s%s",
			 id->src_ts, id->dst_ts, policy_dir_names, id->dir,
			 strerror(-err), this->extack);
		this->mutex->unlock(this->mutex);
		return err == -ENOENT ? NOT_FOUND : FAILED;
	}
	this->mutex->unlock(this->mutex);
	/* nfipsec's use time is to a second, of the wall clock */
	*use_time = wall_to_monotonic(use);
	return SUCCESS;
}

METHOD(kernel_ipsec_t, del_policy, status_t,
	private_kernel_nfipsec_ipsec_t *this, kernel_ipsec_policy_id_t *id,
	kernel_ipsec_manage_policy_t *data)
{
	policy_entry_t *policy, key = {
		.dir = id->dir,
		.src_ts = id->src_ts,
		.dst_ts = id->dst_ts,
	};
	enumerator_t *enumerator;
	policy_sa_t *psa, *current, *found = NULL;
	bool first = TRUE, was_first = FALSE;
	int err;

	this->mutex->lock(this->mutex);
	policy = this->policies->get(this->policies, &key);
	if (!policy)
	{
		this->mutex->unlock(this->mutex);
		DBG1(DBG_KNL, "nfipsec policy %R === %R %N not found (not installed "
			 "by this charon)", id->src_ts, id->dst_ts, policy_dir_names,
			 id->dir);
		return NOT_FOUND;
	}
	psa = policy_sa_create(policy, data);
	enumerator = policy->used_by->create_enumerator(policy->used_by);
	while (enumerator->enumerate(enumerator, &current))
	{
		if (policy_sa_equals(current, psa))
		{
			found = current;
			was_first = first;
			policy->used_by->remove_at(policy->used_by, enumerator);
			break;
		}
		first = FALSE;
	}
	enumerator->destroy(enumerator);
	policy_sa_destroy(psa);
	if (!found)
	{
		this->mutex->unlock(this->mutex);
		DBG1(DBG_KNL, "nfipsec policy %R === %R %N has no such user",
			 id->src_ts, id->dst_ts, policy_dir_names, id->dir);
		return NOT_FOUND;
	}
	policy_sa_destroy(found);
	if (!was_first && !policy->stale)
	{	/* the installed one stays */
		this->mutex->unlock(this->mutex);
		return SUCCESS;
	}
	if (policy->used_by->get_first(policy->used_by, (void**)&current) ==
		SUCCESS)
	{	/*
		 * the next user's takes its place (or the first's, which failed
		 * to go in before); until one succeeds, the next change tries
		 * again (review s25 finding 9)
		 */
		err = policy_install(this, policy, current, NFIPSEC_CMD_POLICY_SET);
		policy->stale = err != 0;
		if (!err)
		{
			policy_route(policy, current);
		}
	}
	else
	{
		policy_route(policy, NULL);
		err = policy_remove(this, policy);
		/*
		 * Still in nfipsec when the delete failed: the entry stays, with
		 * no user, so that the next add_policy for it updates it
		 * (POLICY_SET) rather than failing on -EEXIST, and flush_policies
		 * and the flush by owner when charon stops still remove it.
		 */
		if (!err || err == -ENOENT)
		{
			this->policies->remove(this->policies, policy);
			policy_entry_destroy(policy);
		}
	}
	if (err)
	{
		DBG1(DBG_KNL, "unable to update or delete nfipsec policy %R === %R "
			 "%N: %s%s", id->src_ts, id->dst_ts, policy_dir_names, id->dir,
			 strerror(-err), this->extack);
	}
	this->mutex->unlock(this->mutex);
	if (err == -ENOENT)
	{
		return NOT_FOUND;
	}
	return err ? FAILED : SUCCESS;
}

METHOD(kernel_ipsec_t, flush_policies, status_t,
	private_kernel_nfipsec_ipsec_t *this)
{
	enumerator_t *enumerator;
	policy_entry_t *policy;
	int err;

	/* charon's only (its owner's): POLICY_FLUSH alone takes all */
	this->mutex->lock(this->mutex);
	err = owner_request(this, NFIPSEC_CMD_POLICY_FLUSH, NFIPSEC_A_POLICY,
						NFIPSEC_POLICY_A_OWNER, NULL, NULL);
	if (err)
	{
		DBG1(DBG_KNL, "unable to flush charon's policies from nfipsec: %s%s",
			 strerror(-err), this->extack);
	}
	enumerator = this->policies->create_enumerator(this->policies);
	while (enumerator->enumerate(enumerator, NULL, &policy))
	{
		policy_route(policy, NULL);
		this->policies->remove_at(this->policies, enumerator);
		policy_entry_destroy(policy);
	}
	enumerator->destroy(enumerator);
	this->mutex->unlock(this->mutex);
	return err ? FAILED : SUCCESS;
}

/*
 * The IKE port set: UDP to and from its ports passes the policies in clear,
 * and ESP in UDP to them (but 500) is decapsulated
 */

typedef struct {
	uint16_t ports[NFIPSEC_IKE_PORTS_MAX];
	int count;
	uint32_t abi;
	bool has_abi;
	/** NFIPSEC_FEATURE_*, 0 from a module that sends none */
	uint32_t features;
} info_t;

/**
 * What this plugin relies on, beyond the ABI version (additive attributes
 * come without a new version): owners on every SA and policy, IF_OWNER on
 * every POLICY_SET and POLICY_DEL, OWNER on SA_ALLOC_SPI
 */
#define FEATURES_NEEDED (NFIPSEC_FEATURE_OWNERS | NFIPSEC_FEATURE_IF_OWNER | \
						 NFIPSEC_FEATURE_LARVAL_OWNER)

static int get_info_cb(struct nlattr **tb, void *arg)
{
	struct nlattr *inf[NFIPSEC_INFO_A_MAX + 1];
	info_t *info = arg;

	if (!tb[NFIPSEC_A_INFO] ||
		nla_parse_nested(inf, NFIPSEC_INFO_A_MAX, tb[NFIPSEC_A_INFO], NULL))
	{
		return -EPROTO;
	}
	if (inf[NFIPSEC_INFO_A_ABI])
	{
		info->abi = nla_get_u32(inf[NFIPSEC_INFO_A_ABI]);
		info->has_abi = TRUE;
	}
	if (inf[NFIPSEC_INFO_A_FEATURES] &&
		nla_len(inf[NFIPSEC_INFO_A_FEATURES]) == sizeof(uint32_t))
	{
		info->features = nla_get_u32(inf[NFIPSEC_INFO_A_FEATURES]);
	}
	if (inf[NFIPSEC_INFO_A_IKE_PORTS])
	{
		info->count = min(nla_len(inf[NFIPSEC_INFO_A_IKE_PORTS]) / 2,
						  NFIPSEC_IKE_PORTS_MAX);
		memcpy(info->ports, nla_data(inf[NFIPSEC_INFO_A_IKE_PORTS]),
			   info->count * 2);
	}
	return 0;
}

/**
 * GET_INFO; mutex held
 */
static int get_info(private_kernel_nfipsec_ipsec_t *this, info_t *info)
{
	return request_talk(this, request_new(this, NFIPSEC_CMD_GET_INFO, 0),
						get_info_cb, info);
}

/**
 * Put port into the namespace's IKE port set, if it is not there
 */
static bool ensure_ike_port(private_kernel_nfipsec_ipsec_t *this,
							uint16_t port, char *why)
{
	info_t info = {};
	uint16_t be = htons(port);
	struct nlattr *nest;
	struct nl_msg *msg;
	int err, i;

	this->mutex->lock(this->mutex);
	err = get_info(this, &info);
	if (err)
	{
		DBG1(DBG_KNL, "unable to read nfipsec's IKE port set: %s%s",
			 strerror(-err), this->extack);
		this->mutex->unlock(this->mutex);
		return FALSE;
	}
	for (i = 0; i < info.count; i++)
	{
		if (info.ports[i] == be)
		{
			this->mutex->unlock(this->mutex);
			DBG2(DBG_KNL, "UDP port %u is in nfipsec's IKE port set (%s)",
				 port, why);
			return TRUE;
		}
	}
	if (info.count == NFIPSEC_IKE_PORTS_MAX)
	{
		DBG1(DBG_KNL, "nfipsec's IKE port set is full (%d ports): cannot "
			 "add UDP port %u (%s)", info.count, port, why);
		this->mutex->unlock(this->mutex);
		return FALSE;
	}
	info.ports[info.count++] = be;
	msg = request_new(this, NFIPSEC_CMD_SET_INFO, 0);
	if (!msg || !(nest = nest_start(msg, NFIPSEC_A_INFO)) ||
		nla_put(msg, NFIPSEC_INFO_A_IKE_PORTS, info.count * 2, info.ports))
	{
		msg_free(msg);
		this->mutex->unlock(this->mutex);
		return FALSE;
	}
	nla_nest_end(msg, nest);
	err = request_talk(this, msg, NULL, NULL);
	if (err)
	{	/* this->extack is the next request's once unlocked */
		DBG1(DBG_KNL, "unable to add UDP port %u to nfipsec's IKE port set "
			 "(%s): %s%s", port, why, strerror(-err), this->extack);
		this->mutex->unlock(this->mutex);
		return FALSE;
	}
	this->mutex->unlock(this->mutex);
	DBG1(DBG_KNL, "added UDP port %u to nfipsec's IKE port set (%s)", port,
		 why);
	return TRUE;
}

/**
 * The local UDP port of a socket, 0 when it is none
 */
static uint16_t socket_udp_port(int fd)
{
	struct sockaddr_storage addr;
	socklen_t len = sizeof(addr);
	int type = 0, proto = 0;
	socklen_t olen = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &olen) ||
		type != SOCK_DGRAM)
	{
		return 0;
	}
	olen = sizeof(proto);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &olen) ||
		proto != IPPROTO_UDP)
	{
		return 0;
	}
	if (getsockname(fd, (struct sockaddr*)&addr, &len))
	{
		return 0;
	}
	switch (addr.ss_family)
	{
		case AF_INET:
			return ntohs(((struct sockaddr_in*)&addr)->sin_port);
		case AF_INET6:
			return ntohs(((struct sockaddr_in6*)&addr)->sin6_port);
		default:
			return 0;
	}
}

METHOD(kernel_ipsec_t, bypass_socket, bool,
	private_kernel_nfipsec_ipsec_t *this, int fd, int family)
{
	uint16_t port = socket_udp_port(fd);

	if (!port)
	{	/* nfipsec exempts ports, not sockets */
		DBG1(DBG_KNL, "nfipsec can only exempt bound UDP sockets from its "
			 "policies (through its IKE port set): socket %d refused", fd);
		return FALSE;
	}
	return ensure_ike_port(this, port, "bypass");
}

METHOD(kernel_ipsec_t, enable_udp_decap, bool,
	private_kernel_nfipsec_ipsec_t *this, int fd, int family, uint16_t port)
{
	if (port == IKEV2_UDP_PORT)
	{
		DBG1(DBG_KNL, "nfipsec does not decapsulate ESP in UDP on port %u",
			 port);
		return FALSE;
	}
	return ensure_ike_port(this, port, "ESP in UDP");
}

/**
 * Remove every SA and larval SA of charon's owner (NFIPSEC_OWNER_CHARON)
 * in this namespace, and at "stop" every policy of it too, policies first (as
 * charon deletes a CHILD_SA's); at "start" the policies stay (the top of
 * this file says why). What goes is logged: DBG1 each, DBG0 how many.
 */
static void remove_stale(private_kernel_nfipsec_ipsec_t *this, char *when)
{
	stale_sas_t stale = {};
	u_int policies = 0;
	bool start = streq(when, "start");
	int err;

	if (!lib->settings->get_bool(lib->settings,
						"%s.plugins.kernel-nfipsec.remove_stale", TRUE, lib->ns))
	{
		DBG1(DBG_KNL, "kernel-nfipsec: not removing charon's SAs and "
			 "policies at %s (remove_stale = no)", when);
		return;
	}
	this->mutex->lock(this->mutex);
	/* listed first: the flush reports no count */
	err = owner_request(this, NFIPSEC_CMD_POLICY_GET, NFIPSEC_A_POLICY,
						NFIPSEC_POLICY_A_OWNER, stale_policy_cb, &policies);
	/* at start the policies stay, blocking, to be taken over */
	if (!err && !start)
	{
		err = owner_request(this, NFIPSEC_CMD_POLICY_FLUSH, NFIPSEC_A_POLICY,
							NFIPSEC_POLICY_A_OWNER, NULL, NULL);
	}
	if (!err)
	{
		err = owner_request(this, NFIPSEC_CMD_SA_GET, NFIPSEC_A_SA,
							NFIPSEC_SA_A_OWNER, stale_sa_cb, &stale);
	}
	if (!err)
	{
		err = owner_request(this, NFIPSEC_CMD_SA_FLUSH, NFIPSEC_A_SA,
							NFIPSEC_SA_A_OWNER, NULL, NULL);
	}
	if (err)
	{
		DBG0(DBG_KNL, "kernel-nfipsec: unable to remove the SAs and policies "
			 "of charon's owner (0x%x) from nfipsec at %s: %s%s",
			 NFIPSEC_OWNER_CHARON, when, strerror(-err), this->extack);
	}
	else if (start && (stale.sas || policies))
	{
		DBG0(DBG_KNL, "kernel-nfipsec: removed %u SA(s) of charon's owner "
			 "(0x%x) from nfipsec at start and kept its %u policy(ies), which "
			 "drop what they protect until charon installs its own over them: "
			 "an earlier charon left them", stale.sas, NFIPSEC_OWNER_CHARON,
			 policies);
	}
	else if (stale.sas || policies)
	{
		DBG0(DBG_KNL, "kernel-nfipsec: removed %u SA(s) and %u policy(ies) "
			 "of charon's owner (0x%x) from nfipsec at %s", stale.sas,
			 policies, NFIPSEC_OWNER_CHARON, when);
	}
	else
	{
		DBG1(DBG_KNL, "kernel-nfipsec: no SA or policy of charon's owner "
			 "(0x%x) in nfipsec at %s", NFIPSEC_OWNER_CHARON, when);
	}
	if (!err && stale.larvals)
	{	/* they would hold its ACQUIREs down until they expire */
		DBG1(DBG_KNL, "kernel-nfipsec: removed %u larval SA(s) of charon's "
			 "owner (0x%x) from nfipsec at %s: negotiations that no charon "
			 "will finish", stale.larvals, NFIPSEC_OWNER_CHARON, when);
	}
	this->mutex->unlock(this->mutex);
}

/**
 * Who holds the abstract name at addr (len bytes): the listening holder's
 * uid and pid (SO_PEERCRED), FALSE when it cannot be asked
 */
static bool lock_holder(struct sockaddr_un *addr, socklen_t len,
						struct ucred *cred)
{
	socklen_t clen = sizeof(*cred);
	bool ok;
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
	{
		return FALSE;
	}
	ok = !connect(fd, (struct sockaddr*)addr, len) &&
		 !getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &clen);
	close(fd);
	return ok;
}

/**
 * Take the namespace's charon lock (the top of this file): FALSE when
 * another charon holds it, or it cannot be taken. Abstract names have no
 * permissions: any local process of the namespace can bind one. A holder
 * that is not root is not a charon: this one then goes on without the
 * lock (logged at level 0) rather than let any local user keep charon
 * from keying nfipsec.
 */
static bool take_instance_lock(private_kernel_nfipsec_ipsec_t *this,
							   char *reason, size_t len)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	static const char name[] = "nfipsec-owner-6368726e";
	socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 1 +
					 sizeof(name) - 1;
	struct ucred cred;
	int fd, err;

	/* abstract: sun_path[0] is 0, the name follows, not 0-terminated */
	memcpy(addr.sun_path + 1, name, sizeof(name) - 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
	{
		snprintf(reason, len, "no socket for the namespace's charon lock: %s",
				 strerror(errno));
		return FALSE;
	}
	/* listening, so that a second charon can ask who holds it */
	if (!bind(fd, (struct sockaddr*)&addr, alen) && !listen(fd, 1))
	{
		this->instance_lock = fd;
		return TRUE;
	}
	err = errno;
	close(fd);
	if (err == EADDRINUSE && lock_holder(&addr, alen, &cred) &&
		cred.uid != 0)
	{
		DBG0(DBG_KNL, "kernel-nfipsec: @%s, the namespace's charon lock, is "
			 "held by uid %u (pid %u), not root, so not a charon: going on "
			 "without the lock (a second charon in this namespace would "
			 "now remove this one's SAs)", name, cred.uid, cred.pid);
		return TRUE;
	}
	snprintf(reason, len, err == EADDRINUSE ?
			 "another charon keys nfipsec in this network namespace "
			 "(it holds @%s): this one refuses everything and removes "
			 "nothing of its" : "cannot take @%s, the namespace's charon "
			 "lock", name);
	return FALSE;
}

METHOD(kernel_ipsec_t, destroy, void,
	private_kernel_nfipsec_ipsec_t *this)
{
	enumerator_t *enumerator;
	policy_entry_t *policy;
	sa_entry_t *sa;

	if (this->started)
	{	/* what charon's delete of its CHILD_SAs did not remove */
		remove_stale(this, "stop");
	}
	if (this->instance_lock >= 0)
	{
		close(this->instance_lock);
	}
	if (this->events)
	{
		lib->watcher->remove(lib->watcher, nl_socket_get_fd(this->events));
		nl_socket_free(this->events);
	}
	if (this->sock)
	{
		nl_socket_free(this->sock);
	}
	if (this->policies)
	{
		enumerator = this->policies->create_enumerator(this->policies);
		while (enumerator->enumerate(enumerator, NULL, &policy))
		{
			policy_entry_destroy(policy);
		}
		enumerator->destroy(enumerator);
		this->policies->destroy(this->policies);
	}
	if (this->sas)
	{
		enumerator = this->sas->create_enumerator(this->sas);
		while (enumerator->enumerate(enumerator, NULL, &sa))
		{
			sa_entry_destroy(sa);
		}
		enumerator->destroy(enumerator);
		this->sas->destroy(this->sas);
	}
	this->mutex->destroy(this->mutex);
	free(this);
}

/**
 * Set nfipsec's larval SA lifetime, as kernel-netlink sets XFRM's
 */
static void set_acq_expires(private_kernel_nfipsec_ipsec_t *this)
{
	struct nlattr *nest;
	struct nl_msg *msg;
	int secs, err;

	secs = lib->settings->get_int(lib->settings,
						"%s.plugins.kernel-nfipsec.xfrm_acq_expires",
						DEFAULT_ACQ_EXPIRES, lib->ns);
	if (secs <= 0)
	{
		return;
	}
	msg = request_new(this, NFIPSEC_CMD_SET_INFO, 0);
	if (!msg || !(nest = nest_start(msg, NFIPSEC_A_INFO)) ||
		nla_put_u32(msg, NFIPSEC_INFO_A_ACQ_EXPIRES, secs))
	{
		msg_free(msg);
		return;
	}
	nla_nest_end(msg, nest);
	this->mutex->lock(this->mutex);
	err = request_talk(this, msg, NULL, NULL);
	if (err)
	{	/* under the mutex: this->extack is the next request's after it */
		DBG1(DBG_KNL, "unable to set nfipsec's larval SA lifetime to %d s: "
			 "%s%s", secs, strerror(-err), this->extack);
	}
	this->mutex->unlock(this->mutex);
}

/**
 * Size the events socket's receive buffer, as kernel-netlink sizes its own
 * (receive_buffer_size, force_receive_buffer_size). The keymgr group
 * carries ACQUIRE, EXPIRE and MAPPING alone, but a burst of them (many SAs
 * expiring together, a trap policy's traffic) can still be large:
 * SO_RCVBUF alone is capped at net.core.rmem_max (about 200 events by
 * default), SO_RCVBUFFORCE is not (CAP_NET_ADMIN, which the plugin has).
 * The size the kernel took is logged; an overflow is followed by resync().
 */
static void set_events_buffer(private_kernel_nfipsec_ipsec_t *this)
{
	int fd = nl_socket_get_fd(this->events), size, got = 0;
	socklen_t len = sizeof(got);
	bool force;

	size = lib->settings->get_int(lib->settings,
						"%s.plugins.kernel-nfipsec.receive_buffer_size",
						DEFAULT_EVENTS_RCVBUF, lib->ns);
	force = lib->settings->get_bool(lib->settings,
						"%s.plugins.kernel-nfipsec.force_receive_buffer_size",
						TRUE, lib->ns);
	if (size > 0)
	{
		if (force &&
			setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		{
			DBG1(DBG_KNL, "unable to force the nfipsec events socket's "
				 "receive buffer to %d bytes (%s): trying SO_RCVBUF, which "
				 "net.core.rmem_max caps", size, strerror(errno));
			force = FALSE;
		}
		if (!force &&
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)))
		{
			DBG1(DBG_KNL, "unable to set the nfipsec events socket's "
				 "receive buffer to %d bytes: %s", size, strerror(errno));
		}
	}
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len))
	{
		DBG1(DBG_KNL, "unable to read the nfipsec events socket's receive "
			 "buffer size: %s", strerror(errno));
		return;
	}
	/* the kernel reports twice what it was given (bookkeeping included) */
	if (size > 0 && got < size)
	{
		DBG1(DBG_KNL, "nfipsec events socket: receive buffer of %d bytes, "
			 "not the %d asked for: events may be lost under load", got,
			 size);
	}
	else
	{
		DBG1(DBG_KNL, "nfipsec events socket: receive buffer of %d bytes",
			 got);
	}
}

/**
 * A socket whose callbacks are libnl's defaults, whatever the environment
 * says. nl_socket_alloc() takes the callback kind from NLCB, and NLCB=debug
 * installs NL_CB_MSG_OUT/MSG_IN hooks that hex-dump every message sent and
 * received to stderr: SA_NEW and SA_SET with their keys, into the journal.
 * No libnl debug hook may ever see the request socket: every socket of this
 * plugin is allocated here, never with nl_socket_alloc().
 */
static struct nl_sock *socket_alloc()
{
	struct nl_sock *sock;
	struct nl_cb *cb;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
	{
		return NULL;
	}
	/* the socket takes its own reference */
	sock = nl_socket_alloc_cb(cb);
	nl_cb_put(cb);
	return sock;
}

/**
 * Open the sockets and check the family; FALSE with why not in reason
 */
static bool open_family(private_kernel_nfipsec_ipsec_t *this, char *reason,
						size_t len)
{
	info_t info = {};
	int one = 1, group, err;
	char *name;

	this->sock = socket_alloc();
	this->events = socket_alloc();
	if (!this->sock || !this->events ||
		genl_connect(this->sock) || genl_connect(this->events))
	{
		snprintf(reason, len, "unable to open generic netlink sockets");
		return FALSE;
	}
	/*
	 * request_talk() reads the answers to requests itself and checks their
	 * sequence numbers; libnl's expected number would not follow, and the
	 * libnl calls made here afterwards (genl_ctrl_resolve_grp) would
	 * take their answer for a stale one.
	 */
	nl_socket_disable_seq_check(this->sock);
	setsockopt(nl_socket_get_fd(this->sock), SOL_NETLINK, NETLINK_EXT_ACK,
			   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(this->sock), SOL_NETLINK, NETLINK_CAP_ACK,
			   &one, sizeof(one));
	this->family = genl_ctrl_resolve(this->sock, NFIPSEC_GENL_NAME);
	if (this->family < 0)
	{
		snprintf(reason, len, "the nfipsec generic netlink family is missing "
				 "(is the nfipsec module loaded? modprobe nfipsec)");
		return FALSE;
	}
	this->mutex->lock(this->mutex);
	err = get_info(this, &info);
	this->mutex->unlock(this->mutex);
	if (err || !info.has_abi || info.abi != NFIPSEC_GENL_VERSION)
	{
		snprintf(reason, len, "nfipsec's generic netlink ABI is %d, "
				 "kernel-nfipsec was built for %d%s%s",
				 info.has_abi ? (int)info.abi : -1, NFIPSEC_GENL_VERSION,
				 err ? ", GET_INFO failed" : "", this->extack);
		return FALSE;
	}
	if ((info.features & FEATURES_NEEDED) != FEATURES_NEEDED)
	{	/* each SA_NEW and POLICY_NEW would fail with "Invalid argument" */
		snprintf(reason, len, "the loaded nfipsec module is older than "
				 "kernel-nfipsec (its features 0x%x lack 0x%x: owners, "
				 "if-owner, larval owners); reload it (stop charon, "
				 "rmmod nfipsec, modprobe nfipsec) so that the installed "
				 "one runs", info.features,
				 FEATURES_NEEDED & ~info.features);
		return FALSE;
	}
	/*
	 * The key manager's group: ACQUIRE, EXPIRE and MAPPING alone, not the
	 * table changes (uapi "Events"). A module without it: the events
	 * group, which carries them too.
	 */
	name = NFIPSEC_MCGRP_KEYMGR;
	group = genl_ctrl_resolve_grp(this->sock, NFIPSEC_GENL_NAME, name);
	if (group < 0)
	{
		DBG1(DBG_KNL, "nfipsec has no %s group (an older module): joining "
			 "its %s group, which table changes fill too",
			 NFIPSEC_MCGRP_KEYMGR, NFIPSEC_MCGRP_EVENTS);
		name = NFIPSEC_MCGRP_EVENTS;
		group = genl_ctrl_resolve_grp(this->sock, NFIPSEC_GENL_NAME, name);
	}
	err = group < 0 ? group : nl_socket_add_membership(this->events, group);
	if (err)
	{
		snprintf(reason, len, "unable to join nfipsec's events group (%s%s): "
				 "there would be no ACQUIRE, EXPIRE or MAPPING",
				 group < 0 ? "resolving it: " : "", nl_geterror(err));
		return FALSE;
	}
	/*
	 * An event the socket had no room for is reported to nfipsec (ENOBUFS
	 * to the sender): an ACQUIRE lost so leaves no larval SA behind, and
	 * the next packet sends it again (uapi "Events").
	 */
	if (setsockopt(nl_socket_get_fd(this->events), SOL_NETLINK,
				   NETLINK_BROADCAST_ERROR, &one, sizeof(one)))
	{
		DBG1(DBG_KNL, "unable to set NETLINK_BROADCAST_ERROR on the nfipsec "
			 "events socket: %s", strerror(errno));
	}
	DBG1(DBG_KNL, "nfipsec events socket: in the %s group", name);
	nl_socket_disable_seq_check(this->events);
	nl_socket_modify_cb(this->events, NL_CB_VALID, NL_CB_CUSTOM, on_event,
						this);
	nl_socket_set_nonblocking(this->events);
	set_events_buffer(this);
	lib->watcher->add(lib->watcher, nl_socket_get_fd(this->events),
					  WATCHER_READ, receive_events, this);
	return TRUE;
}

/*
 * Described in header.
 */
kernel_nfipsec_ipsec_t *kernel_nfipsec_ipsec_create()
{
	private_kernel_nfipsec_ipsec_t *this;
	char reason[320] = "";

	INIT(this,
		.public = {
			.interface = {
				.get_features = _get_features,
				.get_spi = _get_spi,
				.get_cpi = _get_cpi,
				.add_sa  = _add_sa,
				.update_sa = _update_sa,
				.query_sa = _query_sa,
				.del_sa = _del_sa,
				.flush_sas = _flush_sas,
				.add_policy = _add_policy,
				.query_policy = _query_policy,
				.del_policy = _del_policy,
				.flush_policies = _flush_policies,
				.bypass_socket = _bypass_socket,
				.enable_udp_decap = _enable_udp_decap,
				.destroy = _destroy,
			},
		},
		.mutex = mutex_create(MUTEX_TYPE_DEFAULT),
		.instance_lock = -1,
		.policies = hashtable_create((hashtable_hash_t)policy_hash,
									 (hashtable_equals_t)policy_equals, 32),
		.sas = hashtable_create((hashtable_hash_t)sa_hash,
								(hashtable_equals_t)sa_equals, 32),
	);

	if (!open_family(this, reason, sizeof(reason)) ||
		!take_instance_lock(this, reason, sizeof(reason)))
	{
		destroy(this);
		return kernel_nfipsec_closed_create(reason);
	}
	set_acq_expires(this);
	DBG1(DBG_KNL, "kernel-nfipsec: IPsec on nfipsec's generic netlink "
		 "family (ABI %d)", NFIPSEC_GENL_VERSION);
	remove_stale(this, "start");
	this->started = TRUE;
	/* what get_features() does not claim, and what add_sa, update_sa and
	 * add_policy refuse (each with its own message when asked) */
	DBG1(DBG_KNL, "kernel-nfipsec: not supported: ESPv3 TFC padding (peers "
		 "are told ESP_TFC_PADDING_NOT_SUPPORTED), IPComp, moving SAs to new "
		 "addresses (MOBIKE, NAT-T address changes), marks and XFRM "
		 "interfaces, security labels, hardware offload, port ranges in "
		 "selectors");
	return &this->public;
}
