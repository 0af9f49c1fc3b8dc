// SPDX-License-Identifier: GPL-2.0
/* Per network namespace state: tables, counters and hooks. */

#include <net/netns/generic.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>

#include "nfipsec.h"
#include "policy.h"

static unsigned int nfipsec_net_id __read_mostly;

struct nfipsec_net *nfipsec_net(const struct net *net)
{
	return net_generic(net, nfipsec_net_id);
}

static int __net_init nfipsec_net_init(struct net *net)
{
	struct nfipsec_net *nn = nfipsec_net(net);
	int err;

	nn->net = net;
	mutex_init(&nn->cfg_lock);
	INIT_LIST_HEAD(&nn->sa_list);
	hash_init(nn->sa_by_spi);
	hash_init(nn->sa_by_dst);
	INIT_LIST_HEAD(&nn->policies);
	nn->ike_ports[0] = htons(500);
	nn->ike_ports[1] = htons(4500);
	nn->ike_nports = 2;
	nfipsec_offload_init(nn);

	nn->stats = nfipsec_counters_alloc(__NFIPSEC_STAT_MAX);
	if (!nn->stats)
		return -ENOMEM;

	/*
	 * IPv6 reassembles after LOCAL_IN unless netfilter's defrag does it
	 * at PRE_ROUTING: fragmented ESP must reach LOCAL_IN whole.
	 */
	err = nf_defrag_ipv6_enable(net);
	if (err)
		goto err_free_stats;

	err = nfipsec_hooks_register(net);
	if (err)
		goto err_defrag;
	return 0;

err_defrag:
	nf_defrag_ipv6_disable(net);
err_free_stats:
	nfipsec_counters_free(nn->stats);
	return err;
}

static void __net_exit nfipsec_net_exit(struct net *net)
{
	struct nfipsec_net *nn = nfipsec_net(net);

	/* Waits for hook functions still running (synchronize_net). */
	nfipsec_hooks_unregister(net);
	nf_defrag_ipv6_disable(net);
	mutex_lock(&nn->cfg_lock);
	nfipsec_policy_flush(nn, -1);
	nfipsec_sa_flush(nn, 0);
	mutex_unlock(&nn->cfg_lock);
	nfipsec_offload_exit(nn);
	nfipsec_counters_free(nn->stats);
	mutex_destroy(&nn->cfg_lock);
}

/*
 * A subsystem: its exit runs after every device of the namespace is gone
 * (nfipsec0 included, device.c), so no packet passes the namespace without
 * the hooks.
 */
static struct pernet_operations nfipsec_net_ops = {
	.init = nfipsec_net_init,
	.exit = nfipsec_net_exit,
	.id = &nfipsec_net_id,
	.size = sizeof(struct nfipsec_net),
};

int nfipsec_netns_init(void)
{
	return register_pernet_subsys(&nfipsec_net_ops);
}

void nfipsec_netns_exit(void)
{
	unregister_pernet_subsys(&nfipsec_net_ops);
}
