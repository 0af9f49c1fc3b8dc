// SPDX-License-Identifier: GPL-2.0
/*
 * Security associations: creation with their crypto transform, the two
 * lookup tables of a namespace (input by destination, SPI and protocol;
 * output by destination and protocol), removal and freeing.
 *
 * Tables change under nn->cfg_lock and are read under RCU. An SA holds a
 * reference while it is in the tables; the datapath takes one more across
 * asynchronous crypto. The last reference frees the SA from a workqueue
 * after a grace period, since freeing a transform may sleep.
 */

#include <crypto/algapi.h>
#include <crypto/authenc.h>
#include <crypto/hash.h>
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/moduleparam.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "nfipsec.h"
#include "ah.h"
#include "esp.h"
#include "larval.h"
#include "lifetime.h"
#include "netlink.h"
#include "policy.h"

static struct workqueue_struct *nfipsec_sa_wq;

#ifdef NFIPSEC_TESTING
/* The lab's build only (Kbuild): DKMS's module has no such knob. */
static bool force_async;
module_param(force_async, bool, 0644);
MODULE_PARM_DESC(force_async,
		 "For tests: new AES-GCM SAs run through cryptd (asynchronous)");

static bool sa_force_async(void)
{
	return READ_ONCE(force_async);
}
#else
static bool sa_force_async(void)
{
	return false;
}
#endif

static u32 sa_spi_hash(__be32 spi, u8 proto)
{
	return hash_32((__force u32)spi ^ proto, NFIPSEC_SA_HASH_BITS);
}

static u32 sa_dst_hash(u8 family, const union nfipsec_addr *dst, u8 proto)
{
	if (family == AF_INET)
		return jhash_1word((__force u32)dst->a4, proto);
	return jhash2((const u32 *)dst->a6.s6_addr32, 4, proto);
}

static void nfipsec_sa_free_work(struct work_struct *work)
{
	struct nfipsec_sa *sa = container_of(to_rcu_work(work),
					     struct nfipsec_sa, free_work);

	if (!IS_ERR_OR_NULL(sa->aead))
		crypto_free_aead(sa->aead);
	if (!IS_ERR_OR_NULL(sa->ahash))
		crypto_free_ahash(sa->ahash);
	nfipsec_counters_free(sa->stats);
	/* Keys live in sa->algs and in the transform's context. */
	kfree_sensitive(sa);
}

void nfipsec_sa_put(struct nfipsec_sa *sa)
{
	if (refcount_dec_and_test(&sa->refcnt))
		queue_rcu_work(nfipsec_sa_wq, &sa->free_work);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_sa_put);

/* Key for authenc(): an rtattr with the encryption key's length, the
 * authentication key, then the encryption key (crypto/authenc.c).
 */
static int sa_authenc_setkey(const struct nfipsec_sa *sa,
			     struct crypto_aead *aead)
{
	const struct nfipsec_sa_alg *a = &sa->algs[NFIPSEC_ALG_AUTH];
	const struct nfipsec_sa_alg *e = &sa->algs[NFIPSEC_ALG_CRYPT];
	struct crypto_authenc_key_param *param;
	unsigned int len;
	struct rtattr *rta;
	u8 *key, *p;
	int err;

	len = RTA_SPACE(sizeof(*param)) + a->key_len + e->key_len;
	key = kmalloc(len, GFP_KERNEL);
	if (!key)
		return -ENOMEM;
	rta = (struct rtattr *)key;
	rta->rta_type = CRYPTO_AUTHENC_KEYA_PARAM;
	rta->rta_len = RTA_LENGTH(sizeof(*param));
	param = RTA_DATA(rta);
	param->enckeylen = cpu_to_be32(e->key_len);
	p = key + RTA_SPACE(sizeof(*param));
	memcpy(p, a->key, a->key_len);
	memcpy(p + a->key_len, e->key, e->key_len);
	err = crypto_aead_setkey(aead, key, len);
	kfree_sensitive(key);
	return err;
}

/*
 * The crypto API name of the SA's transform, as XFRM's ESP builds it
 * (esp_init_aead, esp_init_authenc): with geniv, wrapped in the
 * algorithm's IV generator (seqiv, echainiv), which makes the IVs; else
 * bare, taking the IV from its caller. Null encryption has no IV and no
 * generator.
 */
static int sa_aead_name(const struct nfipsec_sa *sa, bool geniv, char *name,
			size_t size)
{
	const struct nfipsec_sa_alg *aead = &sa->algs[NFIPSEC_ALG_AEAD];
	const struct nfipsec_sa_alg *auth = &sa->algs[NFIPSEC_ALG_AUTH];
	const struct nfipsec_sa_alg *crypt = &sa->algs[NFIPSEC_ALG_CRYPT];
	const struct nfipsec_alg *a, *e;
	char inner[CRYPTO_MAX_ALG_NAME];
	const char *gen;
	int n;

	if (aead->alg) {
		gen = aead->alg->geniv;
		/*
		 * cryptd() over an algorithm that resolves to an accelerated
		 * driver clashes with the driver's own cryptd instance
		 * (-EEXIST): the test knob wraps the generic composition of
		 * GCM instead.
		 */
		if (sa_force_async() &&
		    !strcmp(aead->alg->name, "rfc4106(gcm(aes))"))
			n = snprintf(inner, sizeof(inner), "%s",
				     "cryptd(rfc4106(gcm_base(ctr(aes-generic),ghash-generic)))");
		else
			n = snprintf(inner, sizeof(inner), "%s",
				     aead->alg->name);
	} else {
		/* Absent halves are null algorithms, as XFRM does it. */
		a = auth->alg ?: nfipsec_alg_find("digest_null", NFIPSEC_ALG_AUTH);
		e = crypt->alg ?: nfipsec_alg_find("ecb(cipher_null)",
						   NFIPSEC_ALG_CRYPT);
		gen = e->geniv;
		n = snprintf(inner, sizeof(inner), "%s(%s,%s)",
			     nfipsec_sa_esn(sa) ? "authencesn" : "authenc",
			     a->name, e->name);
	}
	if (n >= sizeof(inner))
		return -ENAMETOOLONG;
	if (geniv && gen)
		n = snprintf(name, size, "%s(%s)", gen, inner);
	else
		n = snprintf(name, size, "%s", inner);
	return n < size ? 0 : -ENAMETOOLONG;
}

/* A keyed transform for the SA: see sa_aead_name() for geniv. */
static struct crypto_aead *sa_alloc_aead(const struct nfipsec_sa *sa,
					 bool geniv,
					 struct netlink_ext_ack *extack)
{
	const struct nfipsec_sa_alg *aead = &sa->algs[NFIPSEC_ALG_AEAD];
	const struct nfipsec_sa_alg *auth = &sa->algs[NFIPSEC_ALG_AUTH];
	char name[CRYPTO_MAX_ALG_NAME];
	struct crypto_aead *tfm;
	unsigned int icv_bits;
	int err;

	err = sa_aead_name(sa, geniv, name, sizeof(name));
	if (err) {
		NL_SET_ERR_MSG(extack, "algorithm name too long");
		return ERR_PTR(err);
	}
	if (aead->alg)
		icv_bits = aead->icv_bits ?: aead->alg->icv_default;
	else
		icv_bits = auth->alg ? auth->icv_bits ?: auth->alg->icv_default : 0;

	tfm = crypto_alloc_aead(name, 0, 0);
	if (IS_ERR(tfm)) {
		nfipsec_extack_fmt(extack, "algorithm not available in this kernel",
				   "%s: not available in this kernel (%ld)",
				   name, PTR_ERR(tfm));
		return tfm;
	}
	if (aead->alg)
		err = crypto_aead_setkey(tfm, aead->key, aead->key_len);
	else
		err = sa_authenc_setkey(sa, tfm);
	if (err) {
		NL_SET_ERR_MSG(extack, "the crypto API refused the key");
		goto err_free;
	}
	err = crypto_aead_setauthsize(tfm, icv_bits / 8);
	if (err) {
		NL_SET_ERR_MSG(extack, "the crypto API refused the ICV length");
		goto err_free;
	}
	return tfm;

err_free:
	crypto_free_aead(tfm);
	return ERR_PTR(err);
}

#if IS_ENABLED(CONFIG_KUNIT)
/* KUnit: the SA's transform without its IV generator (test vectors). */
struct crypto_aead *nfipsec_sa_alloc_bare_aead(const struct nfipsec_sa *sa)
{
	return sa_alloc_aead(sa, false, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_sa_alloc_bare_aead);
#endif

/* AH: the authentication algorithm's keyed hash, its ICV truncated. */
static int sa_init_ah(struct nfipsec_sa *sa, struct netlink_ext_ack *extack)
{
	const struct nfipsec_sa_alg *auth = &sa->algs[NFIPSEC_ALG_AUTH];
	unsigned int icv_bits = auth->icv_bits ?: auth->alg->icv_default;
	int err;

	sa->ahash = crypto_alloc_ahash(auth->alg->name, 0, 0);
	if (IS_ERR(sa->ahash)) {
		nfipsec_extack_fmt(extack, "algorithm not available in this kernel",
				   "%s: not available in this kernel (%ld)",
				   auth->alg->name, PTR_ERR(sa->ahash));
		return PTR_ERR(sa->ahash);
	}
	err = crypto_ahash_setkey(sa->ahash, auth->key, auth->key_len);
	if (err) {
		NL_SET_ERR_MSG(extack, "the crypto API refused the key");
		return err;
	}
	sa->icvlen = icv_bits / 8;
	/* The whole digest is computed into a NFIPSEC_AH_MAX_ICV buffer. */
	if (crypto_ahash_digestsize(sa->ahash) > NFIPSEC_AH_MAX_ICV ||
	    sa->icvlen > crypto_ahash_digestsize(sa->ahash)) {
		NL_SET_ERR_MSG(extack, "ICV longer than the digest");
		return -EINVAL;
	}
	sa->ivlen = 0;
	sa->align = 4;
	return 0;
}

static int sa_init_crypto(struct nfipsec_sa *sa, struct netlink_ext_ack *extack)
{
	if (sa->proto == IPPROTO_AH)
		return sa_init_ah(sa, extack);
	sa->aead = sa_alloc_aead(sa, true, extack);
	if (IS_ERR(sa->aead))
		return PTR_ERR(sa->aead);
	sa->ivlen = crypto_aead_ivsize(sa->aead);
	sa->align = ALIGN(crypto_aead_blocksize(sa->aead), 4);
	sa->icvlen = crypto_aead_authsize(sa->aead);
	/*
	 * ESP hands the generator the sequence number as a 64-bit IV (or
	 * the low 64 bits of a longer one); only null encryption has none.
	 */
	if (sa->ivlen > NFIPSEC_ESP_MAX_IVLEN ||
	    (sa->ivlen && sa->ivlen < sizeof(u64))) {
		NL_SET_ERR_MSG(extack, "unsupported IV length");
		return -EINVAL;
	}
	return 0;
}

/* A new SA, in no table yet; nfipsec_sa_put() frees it. */
struct nfipsec_sa *nfipsec_sa_create(struct nfipsec_net *nn,
				     const struct nfipsec_sa_cfg *cfg,
				     struct netlink_ext_ack *extack)
{
	struct nfipsec_sa *sa;
	int err;

	/* Charged to the caller's memory cgroup (a container's own SAs). */
	sa = kzalloc(sizeof(*sa), GFP_KERNEL_ACCOUNT);
	if (!sa)
		return ERR_PTR(-ENOMEM);
	INIT_RCU_WORK(&sa->free_work, nfipsec_sa_free_work);
	refcount_set(&sa->refcnt, 1);
	spin_lock_init(&sa->lock);
	sa->nn = nn;
	sa->family = cfg->family;
	sa->proto = cfg->proto;
	sa->mode = cfg->mode;
	sa->spi = cfg->spi;
	sa->src = cfg->src;
	sa->dst = cfg->dst;
	sa->reqid = cfg->reqid;
	sa->flags = cfg->flags;
	sa->sel = cfg->sel;
	sa->encap_type = cfg->encap_type;
	sa->encap_sport = cfg->encap_sport;
	sa->encap_dport = cfg->encap_dport;
	sa->encap_oa = cfg->encap_oa;
	sa->encap_follow = cfg->encap_follow;
	sa->nat_keepalive = cfg->nat_keepalive;
	sa->smark = cfg->smark;
	sa->smask = cfg->smask;
	sa->km_seq = cfg->km_seq;
	sa->owner = cfg->owner;
	sa->lft = cfg->lft;
	nfipsec_lft_init_sa(sa);
	memcpy(sa->algs, cfg->algs, sizeof(sa->algs));
	nfipsec_replay_init(&sa->replay, cfg->replay_window);
	sa->replay.top = cfg->replay_top;
	atomic64_set(&sa->seq_out, cfg->seq_out);

	sa->stats = nfipsec_counters_alloc(__NFIPSEC_SA_STAT_MAX);
	if (!sa->stats) {
		err = -ENOMEM;
		goto err_free;
	}

	err = sa_init_crypto(sa, extack);
	if (err)
		goto err_free;
	return sa;

err_free:
	nfipsec_sa_free_work(&sa->free_work.work);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_sa_create);

/*
 * By (dst, SPI, proto): under rcu_read_lock() on the datapath, or
 * nn->cfg_lock for configuration; takes no reference.
 */
struct nfipsec_sa *nfipsec_sa_lookup(struct nfipsec_net *nn, u8 family,
				     const union nfipsec_addr *dst,
				     __be32 spi, u8 proto)
{
	struct nfipsec_sa *sa;

	hash_for_each_possible_rcu(nn->sa_by_spi, sa, by_spi,
				   sa_spi_hash(spi, proto),
				   lockdep_is_held(&nn->cfg_lock)) {
		if (sa->spi == spi && sa->proto == proto &&
		    sa->family == family &&
		    nfipsec_addr_equal(&sa->dst, dst, family))
			return sa;
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_sa_lookup);

/* Has an SA of proto this SPI, whatever its destination? Under cfg_lock. */
bool nfipsec_sa_spi_used(struct nfipsec_net *nn, __be32 spi, u8 proto)
{
	struct nfipsec_sa *sa;

	lockdep_assert_held(&nn->cfg_lock);
	hash_for_each_possible(nn->sa_by_spi, sa, by_spi, sa_spi_hash(spi, proto))
		if (sa->spi == spi && sa->proto == proto)
			return true;
	return false;
}

/* Into the tables (a new SA, not yet published). Under cfg_lock. */
void nfipsec_sa_link(struct nfipsec_net *nn, struct nfipsec_sa *sa)
{
	lockdep_assert_held(&nn->cfg_lock);
	hash_add_rcu(nn->sa_by_spi, &sa->by_spi, sa_spi_hash(sa->spi, sa->proto));
	hash_add_rcu(nn->sa_by_dst, &sa->by_dst,
		     sa_dst_hash(sa->family, &sa->dst, sa->proto));
	list_add_tail(&sa->list, &nn->sa_list);
	nn->sa_count++;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_sa_link);

/* Out of the tables; the tables' reference is dropped. Under cfg_lock. */
void nfipsec_sa_unlink(struct nfipsec_net *nn, struct nfipsec_sa *sa)
{
	lockdep_assert_held(&nn->cfg_lock);
	hash_del_rcu(&sa->by_spi);
	hash_del_rcu(&sa->by_dst);
	list_del(&sa->list);
	nn->sa_count--;
	WRITE_ONCE(sa->dead, true);
	nfipsec_sa_put(sa);
}

/*
 * What an update may not change, or NULL: the identity's source, what the
 * datapath built the transform and window from, and the keys. XFRM ignores
 * such changes silently; a new key under the old sequence numbers would
 * repeat nonces, a resized window would lose its history.
 */
static const char *sa_update_conflict(const struct nfipsec_sa *sa,
				      const struct nfipsec_sa_cfg *cfg)
{
	int k;

	if (cfg->family != sa->family ||
	    memcmp(&cfg->src, &sa->src, sizeof(cfg->src)))
		return "src";
	if (cfg->mode != sa->mode)
		return "mode";
	if (cfg->reqid != sa->reqid)
		return "reqid";
	if (memcmp(&cfg->sel, &sa->sel, sizeof(cfg->sel)))
		return "sel";
	if (cfg->encap_type != sa->encap_type ||
	    memcmp(&cfg->encap_oa, &sa->encap_oa, sizeof(cfg->encap_oa)))
		return "encap type or address";
	if (cfg->flags != sa->flags)
		return "flags";
	if (min(cfg->replay_window, NFIPSEC_REPLAY_MAX) != sa->replay.window)
		return "replay-window";
	for (k = 0; k < ARRAY_SIZE(sa->algs); k++) {
		const struct nfipsec_sa_alg *a = &cfg->algs[k], *b = &sa->algs[k];

		if (a->alg != b->alg || a->icv_bits != b->icv_bits ||
		    a->key_len != b->key_len ||
		    crypto_memneq(a->key, b->key, a->key_len))
			return "algorithms or keys";
	}
	return NULL;
}

/*
 * Update in place, as XFRM: lifetimes, and the output-mark when given.
 * Readers may see the old mark with the new mask for one packet. 1: there
 * is no SA, but a larval SA holds the SPI (the caller adds the SA in its
 * place).
 */
static int sa_update(struct nfipsec_net *nn, const struct nfipsec_sa_cfg *cfg,
		     struct netlink_ext_ack *extack)
{
	struct nfipsec_sa *sa;
	const char *what;

	mutex_lock(&nn->cfg_lock);
	sa = nfipsec_sa_lookup(nn, cfg->family, &cfg->dst, cfg->spi, cfg->proto);
	if (!sa) {
		bool larval = nfipsec_larval_find(nn, cfg->family, &cfg->dst,
						  cfg->spi, cfg->proto, NULL);

		mutex_unlock(&nn->cfg_lock);
		if (larval)
			return 1;
		NL_SET_ERR_MSG(extack, "no SA with this dst, spi and proto");
		return -ENOENT;
	}
	what = sa_update_conflict(sa, cfg);
	if (cfg->has_seq_out)
		what = "replay-oseq";
	else if (cfg->has_replay_top)
		what = "replay-seq";
	if (what) {
		mutex_unlock(&nn->cfg_lock);
		nfipsec_extack_fmt(extack,
				   "update cannot change this: add a new SA, delete the old",
				   "update cannot change %s: add a new SA, delete the old",
				   what);
		return -EINVAL;
	}
	nfipsec_lft_update(sa, &cfg->lft);
	/* A NAT mapping changed: the key manager moves the ports. */
	WRITE_ONCE(sa->encap_sport, cfg->encap_sport);
	WRITE_ONCE(sa->encap_dport, cfg->encap_dport);
	/* As XFRM keeps the keepalive interval: these only when given. */
	if (cfg->has_follow)
		WRITE_ONCE(sa->encap_follow, cfg->encap_follow);
	if (cfg->has_keepalive) {
		WRITE_ONCE(sa->nat_keepalive, cfg->nat_keepalive);
		nfipsec_keepalive_kick(nn, sa);
	}
	if (cfg->smask) {
		WRITE_ONCE(sa->smask, cfg->smask);
		WRITE_ONCE(sa->smark, cfg->smark);
	}
	/* uapi "Owners": kept unless given (a key manager takes it over). */
	if (cfg->has_owner)
		WRITE_ONCE(sa->owner, cfg->owner);
	nfipsec_nl_sa_event(nn, NFIPSEC_CMD_SA_SET, sa);
	mutex_unlock(&nn->cfg_lock);
	return 0;
}

/* With cfg_lock held, or without as a first look (the writers hold it). */
static bool sa_limit_reached(struct nfipsec_net *nn,
			     struct netlink_ext_ack *extack)
{
	u32 max = READ_ONCE(nn->max_sas);

	if (READ_ONCE(nn->sa_count) < max)
		return false;
	nfipsec_extack_fmt(extack, "the namespace's limit of SAs is reached",
			   "the namespace's limit of %u SAs is reached", max);
	return true;
}

/*
 * SA_NEW, or SA_SET (update). An update of a larval SA's SPI adds the SA
 * in the larval SA's place, as XFRM's UPDSA does.
 */
int nfipsec_sa_add(struct nfipsec_net *nn, const struct nfipsec_sa_cfg *cfg,
		   bool update, struct netlink_ext_ack *extack)
{
	struct nfipsec_larval lv = {};
	struct nfipsec_sa *sa;
	bool larval = false;
	int err;

again:
	if (update) {
		err = sa_update(nn, cfg, extack);
		if (err <= 0)
			return err;
		larval = true;
	}

	/*
	 * The transform is made before taking the lock: it may sleep long.
	 * A namespace at its limit makes none (checked again under the lock).
	 */
	if (sa_limit_reached(nn, extack))
		return -ENOSPC;
	sa = nfipsec_sa_create(nn, cfg, extack);
	if (IS_ERR(sa))
		return PTR_ERR(sa);

	mutex_lock(&nn->cfg_lock);
	if (nfipsec_sa_lookup(nn, cfg->family, &cfg->dst, cfg->spi, cfg->proto)) {
		mutex_unlock(&nn->cfg_lock);
		nfipsec_sa_put(sa);
		/* Another update made the larval SA an SA meanwhile. */
		if (larval)
			goto again;
		NL_SET_ERR_MSG(extack, "an SA with this dst, spi and proto exists");
		return -EEXIST;
	}
	/*
	 * As XFRM: a larval SA's SPI is taken (SA_NEW: -EEXIST); SA_SET
	 * replaces it, unless it expired meanwhile.
	 */
	if (nfipsec_larval_find(nn, cfg->family, &cfg->dst, cfg->spi,
				cfg->proto, larval ? &lv : NULL) != larval) {
		mutex_unlock(&nn->cfg_lock);
		if (larval)
			NL_SET_ERR_MSG(extack, "no SA with this dst, spi and proto");
		else
			NL_SET_ERR_MSG(extack,
				       "a larval SA (allocspi) holds this dst, spi and proto: use update");
		nfipsec_sa_put(sa);
		return larval ? -ENOENT : -EEXIST;
	}
	if (sa_limit_reached(nn, extack)) {
		mutex_unlock(&nn->cfg_lock);
		nfipsec_sa_put(sa);
		return -ENOSPC;
	}
	err = nfipsec_net_hooks_get(nn);
	if (err) {
		mutex_unlock(&nn->cfg_lock);
		NL_SET_ERR_MSG(extack, "cannot register the netfilter hooks");
		nfipsec_sa_put(sa);
		return err;
	}
	if (larval) {
		nfipsec_larval_remove(nn, sa->family, &sa->dst, sa->spi,
				      sa->proto, false);
		/* uapi "Owners": the larval SA's, unless given. */
		if (!cfg->has_owner)
			sa->owner = lv.owner;
	}
	nfipsec_sa_link(nn, sa);
	nfipsec_lft_start(sa);
	nfipsec_keepalive_kick(nn, sa);
	nfipsec_larval_answered(nn, sa);
	nfipsec_nl_sa_event(nn, larval ? NFIPSEC_CMD_SA_SET : NFIPSEC_CMD_SA_NEW,
			    sa);
	mutex_unlock(&nn->cfg_lock);
	return 0;
}

/*
 * Remove every SA (of proto, unless 0; of *owner, unless owner is NULL).
 * Under nn->cfg_lock.
 */
void nfipsec_sa_flush(struct nfipsec_net *nn, u8 proto, const u32 *owner)
{
	struct nfipsec_sa *sa, *tmp;

	lockdep_assert_held(&nn->cfg_lock);
	list_for_each_entry_safe(sa, tmp, &nn->sa_list, list)
		if ((!proto || sa->proto == proto) &&
		    (!owner || sa->owner == *owner))
			nfipsec_sa_unlink(nn, sa);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_sa_flush);

/*
 * The endpoints of the SA a template wants for the packet fl: in transport
 * mode the packet's addresses, in tunnel mode the template's, a template
 * without a source taking the one the route to its destination gives (as
 * XFRM's xfrm_get_saddr()). 0, or the route lookup's error. Under
 * rcu_read_lock().
 */
int nfipsec_tmpl_endpoints(struct nfipsec_net *nn,
			   const struct nfipsec_tmpl *t,
			   const struct nfipsec_flow *fl,
			   union nfipsec_addr *src, union nfipsec_addr *dst)
{
	if (t->mode == NFIPSEC_MODE_TRANSPORT) {
		*src = fl->src;
		*dst = fl->dst;
		return 0;
	}
	*dst = t->dst;
	if (!nfipsec_addr_any(&t->src, t->family)) {
		*src = t->src;
		return 0;
	}
	return nfipsec_route_saddr(nn->net, t->family, dst, src);
}

/*
 * The SA that carries the packet fl for a policy's template: the
 * endpoints src and dst (nfipsec_tmpl_endpoints()), the template's
 * protocol, mode and reqid, the SPI when the template names one, a
 * selector that takes fl. As XFRM chooses: one not dying (past a soft
 * limit) before one dying, the newest first (after a rekey both exist for
 * a while: buckets hold the newest first); never one a hard limit ended.
 * Under rcu_read_lock(); takes no reference.
 */
struct nfipsec_sa *nfipsec_sa_find_out(struct nfipsec_net *nn,
				       const struct nfipsec_tmpl *t,
				       const struct nfipsec_flow *fl,
				       const union nfipsec_addr *src,
				       const union nfipsec_addr *dst)
{
	struct nfipsec_sa *sa, *dying = NULL;

	hash_for_each_possible_rcu(nn->sa_by_dst, sa, by_dst,
				   sa_dst_hash(t->family, dst, t->proto)) {
		if (!nfipsec_tmpl_match_out(t, sa, src, dst) ||
		    (sa->flags & NFIPSEC_SA_F_WILDRECV) ||
		    !nfipsec_sa_match_flow(sa, fl) || READ_ONCE(sa->dead) ||
		    nfipsec_lft_expired(sa))
			continue;
		if (!READ_ONCE(sa->dying))
			return sa;
		if (!dying)
			dying = sa;
	}
	return dying;
}

/*
 * FOLLOW (uapi): inbound sa's peer was seen at port sport (from its
 * address, in a packet that passed every check and is still the newest;
 * under sa->lock, so that the newest one wins). The SAs this host sends
 * with to that peer under the same reqid from sa's own port move to it,
 * whatever port they had (one a rekey or an update put back on the
 * configured port follows too). With BH disabled (the RCU read side of
 * the tables).
 */
void nfipsec_sa_follow_port(struct nfipsec_sa *sa, __be16 sport)
{
	__be16 old = READ_ONCE(sa->encap_sport), local = READ_ONCE(sa->encap_dport);
	struct nfipsec_net *nn = sa->nn;
	struct nfipsec_sa *out;

	if (old == sport || !sport)
		return;
	WRITE_ONCE(sa->encap_sport, sport);
	hash_for_each_possible_rcu(nn->sa_by_dst, out, by_dst,
				   sa_dst_hash(sa->family, &sa->src, IPPROTO_ESP)) {
		if (out->family != sa->family || !out->encap_type ||
		    out->proto != IPPROTO_ESP || out->reqid != sa->reqid ||
		    READ_ONCE(out->dead) ||
		    !nfipsec_addr_equal(&out->dst, &sa->src, sa->family) ||
		    !nfipsec_addr_equal(&out->src, &sa->dst, sa->family) ||
		    READ_ONCE(out->encap_sport) != local)
			continue;
		WRITE_ONCE(out->encap_dport, sport);
	}
	nfipsec_stat_inc(nn, NFIPSEC_STAT_MAPPING_FOLLOWED);
}

/* Does this host send ESP in UDP to addr (an SA with ENCAP)? Under RCU. */
bool nfipsec_sa_encap_peer(struct nfipsec_net *nn, u8 family,
			   const union nfipsec_addr *addr)
{
	struct nfipsec_sa *sa;

	hash_for_each_possible_rcu(nn->sa_by_dst, sa, by_dst,
				   sa_dst_hash(family, addr, IPPROTO_ESP))
		if (sa->family == family && sa->encap_type &&
		    sa->proto == IPPROTO_ESP && !READ_ONCE(sa->dead) &&
		    nfipsec_addr_equal(&sa->dst, addr, family))
			return true;
	return false;
}

int nfipsec_sa_init(void)
{
	nfipsec_sa_wq = alloc_workqueue("nfipsec_sa", 0, 0);
	return nfipsec_sa_wq ? 0 : -ENOMEM;
}

void nfipsec_sa_exit(void)
{
	/* SAs still waiting for a grace period queue their work after it. */
	rcu_barrier();
	destroy_workqueue(nfipsec_sa_wq);
}
