/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the KUnit suites of kwish_core and of the feature modules:
 * the dispatcher's size and flag rules, run on the command descriptors
 * a module registered (its KW_IOCTL_OP() table).  Static inline: each
 * test module is unloaded once its suites ran, so none can export to
 * the next.
 */
#ifndef _KWISH_CORE_TEST_H
#define _KWISH_CORE_TEST_H

#include <kunit/test.h>
#include <linux/module.h>
#include <linux/string.h>

#include "core.h"

/*
 * The size and flag rules of uapi kwish.h, applied to the command
 * descriptor @c the way kw_ioctl() applies them.  The feature modules'
 * KUnit suites run it on each command their module registered, so the
 * rules are checked against the tables the dispatcher really uses.
 */
static inline void kwt_cmd_rules(struct kunit *test, const struct kw_cmd *c)
{
	unsigned int bit;

	KUNIT_EXPECT_GE(test, c->min_size, 2 * sizeof(u32));
	KUNIT_EXPECT_LE(test, c->min_size, c->size);
	KUNIT_EXPECT_LE(test, c->size, KW_CMD_MAX_SIZE);

	KUNIT_EXPECT_EQ(test, kw_cmd_check_size(c, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, kw_cmd_check_size(c, 8), c->min_size > 8 ?
			-EINVAL : 0);
	KUNIT_EXPECT_EQ(test, kw_cmd_check_size(c, c->min_size - 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, kw_cmd_check_size(c, c->min_size), 0);
	/* a newer, bigger struct: copy_struct_from_user() decides */
	KUNIT_EXPECT_EQ(test, kw_cmd_check_size(c, c->min_size + 8), 0);
	KUNIT_EXPECT_EQ(test, kw_cmd_check_size(c, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, kw_cmd_check_size(c, PAGE_SIZE + 1), -E2BIG);
	KUNIT_EXPECT_EQ(test, kw_cmd_check_size(c, U32_MAX), -E2BIG);

	KUNIT_EXPECT_EQ(test, kw_cmd_check_flags(c, 0), 0);
	KUNIT_EXPECT_EQ(test, kw_cmd_check_flags(c, c->valid_flags), 0);
	for (bit = 0; bit < 32; bit++) {
		u32 flag = 1U << bit;
		int want = (flag & c->valid_flags) ? 0 : -EINVAL;

		KUNIT_EXPECT_EQ_MSG(test, kw_cmd_check_flags(c, flag), want,
				    "cmd %u flag %#x", c->nr, flag);
	}
}

/*
 * kwt_cmd_rules() on every command that module @name registered; returns
 * how many there were.
 */
static inline unsigned int kwt_module_cmd_rules(struct kunit *test,
						const char *name)
{
	const struct kw_cmd *c;
	struct module *owner;
	unsigned int nr, n = 0;

	for (nr = KWISH_CMD_STATUS + 1; nr < KWISH_CMD_END; nr++) {
		owner = NULL;
		c = kw_registry_get_cmd(nr, &owner);
		if (!c)
			continue;
		if (!strcmp(owner->name, name)) {
			KUNIT_EXPECT_EQ(test, c->nr, nr);
			kwt_cmd_rules(test, c);
			n++;
		}
		module_put(owner);	/* get_cmd took a reference */
	}
	return n;
}

#endif
