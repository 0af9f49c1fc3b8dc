// SPDX-License-Identifier: GPL-2.0
/*
 * The algorithms an SA may use, with ip-xfrm's names and defaults
 * (net/xfrm/xfrm_algo.c): key lengths, salt, IV, block and ICV sizes.
 */

#include <kunit/visibility.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <net/netlink.h>

#include "algs.h"

#define AEAD(_n, _alias, _kmin, _kmax, _salt, _icvmin)			\
	{ .name = _n, .alias = _alias, .kind = NFIPSEC_ALG_AEAD,	\
	  .key_min = _kmin, .key_max = _kmax, .key_step = 64,		\
	  .salt = _salt, .geniv = "seqiv",				\
	  .icv_default = 128, .icv_full = 128, .icv_min = _icvmin }

#define CBC(_n, _alias, _kmin, _kmax, _step)				\
	{ .name = _n, .alias = _alias, .kind = NFIPSEC_ALG_CRYPT,	\
	  .key_min = _kmin, .key_max = _kmax, .key_step = _step,	\
	  .geniv = "echainiv" }

#define AUTH(_n, _alias, _kmin, _kmax, _def, _full)			\
	{ .name = _n, .alias = _alias, .kind = NFIPSEC_ALG_AUTH,	\
	  .key_min = _kmin, .key_max = _kmax, .key_step = 8,		\
	  .icv_default = _def, .icv_full = _full, .icv_min = 64 }

static const struct nfipsec_alg nfipsec_algs[] = {
	AEAD("rfc4106(gcm(aes))", NULL, 128, 256, 4, 64),
	AEAD("rfc4309(ccm(aes))", NULL, 128, 256, 3, 64),
	AEAD("rfc4543(gcm(aes))", NULL, 128, 256, 4, 128),
	{ .name = "rfc7539esp(chacha20,poly1305)", .kind = NFIPSEC_ALG_AEAD,
	  .key_min = 256, .key_max = 256, .key_step = 64, .salt = 4,
	  .geniv = "seqiv", .icv_default = 128, .icv_full = 128, .icv_min = 128 },

	CBC("cbc(aes)", "aes", 128, 256, 64),
	CBC("cbc(des3_ede)", "des3_ede", 192, 192, 64),
	CBC("cbc(des)", "des", 64, 64, 64),
	CBC("cbc(blowfish)", "blowfish", 40, 448, 8),
	CBC("cbc(twofish)", "twofish", 128, 256, 64),
	CBC("cbc(camellia)", "camellia", 128, 256, 64),
	CBC("cbc(cast5)", "cast5", 40, 128, 8),
	CBC("cbc(serpent)", "serpent", 128, 256, 64),
	{ .name = "rfc3686(ctr(aes))", .kind = NFIPSEC_ALG_CRYPT,
	  .key_min = 128, .key_max = 256, .key_step = 64, .salt = 4,
	  .geniv = "seqiv" },
	{ .name = "ecb(cipher_null)", .alias = "cipher_null",
	  .kind = NFIPSEC_ALG_CRYPT },

	/*
	 * HMAC takes a key of any length (one longer than the hash's block
	 * is hashed first), and XFRM passes any on: 8 to 1024 bits (the key
	 * attribute's 128 bytes). The digest is the full ICV.
	 */
	AUTH("hmac(md5)", "md5", 8, 1024, 96, 128),
	AUTH("hmac(sha1)", "sha1", 8, 1024, 96, 160),
	AUTH("hmac(sha256)", "sha256", 8, 1024, 96, 256),
	AUTH("hmac(sha384)", "sha384", 8, 1024, 192, 384),
	AUTH("hmac(sha512)", "sha512", 8, 1024, 256, 512),
	AUTH("xcbc(aes)", NULL, 128, 128, 96, 128),
	AUTH("cmac(aes)", NULL, 128, 128, 96, 128),
	{ .name = "digest_null", .kind = NFIPSEC_ALG_AUTH },
};

const struct nfipsec_alg *nfipsec_alg_find(const char *name,
					   enum nfipsec_alg_kind kind)
{
	const struct nfipsec_alg *a;

	for (a = nfipsec_algs; a < nfipsec_algs + ARRAY_SIZE(nfipsec_algs); a++) {
		if (a->kind != kind)
			continue;
		if (!strcmp(name, a->name) || (a->alias && !strcmp(name, a->alias)))
			return a;
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_alg_find);

/* Check a key (salt included) and an ICV length (0: the default). */
int nfipsec_alg_check(const struct nfipsec_alg *alg, unsigned int key_bytes,
		      unsigned int icv_bits, struct netlink_ext_ack *extack)
{
	unsigned int bits;

	if (key_bytes < alg->salt) {
		nfipsec_extack_fmt(extack, "key too short for the salt",
				   "%s: key too short for its %u-byte salt",
				   alg->name, alg->salt);
		return -EINVAL;
	}
	bits = (key_bytes - alg->salt) * 8;
	if (bits < alg->key_min || bits > alg->key_max ||
	    (alg->key_step && (bits - alg->key_min) % alg->key_step)) {
		if (alg->key_min == alg->key_max)
			nfipsec_extack_fmt(extack, "wrong key length for the algorithm",
					   "%s: key must be %u bits%s, not %u",
					   alg->name, alg->key_min,
					   alg->salt ? " + salt" : "", bits);
		else
			nfipsec_extack_fmt(extack, "wrong key length for the algorithm",
					   "%s: key must be %u..%u bits%s, not %u",
					   alg->name, alg->key_min, alg->key_max,
					   alg->salt ? " + salt" : "", bits);
		return -EINVAL;
	}
	if (alg->kind == NFIPSEC_ALG_CRYPT || !icv_bits)
		return 0;
	if (icv_bits < alg->icv_min || icv_bits > alg->icv_full ||
	    icv_bits % 32) {
		nfipsec_extack_fmt(extack, "wrong ICV length for the algorithm",
				   "%s: ICV must be %u..%u bits, by 32, not %u",
				   alg->name, alg->icv_min, alg->icv_full,
				   icv_bits);
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_alg_check);
