// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for disruptor.ko. Loading this module runs them; the results
 * are read from /sys/kernel/debug/kunit/<suite>/results.
 */
#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>

#include "disruptor_internal.h"

static void disruptor_device_should_have_a_minor_and_mode_0600(struct kunit *test)
{
	KUNIT_EXPECT_NE(test, disruptor_misc.minor, MISC_DYNAMIC_MINOR);
	KUNIT_EXPECT_EQ(test, disruptor_misc.mode, 0600);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, disruptor_misc.this_device);
}

static void disruptor_device_open_should_reach_module_fops(struct kunit *test)
{
	struct file *file;

	file = filp_open("/dev/disruptor", O_RDWR, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(file), "open: %ld", PTR_ERR(file));
	/* misc_open() swaps in the driver's fops. */
	KUNIT_EXPECT_PTR_EQ(test, file->f_op, disruptor_misc.fops);
	filp_close(file, NULL);
}

static struct kunit_case disruptor_device_cases[] = {
	KUNIT_CASE(disruptor_device_should_have_a_minor_and_mode_0600),
	KUNIT_CASE(disruptor_device_open_should_reach_module_fops),
	{}
};

static struct kunit_suite disruptor_device_suite = {
	.name = "disruptor_device",
	.test_cases = disruptor_device_cases,
};

kunit_test_suites(&disruptor_device_suite);

MODULE_DESCRIPTION("KUnit tests for disruptor.ko");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
