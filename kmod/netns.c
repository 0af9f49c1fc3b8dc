// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state: tables, counters and hooks. The hooks, and
 * netfilter's IPv6 defragmentation with them, are registered while the
 * namespace has SAs or policies: one that does not use nfipsec pays
 * nothing (its nfipsec0 stays, idle).
 */

#include <net/netns/generic.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>

#include "nfipsec.h"
#include "larval.h"
#include "lifetime.h"
#include "policy.h"

static unsigned int nfipsec_net_id __read_mostly;

/* Each namespace's limits start here; only the host's admin may raise them. */
static unsigned int max_sas = 16384;
module_param(max_sas, uint, 0644);
MODULE_PARM_DESC(max_sas, "a new namespace's limit of SAs (16384)");
static unsigned int max_policies = 16384;
module_param(max_policies, uint, 0644);
MODULE_PARM_DESC(max_policies, "a new namespace's limit of policies (16384)");

struct nfipsec_net *nfipsec_net(const struct net *net)
{
	return net_generic(net, nfipsec_net_id);
}

static void hooks_idle_work(struct work_struct *work);

static int __net_init nfipsec_net_init(struct net *net)
{
	struct nfipsec_net *nn = nfipsec_net(net);
	struct nfipsec_net *parent;
	int err;

	nn->net = net;
	mutex_init(&nn->cfg_lock);
	INIT_LIST_HEAD(&nn->sa_list);
	hash_init(nn->sa_by_spi);
	hash_init(nn->sa_by_dst);
	nn->ike_ports[0] = htons(500);
	nn->ike_ports[1] = htons(4500);
	nn->ike_nports = 2;
	nn->max_sas = READ_ONCE(max_sas);
	nn->max_policies = READ_ONCE(max_policies);
	/*
	 * A namespace made by a task in a namespace whose limits were
	 * lowered inherits them: unshare(CLONE_NEWNET) is no way around a
	 * container's limits.
	 */
	parent = current->nsproxy ? nfipsec_net(current->nsproxy->net_ns) : NULL;
	if (parent && parent != nn && READ_ONCE(parent->net)) {
		nn->max_sas = min(nn->max_sas, READ_ONCE(parent->max_sas));
		nn->max_policies = min(nn->max_policies,
				       READ_ONCE(parent->max_policies));
	}
	INIT_DELAYED_WORK(&nn->hooks_idle_work, hooks_idle_work);
	nfipsec_lft_net_init(nn);
	nfipsec_larval_net_init(nn);
	nfipsec_keepalive_net_init(nn);
	nfipsec_offload_init(nn);

	err = nfipsec_policy_net_init(nn);
	if (err)
		return err;
	nn->stats = nfipsec_counters_alloc(__NFIPSEC_STAT_MAX);
	if (!nn->stats) {
		nfipsec_policy_net_exit(nn);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Before the namespace's first SA or policy is added: the hooks. A failure
 * refuses the add. Under cfg_lock.
 */
int nfipsec_net_hooks_get(struct nfipsec_net *nn)
{
	int err;

	lockdep_assert_held(&nn->cfg_lock);
	if (nn->hooks_on)
		return 0;
	/*
	 * IPv6 reassembles after LOCAL_IN unless netfilter's defrag does it
	 * at PRE_ROUTING: fragmented ESP must reach LOCAL_IN whole.
	 */
	err = nf_defrag_ipv6_enable(nn->net);
	if (err)
		return err;
	err = nfipsec_hooks_register(nn->net);
	if (err) {
		nf_defrag_ipv6_disable(nn->net);
		return err;
	}
	nn->hooks_on = true;
	return 0;
}

static void hooks_off(struct nfipsec_net *nn)
{
	nfipsec_hooks_unregister(nn->net);
	nf_defrag_ipv6_disable(nn->net);
	nn->hooks_on = false;
}

/*
 * The hooks go a few seconds after the last SA or policy, if none came
 * back: a loop of add and delete must not (un)register hooks, and flip
 * their static keys host-wide, at netlink speed.
 */
#define NFIPSEC_HOOKS_IDLE (2 * HZ)

static void hooks_idle_work(struct work_struct *work)
{
	struct nfipsec_net *nn = container_of(to_delayed_work(work),
					      struct nfipsec_net,
					      hooks_idle_work);

	mutex_lock(&nn->cfg_lock);
	if (nn->hooks_on && !nn->sa_count && !nn->policy_count &&
	    !nn->default_block)
		hooks_off(nn);
	mutex_unlock(&nn->cfg_lock);
}

/* After SAs or policies are removed, or a default allows. Under cfg_lock. */
void nfipsec_net_hooks_put(struct nfipsec_net *nn)
{
	lockdep_assert_held(&nn->cfg_lock);
	if (nn->hooks_on && !nn->sa_count && !nn->policy_count &&
	    !nn->default_block)
		mod_delayed_work(system_wq, &nn->hooks_idle_work,
				 NFIPSEC_HOOKS_IDLE);
}

static void __net_exit nfipsec_net_exit(struct net *net)
{
	struct nfipsec_net *nn = nfipsec_net(net);

	mutex_lock(&nn->cfg_lock);
	if (nn->hooks_on) {
		hooks_off(nn);
		/*
		 * Unregistering does not wait for hook functions already
		 * running (on a live namespace at module unload): they use
		 * nn, freed after this.
		 */
		synchronize_net();
	}
	nfipsec_policy_net_exit(nn);
	nfipsec_sa_flush(nn, 0, NULL);
	mutex_unlock(&nn->cfg_lock);
	/*
	 * The works take cfg_lock: stopped after it is released. The
	 * lifetime scans can queue the hooks' idle work (an SA expired): they
	 * are stopped first. With no SA or policy left, nothing queues
	 * either again.
	 */
	nfipsec_lft_net_exit(nn);
	nfipsec_larval_net_exit(nn);
	nfipsec_keepalive_net_exit(nn);
	cancel_delayed_work_sync(&nn->hooks_idle_work);
	nfipsec_offload_exit(nn);
	nfipsec_counters_free(nn->stats);
	mutex_destroy(&nn->cfg_lock);
}

/*
 * After the exits of a batch of namespaces: their policies give their
 * counters back after a grace period, and the pools are in the namespaces'
 * data, freed after this. One wait for the whole batch.
 */
static void __net_exit nfipsec_net_exit_batch(struct list_head *net_list)
{
	struct net *net;
	bool busy = false;

	list_for_each_entry(net, net_list, exit_list)
		busy |= nfipsec_counters_pool_busy(&nfipsec_net(net)->pol_stats);
	if (!busy)
		return;
	rcu_barrier();
	list_for_each_entry(net, net_list, exit_list)
		WARN_ON_ONCE(nfipsec_counters_pool_busy(&nfipsec_net(net)->pol_stats));
}

/*
 * A subsystem: its exit runs after every device of the namespace is gone
 * (nfipsec0 included, device.c), so no packet passes the namespace without
 * the hooks.
 */
static struct pernet_operations nfipsec_net_ops = {
	.init = nfipsec_net_init,
	.exit = nfipsec_net_exit,
	.exit_batch = nfipsec_net_exit_batch,
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
