/* SPDX-License-Identifier: GPL-2.0 */
/* Declarations shared by the files of kwish_core only. */
#ifndef _KWISH_CORE_INTERNAL_H
#define _KWISH_CORE_INTERNAL_H

#include <kwish_core.h>

#define KW_NR_CMDS	(KWISH_CMD_END - KWISH_CMD_BASE)

/* dispatch.c */
long kw_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
long kw_cmd_status(struct kw_ucmd *ucmd);

#if IS_ENABLED(CONFIG_KUNIT)
/* Reached by the KUnit tests (kunit/kwish_core_test.c) only. */
int kw_cmd_decode(unsigned int cmd);
extern const struct kw_cmd kw_status_cmd;
int kw_cmd_check_size(const struct kw_cmd *desc, u32 usize);
int kw_cmd_check_flags(const struct kw_cmd *desc, u32 flags);
#endif

/* registry.c */
int kw_registry_init(void);
void kw_registry_exit(void);
/* Called by dispatch: command @nr with a reference on its module. */
const struct kw_cmd *kw_registry_get_cmd(unsigned int nr,
					 struct module **owner);
void kw_registry_fill(u32 id, struct kwish_feature *out);

/* native.c: state of the items the running kernel may provide itself */
void kw_native_probe_all(void);
bool kw_native_state(u32 id, char *reason, size_t len);

/* symbols.c */
void kw_symbols_init(void);
void kw_symbols_exit(void);
/* NULL when kernel symbols can be resolved, else why not */
const char *kw_symbols_error(void);

/* hooks.c */
int kw_hooks_init(void);
void kw_hooks_exit(void);

/* syscalls.c */
int kw_syscall_add(struct kw_syscall *sc, struct module *owner);
void kw_syscall_del(struct kw_syscall *sc);
/* Whether registered syscalls are answered; if not, why not in @why. */
bool kw_syscalls_answered(char *why, size_t len);
void kw_syscalls_exit(void);

#endif
