// SPDX-License-Identifier: GPL-2.0
/*
 * dslite.ko: module entry. Marks DS-Lite (ip6tnl) tunnels down with a BFD
 * diagnostic and reports their state over the "dslite" genl family.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "dslite.h"

static int __init dslite_init(void)
{
	int err;

	/* The family first: the notifier announces tunnels through it. */
	err = dslite_genl_init();
	if (err)
		return err;

	err = dslite_tunnel_init();
	if (err)
		goto err_tunnel;

	pr_info("loaded, genl family %s version %d\n", DSLITE_GENL_NAME,
		DSLITE_GENL_VERSION);
	return 0;

err_tunnel:
	dslite_genl_exit();
	return err;
}

static void __exit dslite_exit(void)
{
	dslite_tunnel_exit();
	dslite_genl_exit();
	pr_info("unloaded\n");
}

module_init(dslite_init);
module_exit(dslite_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("DS-Lite softwire liveness: carrier control for ip6tnl");
MODULE_VERSION("0.1.0");
MODULE_ALIAS_GENL_FAMILY(DSLITE_GENL_NAME);
