// SPDX-License-Identifier: GPL-2.0
/*
 * nfipsec0: the device decrypted packets arrive on.
 *
 * Every network namespace has one, created with the namespace (or when the
 * module is loaded), up from the start, never moved to another namespace and
 * not deletable by hand. Its pernet operations are a device's: they run
 * after the namespace's state (netns.c) is set up and before it is torn
 * down, while the hooks are still in place: no moment without the policy
 * checks. nn->dev is RCU: NULL before the device exists and after it is
 * unregistered, whoever unregisters it.
 *
 * Only the decrypt path (input.c) puts packets on it, through gro_cells
 * (or an administrator's tc or BPF redirect: CAP_NET_ADMIN, the privilege
 * that configures nfipsec), so a packet whose input device is nfipsec0 was
 * authenticated and decrypted by one of this namespace's SAs and met the
 * inbound policy: the policy check of what comes in clear (input.c) skips
 * it, and firewall rules tell decapsulated traffic apart with
 * iifname "nfipsec0". Its receive counters add up the inbound SAs.
 *
 * Nothing is sent through it: a packet routed to nfipsec0 is dropped at
 * POST_ROUTING (output.c), so no multicast or broadcast is looped back onto
 * it, and anything else reaching its transmit function is dropped and
 * counted (tx_dropped). Set down, it drops what the SAs decrypt.
 *
 * Decrypted packets carry no secpath (XFRM's policy checks take a secpath
 * for one with at least one of XFRM's states), so reverse-path filtering
 * applies to them: the route back to a remote LAN goes out the WAN, not
 * nfipsec0, and rp_filter 1 or 2 drops decrypted IPv4 (README).
 */

#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/inetdevice.h>
#include <net/addrconf.h>
#include <net/gro_cells.h>

#include "nfipsec.h"

struct nfipsec_dev {
	struct gro_cells gro_cells;
};

static int nfipsec_dev_ndo_init(struct net_device *dev)
{
	struct nfipsec_dev *nd = netdev_priv(dev);
	int err;

	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		return -ENOMEM;
	err = gro_cells_init(&nd->gro_cells, dev);
	if (err) {
		free_percpu(dev->tstats);
		dev->tstats = NULL;
	}
	return err;
}

/* After the last reference: nothing can queue on the cells any more. */
static void nfipsec_dev_free(struct net_device *dev)
{
	struct nfipsec_dev *nd = netdev_priv(dev);

	gro_cells_destroy(&nd->gro_cells);
	free_percpu(dev->tstats);
}

static netdev_tx_t nfipsec_dev_xmit(struct sk_buff *skb,
				    struct net_device *dev)
{
	dev_core_stats_tx_dropped_inc(dev);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops nfipsec_dev_ops = {
	.ndo_init = nfipsec_dev_ndo_init,
	.ndo_start_xmit = nfipsec_dev_xmit,
	.ndo_get_stats64 = dev_get_tstats64,
};

static void nfipsec_dev_setup(struct net_device *dev)
{
	dev->netdev_ops = &nfipsec_dev_ops;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	/* No bridge, bond or macvlan takes its packets before IP does. */
	dev->priv_flags |= IFF_NO_QUEUE | IFF_NO_RX_HANDLER;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->mtu = ETH_DATA_LEN;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = IP_MAX_MTU;
	dev->needs_free_netdev = true;
	dev->priv_destructor = nfipsec_dev_free;
	nfipsec_netdev_set_netns_local(dev);
}

/*
 * Receive a decrypted packet (skb->protocol and the network header set) on
 * nn's device. Consumes skb. Returns false when it was dropped.
 * csum_ok: its transport checksum is not to be checked (NAT-T transport
 * mode: the NAT changed the addresses it covers).
 */
bool nfipsec_dev_rx(struct nfipsec_net *nn, struct sk_buff *skb, bool csum_ok)
{
	struct net_device *dev;
	unsigned int len;
	bool ok = false;

	rcu_read_lock();
	dev = rcu_dereference(nn->dev);
	if (!dev) {
		kfree_skb(skb);
		goto out;
	}
	/* What the outer packet carried is not the inner one's. */
	skb_scrub_packet(skb, false);
	skb->dev = dev;
	skb->pkt_type = PACKET_HOST;
	skb_reset_mac_header(skb);
	skb->mac_len = 0;
	memset(skb->cb, 0, sizeof(skb->cb));
	skb->ip_summed = csum_ok ? CHECKSUM_UNNECESSARY : CHECKSUM_NONE;
	skb->csum_level = 0;	/* not the outer UDP's */
	skb_clear_hash(skb);
	skb_set_queue_mapping(skb, 0);
	len = skb->len;
	if (gro_cells_receive(&((struct nfipsec_dev *)netdev_priv(dev))->gro_cells,
			      skb) == NET_RX_SUCCESS) {
		dev_sw_netstats_rx_add(dev, len);
		ok = true;
	}
out:
	rcu_read_unlock();
	return ok;
}

/*
 * No IPv6 link-local address: nfipsec0 sends nothing, so no DAD, router
 * solicitation or MLD report (IPv6 stays enabled: decrypted IPv6 is
 * received on it). No reverse-path filter of its own: the route back to
 * the remote LANs is not through it (the kernel still applies "all"'s).
 */
static void nfipsec_dev_conf(struct net_device *dev)
{
	struct in_device *in_dev = __in_dev_get_rtnl(dev);
#if IS_ENABLED(CONFIG_IPV6)
	struct inet6_dev *idev = __in6_dev_get(dev);

	if (idev)
		WRITE_ONCE(idev->cnf.addr_gen_mode, IN6_ADDR_GEN_MODE_NONE);
#endif
	if (in_dev)
		IN_DEV_CONF_SET(in_dev, RP_FILTER, 0);
}

static int __net_init nfipsec_dev_net_init(struct net *net)
{
	struct nfipsec_net *nn = nfipsec_net(net);
	struct net_device *dev;
	int err;

	dev = alloc_netdev(sizeof(struct nfipsec_dev), "nfipsec0",
			   NET_NAME_PREDICTABLE, nfipsec_dev_setup);
	if (!dev)
		return -ENOMEM;
	dev_net_set(dev, net);

	rtnl_lock();
	/*
	 * Loading the module into namespaces that exist already: one may
	 * have a device of that name. Take another name rather than fail.
	 */
	if (__dev_get_by_name(net, dev->name)) {
		err = dev_alloc_name(dev, "nfipsec%d");
		if (err < 0)
			goto err_free;
		pr_warn("nfipsec0 is taken in a namespace: decrypted traffic arrives on %s there\n",
			dev->name);
	}
	err = register_netdevice(dev);
	if (err)
		goto err_free;
	nfipsec_dev_conf(dev);
	err = dev_change_flags(dev, dev->flags | IFF_UP, NULL);
	if (err) {
		unregister_netdevice(dev);
		rtnl_unlock();
		return err;
	}
	rcu_assign_pointer(nn->dev, dev);
	rtnl_unlock();
	return 0;

err_free:
	rtnl_unlock();
	free_netdev(dev);
	return err;
}

static void __net_exit nfipsec_dev_net_exit_batch(struct list_head *net_exit_list)
{
	struct net_device *dev;
	LIST_HEAD(kill);
	struct net *net;

	rtnl_lock();
	list_for_each_entry(net, net_exit_list, exit_list) {
		struct nfipsec_net *nn = nfipsec_net(net);

		dev = rtnl_dereference(nn->dev);
		if (!dev)
			continue;
		RCU_INIT_POINTER(nn->dev, NULL);
		unregister_netdevice_queue(dev, &kill);
	}
	unregister_netdevice_many(&kill);
	rtnl_unlock();
}

static struct pernet_operations nfipsec_dev_net_ops = {
	.init = nfipsec_dev_net_init,
	.exit_batch = nfipsec_dev_net_exit_batch,
};

/* Whoever unregisters nfipsec0 (the core, in a dying namespace): forget it. */
static int nfipsec_dev_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct nfipsec_net *nn;

	if (event != NETDEV_UNREGISTER || dev->netdev_ops != &nfipsec_dev_ops)
		return NOTIFY_DONE;
	nn = nfipsec_net(dev_net(dev));
	if (rtnl_dereference(nn->dev) == dev)
		RCU_INIT_POINTER(nn->dev, NULL);
	return NOTIFY_DONE;
}

static struct notifier_block nfipsec_dev_notifier = {
	.notifier_call = nfipsec_dev_event,
};

/* After nfipsec_netns_init(): the devices find the namespaces' state. */
int nfipsec_dev_init(void)
{
	int err;

	err = register_netdevice_notifier(&nfipsec_dev_notifier);
	if (err)
		return err;
	err = register_pernet_device(&nfipsec_dev_net_ops);
	if (err)
		unregister_netdevice_notifier(&nfipsec_dev_notifier);
	return err;
}

void nfipsec_dev_exit(void)
{
	unregister_pernet_device(&nfipsec_dev_net_ops);
	unregister_netdevice_notifier(&nfipsec_dev_notifier);
}
