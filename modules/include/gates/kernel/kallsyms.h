/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Call gates to kernel/kallsyms.c (<kwish_gate.h>): not exported in v6.1 and v6.12.
 * Prototypes: the kernel's, checked against its BTF at build time.
 */
#ifndef _KWG_KERNEL_KALLSYMS_H
#define _KWG_KERNEL_KALLSYMS_H

#include <kwish_gate.h>

/* kwish_core reaches it through this gate (symbols.c); 0: not found */
KW_GATE1(unsigned long, kallsyms_lookup_name, 0, const char *, name)

#endif
