// SPDX-License-Identifier: GPL-2.0
/* The C side of rsk_shim.ko: module boilerplate around Rust kfuncs. */
#include <linux/init.h>
#include <linux/module.h>

int rsk_shim_register(void);

static int __init rsk_shim_init(void)
{
	return rsk_shim_register();
}

static void __exit rsk_shim_exit(void)
{
}

module_init(rsk_shim_init);
module_exit(rsk_shim_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("btf-ids");
MODULE_DESCRIPTION("Rust kfuncs registered from a C shim");
