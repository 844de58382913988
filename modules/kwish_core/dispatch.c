// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_core: the /dev/kwish ioctl dispatcher (modelled on iommufd).
 *
 * Every command's argument begins with "__u32 size; __u32 flags;".  The
 * dispatcher checks, in this order (the errno contract of uapi kwish.h):
 * the command (ENOTTY), the feature (EOPNOTSUPP), the size word (EFAULT,
 * EINVAL if below the first version, E2BIG above a page), the copy
 * (copy_struct_from_user(): EFAULT, E2BIG for non-zero unknown tail),
 * and the flags (EINVAL).  Handlers see a zero-extended kernel copy.
 */
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "core.h"
#include "compat.h"

struct kw_cmd_desc {
	u32 size;	/* the kernel's struct size */
	u32 min_size;	/* the first version's size */
	u32 valid_flags;
};

union kw_cmd_buffer {
	struct {
		u32 size;
		u32 flags;
	} hdr;
	struct kwish_status status;
	struct kwish_open_regular open_regular;
	struct kwish_unlink_inode unlink_inode;
	struct kwish_flock_timeout flock_timeout;
	struct kwish_link_replace link_replace;
	struct kwish_create_open create_open;
	struct kwish_close_async close_async;
	struct kwish_flock_watch flock_watch;
	struct kwish_fd_restrict fd_restrict;
	struct kwish_mount_call mount_call;
	struct kwish_mount_owner mount_owner;
	struct kwish_mount_watch mount_watch;
};

#define KW_CMD(_nr, _type, _min, _flags) \
	[(_nr) - KWISH_CMD_BASE] = { \
		.size = sizeof(_type), .min_size = (_min), \
		.valid_flags = (_flags), \
	}

static const struct kw_cmd_desc kw_cmd_descs[KW_NR_CMDS] = {
	KW_CMD(KWISH_CMD_STATUS, struct kwish_status,
	       KWISH_STATUS_SIZE_VER0, 0),
	KW_CMD(KWISH_CMD_OPEN_REGULAR, struct kwish_open_regular,
	       KWISH_OPEN_REGULAR_SIZE_VER0, 0),
	KW_CMD(KWISH_CMD_UNLINK_INODE, struct kwish_unlink_inode,
	       KWISH_UNLINK_INODE_SIZE_VER0, KWISH_UNLINK_REMOVEDIR),
	KW_CMD(KWISH_CMD_FLOCK_TIMEOUT, struct kwish_flock_timeout,
	       KWISH_FLOCK_TIMEOUT_SIZE_VER0, 0),
	KW_CMD(KWISH_CMD_LINK_REPLACE, struct kwish_link_replace,
	       KWISH_LINK_REPLACE_SIZE_VER0, 0),
	KW_CMD(KWISH_CMD_CREATE_OPEN, struct kwish_create_open,
	       KWISH_CREATE_OPEN_SIZE_VER0, KWISH_CREATE_OPEN_NOCLOEXEC),
	KW_CMD(KWISH_CMD_CLOSE_ASYNC, struct kwish_close_async,
	       KWISH_CLOSE_ASYNC_SIZE_VER0,
	       KWISH_CLOSE_ASYNC_WAITFD | KWISH_CLOSE_ASYNC_WAITFD_NOCLOEXEC),
	KW_CMD(KWISH_CMD_FLOCK_WATCH, struct kwish_flock_watch,
	       KWISH_FLOCK_WATCH_SIZE_VER0,
	       KWISH_FLOCK_WATCH_NONBLOCK | KWISH_FLOCK_WATCH_NO_CLOEXEC),
	KW_CMD(KWISH_CMD_FD_RESTRICT, struct kwish_fd_restrict,
	       KWISH_FD_RESTRICT_SIZE_VER0, KWISH_FD_RESTRICT_NOCLOEXEC),
	KW_CMD(KWISH_CMD_STATMOUNT, struct kwish_mount_call,
	       KWISH_MOUNT_CALL_SIZE_VER0, 0),
	KW_CMD(KWISH_CMD_LISTMOUNT, struct kwish_mount_call,
	       KWISH_MOUNT_CALL_SIZE_VER0, 0),
	KW_CMD(KWISH_CMD_MOUNT_OWNER, struct kwish_mount_owner,
	       KWISH_MOUNT_OWNER_SIZE_VER0, KWISH_MOUNT_OWNER_BY_ID),
	KW_CMD(KWISH_CMD_MOUNT_WATCH, struct kwish_mount_watch,
	       KWISH_MOUNT_WATCH_SIZE_VER0,
	       KWISH_MOUNT_WATCH_NONBLOCK | KWISH_MOUNT_WATCH_NO_CLOEXEC),
};

/*
 * The command number of an ioctl request, or -ENOTTY: kwish's type, no
 * direction or size bits (the size is the argument's first word), and a
 * command this kwish_core knows.
 */
VISIBLE_IF_KUNIT int kw_cmd_decode(unsigned int cmd)
{
	unsigned int nr;

	if (_IOC_TYPE(cmd) != KWISH_TYPE || _IOC_DIR(cmd) != _IOC_NONE ||
	    _IOC_SIZE(cmd) != 0)
		return -ENOTTY;
	nr = _IOC_NR(cmd);
	if (nr < KWISH_CMD_BASE || nr >= KWISH_CMD_END)
		return -ENOTTY;
	return nr;
}
EXPORT_SYMBOL_IF_KUNIT(kw_cmd_decode);

/*
 * The caller's size word for command @nr: -EINVAL below the first
 * version, -E2BIG above a page (copy_struct_from_user() then rejects a
 * non-zero tail beyond the kernel's struct with -E2BIG).
 */
VISIBLE_IF_KUNIT int kw_cmd_check_size(unsigned int nr, u32 usize)
{
	const struct kw_cmd_desc *desc = &kw_cmd_descs[nr - KWISH_CMD_BASE];

	if (usize < desc->min_size)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kw_cmd_check_size);

/* Flags that command @nr does not define are -EINVAL. */
VISIBLE_IF_KUNIT int kw_cmd_check_flags(unsigned int nr, u32 flags)
{
	if (flags & ~kw_cmd_descs[nr - KWISH_CMD_BASE].valid_flags)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kw_cmd_check_flags);

long kw_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	union kw_cmd_buffer buf;
	struct module *owner = NULL;
	kw_cmd_handler_t handler;
	struct kw_ucmd ucmd;
	u32 usize;
	long ret;
	int nr;

	BUILD_BUG_ON(sizeof(struct kwish_feature) != KWISH_FEATURE_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct kwish_status) != KWISH_STATUS_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct kwish_open_regular) !=
		     KWISH_OPEN_REGULAR_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct kwish_unlink_inode) !=
		     KWISH_UNLINK_INODE_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct kwish_flock_timeout) !=
		     KWISH_FLOCK_TIMEOUT_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct kwish_link_replace) !=
		     KWISH_LINK_REPLACE_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct kwish_create_open) !=
		     KWISH_CREATE_OPEN_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct kwish_close_async) !=
		     KWISH_CLOSE_ASYNC_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct kwish_flock_watch) !=
		     KWISH_FLOCK_WATCH_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct kwish_flock_event) !=
		     KWISH_FLOCK_EVENT_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct kwish_fd_restrict) !=
		     KWISH_FD_RESTRICT_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct kwish_mount_call) !=
		     KWISH_MOUNT_CALL_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct kwish_mnt_id_req) !=
		     KWISH_MNT_ID_REQ_SIZE_VER1);
	BUILD_BUG_ON(sizeof(struct kwish_statmount) != 512);
	BUILD_BUG_ON(sizeof(struct kwish_mount_owner) !=
		     KWISH_MOUNT_OWNER_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct kwish_mount_watch) !=
		     KWISH_MOUNT_WATCH_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct fanotify_event_info_mnt) != 16);

	nr = kw_cmd_decode(cmd);
	if (nr < 0)
		return nr;

	if (nr == KWISH_CMD_STATUS) {
		handler = kw_cmd_status;
	} else {
		handler = kw_registry_get_handler(nr, &owner);
		if (!handler)
			return -EOPNOTSUPP;
	}

	ret = -EFAULT;
	if (get_user(usize, (u32 __user *)uarg))
		goto out;
	ret = kw_cmd_check_size(nr, usize);
	if (ret)
		goto out;
	ret = copy_struct_from_user(&buf,
				    kw_cmd_descs[nr - KWISH_CMD_BASE].size,
				    uarg, usize);
	if (ret)
		goto out;
	ret = kw_cmd_check_flags(nr, buf.hdr.flags);
	if (ret)
		goto out;

	ucmd.cmd = &buf;
	ucmd.ubuffer = uarg;
	ucmd.user_size = usize;
	ret = handler(&ucmd);
out:
	if (owner)
		module_put(owner);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(kw_ioctl);

long kw_cmd_status(struct kw_ucmd *ucmd)
{
	struct kwish_status *st = ucmd->cmd;
	struct kwish_feature entry;
	u8 __user *dst = u64_to_user_ptr(st->features);
	u32 n, id;

	if (st->__reserved)
		return -EINVAL;
	if (st->feature_size < KWISH_FEATURE_SIZE_VER0 ||
	    st->feature_size > PAGE_SIZE)
		return -EINVAL;

	n = min_t(u32, st->nr_features, KWISH_ITEM_MAX);
	for (id = 1; id <= n; id++) {
		kw_registry_fill(id, &entry);
		if (copy_to_user(dst, &entry, sizeof(entry)))
			return -EFAULT;
		if (st->feature_size > sizeof(entry) &&
		    clear_user(dst + sizeof(entry),
			       st->feature_size - sizeof(entry)))
			return -EFAULT;
		dst += st->feature_size;
	}

	st->nr_features = KWISH_ITEM_MAX;
	st->abi_version = KWISH_ABI_VERSION;
	if (copy_to_user(ucmd->ubuffer, st,
			 min_t(u32, ucmd->user_size, sizeof(*st))))
		return -EFAULT;
	return 0;
}
