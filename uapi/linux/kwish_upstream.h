/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Upstream's own uapi that kwish provides on kernels without it, with
 * upstream's names and values, for programs built against older kernel
 * or libc headers.  Each definition stands back when a newer header
 * already has it (#ifndef).  <linux/kwish.h> includes this header;
 * kwish's own interface is there.
 *
 * statmount(2)'s and listmount(2)'s structs (item 25) are not here: kwish
 * has them under kwish_ names in <linux/kwish.h>, because kwish's copy
 * carries an extension (KWISH_STATMOUNT_MNT_OWNER).
 */
#ifndef _UAPI_LINUX_KWISH_UPSTREAM_H
#define _UAPI_LINUX_KWISH_UPSTREAM_H

#include <linux/const.h>
#include <linux/fanotify.h>
#include <linux/types.h>

/*
 * Item 8, O_REGULAR: openat2() how.flags bit 32, failing with EFTYPE
 * ("inappropriate file type or format", 134 in asm-generic) when the
 * final file is not S_IFREG (upstream in Linux 7.3).
 */
#ifndef OPENAT2_REGULAR
#define OPENAT2_REGULAR		_BITULL(32)
#endif
#ifndef EFTYPE
#define EFTYPE			134
#endif

/*
 * Items 5, 6, 13, 14 and 20 have no /dev/kwish command: kwish_net provides
 * upstream's own socket options, with upstream's numbers, on kernels that
 * lack them, so that unmodified programs work.  The values are those of
 * <asm-generic/socket.h> (x86, arm, riscv, ...); the #ifndef lets this
 * header coexist with newer kernel or libc headers that define them.
 *
 *   SO_PASSPIDFD   76   item 6, upstream v6.5: SCM_PIDFD on recvmsg()
 *   SO_PEERPIDFD   77   item 6, upstream v6.5: a pidfd of the peer
 *   SCM_PIDFD       4   item 6, upstream v6.5: cmsg type, an int (a pidfd)
 *   SO_PASSRIGHTS  83   item 13, upstream v6.16: 0 refuses SCM_RIGHTS
 *
 * Semantics: docs/kwish.7.md.
 */
#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD		76
#endif
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD		77
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD		4
#endif
#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS		83
#endif

/* Item 17: fanotify's mount events (upstream v6.15). */
#ifndef FAN_MNT_ATTACH
#define FAN_MNT_ATTACH			0x01000000
#define FAN_MNT_DETACH			0x02000000
#define FAN_EVENT_INFO_TYPE_MNT		7
struct fanotify_event_info_mnt {
	struct fanotify_event_info_header hdr;
	__u64 mnt_id;
};
#endif

#endif /* _UAPI_LINUX_KWISH_UPSTREAM_H */
