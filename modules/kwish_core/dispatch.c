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
 * Sizes and flags come from the command's own struct kw_cmd, declared
 * with its handler in the feature's file: the dispatcher knows no
 * feature's argument struct.
 */
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "core.h"

/* kwish_core's own command: the status of all 37 items. */
VISIBLE_IF_KUNIT const struct kw_cmd kw_status_cmd =
	KW_IOCTL_OP(KWISH_CMD_STATUS, kw_cmd_status, struct kwish_status,
		    __reserved, 0);
EXPORT_SYMBOL_IF_KUNIT(kw_status_cmd);

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
 * The caller's size word for command @desc: -EINVAL below the first
 * version, -E2BIG above a page (copy_struct_from_user() then rejects a
 * non-zero tail beyond the kernel's struct with -E2BIG).
 */
VISIBLE_IF_KUNIT int kw_cmd_check_size(const struct kw_cmd *desc, u32 usize)
{
	if (usize < desc->min_size)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kw_cmd_check_size);

/* Flags that command @desc does not define are -EINVAL. */
VISIBLE_IF_KUNIT int kw_cmd_check_flags(const struct kw_cmd *desc, u32 flags)
{
	if (flags & ~desc->valid_flags)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kw_cmd_check_flags);

long kw_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	/* the argument: every command's struct begins with size and flags */
	union {
		struct {
			u32 size;
			u32 flags;
		} hdr;
		u64 data[KW_CMD_MAX_SIZE / sizeof(u64)];
	} buf;
	struct module *owner = NULL;
	const struct kw_cmd *desc;
	struct kw_ucmd ucmd;
	u32 usize;
	long ret;
	int nr;

	BUILD_BUG_ON(sizeof(struct kwish_feature) != KWISH_FEATURE_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct kwish_status) != KWISH_STATUS_SIZE_VER0);

	nr = kw_cmd_decode(cmd);
	if (nr < 0)
		return nr;

	if (nr == KWISH_CMD_STATUS) {
		desc = &kw_status_cmd;
	} else {
		desc = kw_registry_get_cmd(nr, &owner);
		if (!desc)
			return -EOPNOTSUPP;
	}

	ret = -EFAULT;
	if (get_user(usize, (u32 __user *)uarg))
		goto out;
	ret = kw_cmd_check_size(desc, usize);
	if (ret)
		goto out;
	ret = copy_struct_from_user(&buf, desc->size, uarg, usize);
	if (ret)
		goto out;
	ret = kw_cmd_check_flags(desc, buf.hdr.flags);
	if (ret)
		goto out;

	ucmd.cmd = &buf;
	ucmd.ubuffer = uarg;
	ucmd.user_size = usize;
	ret = desc->handler(&ucmd);
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
