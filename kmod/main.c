// SPDX-License-Identifier: GPL-2.0
/*
 * nfipsec: IPsec (ESP, AH) on netfilter hooks with ordered, first-match
 * security policies, managed over generic netlink.
 */

#include <linux/module.h>

#include "nfipsec.h"
#include "sa.h"

static int __init nfipsec_init(void)
{
	int err;

	err = nfipsec_sa_init();
	if (err)
		return err;

	err = nfipsec_netns_init();
	if (err)
		goto err_sa;

	err = nfipsec_dev_init();
	if (err)
		goto err_netns;

	err = nfipsec_genl_init();
	if (err)
		goto err_dev;

	pr_info("version " NFIPSEC_VERSION " loaded\n");
	return 0;

err_dev:
	nfipsec_dev_exit();
err_netns:
	nfipsec_netns_exit();
err_sa:
	nfipsec_sa_exit();
	return err;
}

static void __exit nfipsec_exit(void)
{
	nfipsec_genl_exit();
	/*
	 * Unregistering the nfipsec0 devices waits for every packet still
	 * in asynchronous crypto (each holds its namespace's device); the
	 * completions run with BH off, so a grace period later none is
	 * still in this module's code.
	 */
	nfipsec_dev_exit();
	synchronize_rcu();
	nfipsec_netns_exit();
	/* After the namespaces let their SAs go: wait until they are freed. */
	nfipsec_sa_exit();
}

module_init(nfipsec_init);
module_exit(nfipsec_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("IPsec (ESP, AH) on netfilter hooks");
MODULE_AUTHOR("The nfipsec developers");
MODULE_VERSION(NFIPSEC_VERSION);
MODULE_ALIAS_GENL_FAMILY(NFIPSEC_GENL_NAME);
