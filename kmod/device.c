// SPDX-License-Identifier: GPL-2.0
/*
 * nfipsec0: the device decrypted packets arrive on.
 *
 * Every network namespace has one, created with the namespace (or when the
 * module is loaded), up from the start, never moved to another namespace and
 * not deletable by hand. Only the decrypt path (input.c) puts packets on it,
 * through gro_cells, so a packet whose input device is nfipsec0 was
 * authenticated and decrypted by one of this namespace's SAs and met the
 * inbound policy: the policy check of what comes in clear (input.c) skips
 * it, and firewall rules tell decapsulated traffic apart with
 * iifname "nfipsec0". Its receive counters add up the inbound SAs.
 *
 * Nothing is sent through it: a packet routed to nfipsec0 is dropped and
 * counted (tx_dropped). Set down, it drops what the SAs decrypt.
 */

#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/gro_cells.h>

#include "nfipsec.h"

struct nfipsec_dev {
	struct gro_cells gro_cells;
};

static int nfipsec_dev_init(struct net_device *dev)
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
	.ndo_init = nfipsec_dev_init,
	.ndo_start_xmit = nfipsec_dev_xmit,
	.ndo_get_stats64 = dev_get_tstats64,
};

static void nfipsec_dev_setup(struct net_device *dev)
{
	dev->netdev_ops = &nfipsec_dev_ops;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
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
 * nn's device. Consumes skb.
 */
void nfipsec_dev_rx(struct nfipsec_net *nn, struct sk_buff *skb)
{
	struct net_device *dev = nn->dev;
	struct nfipsec_dev *nd = netdev_priv(dev);
	unsigned int len;

	skb->dev = dev;
	skb->skb_iif = dev->ifindex;
	skb->pkt_type = PACKET_HOST;
	skb_reset_mac_header(skb);
	skb->mac_len = 0;
	memset(skb->cb, 0, sizeof(skb->cb));
	skb->ip_summed = CHECKSUM_NONE;
	skb_clear_hash(skb);
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	len = skb->len;
	if (gro_cells_receive(&nd->gro_cells, skb) == NET_RX_SUCCESS)
		dev_sw_netstats_rx_add(dev, len);
}

/* Called without RTNL; dev is up on return. */
int nfipsec_dev_create(struct nfipsec_net *nn)
{
	struct net_device *dev;
	int err;

	dev = alloc_netdev(sizeof(struct nfipsec_dev), "nfipsec0",
			   NET_NAME_PREDICTABLE, nfipsec_dev_setup);
	if (!dev)
		return -ENOMEM;
	dev_net_set(dev, nn->net);

	rtnl_lock();
	/*
	 * Loading the module into namespaces that exist already: one may
	 * have a device of that name. Take another name rather than fail.
	 */
	if (__dev_get_by_name(nn->net, dev->name)) {
		err = dev_alloc_name(dev, "nfipsec%d");
		if (err < 0)
			goto err_free;
		pr_warn("nfipsec0 is taken in a namespace: decrypted traffic arrives on %s there\n",
			dev->name);
	}
	err = register_netdevice(dev);
	if (err)
		goto err_free;
	err = dev_change_flags(dev, dev->flags | IFF_UP, NULL);
	if (err) {
		unregister_netdevice(dev);
		rtnl_unlock();
		return err;
	}
	nn->dev = dev;
	rtnl_unlock();
	return 0;

err_free:
	rtnl_unlock();
	free_netdev(dev);
	return err;
}

/* The devices of dying namespaces, in one RTNL section. */
void nfipsec_dev_destroy_batch(struct list_head *net_exit_list)
{
	LIST_HEAD(kill);
	struct net *net;

	rtnl_lock();
	list_for_each_entry(net, net_exit_list, exit_list) {
		struct nfipsec_net *nn = nfipsec_net(net);

		if (nn->dev)
			unregister_netdevice_queue(nn->dev, &kill);
	}
	unregister_netdevice_many(&kill);
	rtnl_unlock();
}
