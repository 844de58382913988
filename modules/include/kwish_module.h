/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The main.c of a kwish feature module: KW_MODULE_FEATURES().
 */
#ifndef _KWISH_MODULE_H
#define _KWISH_MODULE_H

#include <linux/init.h>
#include <linux/module.h>
#include <kwish_core.h>

/*
 * A feature module's init and exit: run the life of each of its features
 * (struct kw_feature, kwish_core.h), in the order listed, undone in reverse; a
 * feature that cannot work on this kernel registers UNAVAILABLE and the
 * module still loads.  @init and @exit, if not NULL, set up and tear
 * down what the module's features share, first and last.  Its main.c is
 *
 *	KW_MODULE_FEATURES(NULL, NULL, &kw_foo_feature, &kw_bar_feature);
 *
 * which also defines the module's unload drain (KW_MODULE_DRAIN,
 * kwish_core.h).
 */
#define KW_MODULE_FEATURES(_init, _exit, ...)				\
	static struct kw_feature *const kw_module_features[] = {	\
		__VA_ARGS__						\
	};								\
	static int __init kw_module_init(void)				\
	{								\
		return __kw_features_init(kw_module_features,		\
					  ARRAY_SIZE(kw_module_features), \
					  _init, _exit, THIS_MODULE,	\
					  &kw_module_srcu);		\
	}								\
	static void __exit kw_module_exit(void)				\
	{								\
		kw_features_exit(kw_module_features,			\
				 ARRAY_SIZE(kw_module_features), _exit); \
	}								\
	module_init(kw_module_init);					\
	module_exit(kw_module_exit);					\
	KW_MODULE_DRAIN

#endif /* _KWISH_MODULE_H */
