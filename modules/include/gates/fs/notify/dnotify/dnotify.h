/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Call gates to fs/notify/dnotify/dnotify.c (<kwish_gate.h>): not exported in v6.1 and v6.12.
 * Prototypes: the kernel's, checked against its BTF at build time.
 */
#ifndef _KWG_FS_NOTIFY_DNOTIFY_DNOTIFY_H
#define _KWG_FS_NOTIFY_DNOTIFY_DNOTIFY_H

#include <kwish_gate.h>
#ifndef KWG_SCAN
/* the inlines that stand in without the kernel option */
#include <linux/dnotify.h>
#endif

struct file;

/* what filp_close() does for dnotify; a no-op if not installed */
KW_GATE_IF2(CONFIG_DNOTIFY, void, dnotify_flush, /* nothing */,
	    struct file *, filp, fl_owner_t, id)

#endif
