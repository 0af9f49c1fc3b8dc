// SPDX-License-Identifier: GPL-2.0
/*
 * nfipsec_test.ko: the KUnit suites of nfipsec. Built only for the lab
 * kernel (CONFIG_KUNIT=y); loading it runs every suite and reports KTAP in
 * the kernel log and in /sys/kernel/debug/kunit/<suite>/results.
 */

#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_DESCRIPTION("KUnit tests for nfipsec");
