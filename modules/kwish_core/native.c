// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_core: wish-list items the running kernel provides itself.
 *
 * Each probe looks at the running kernel (never at its version number) once
 * at load, and is the only one for its item: some items need no kwish
 * code on any supported kernel (their selftests exercise the native
 * interface in the VM), others (17, 25) have a feature that steps aside
 * where the kernel has them (kw_item_native() in its probe).
 */

#include <linux/in.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/pid_namespace.h>
#include <linux/proc_ns.h>
#include <linux/sockptr.h>
#include <net/dst.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "core.h"

enum kw_probe_result {
	KW_NOT_NATIVE,
	KW_NATIVE,
	/* cannot tell now; probed again at the next status query */
	KW_UNDETERMINED,
};

struct kw_native {
	u32 id;
	enum kw_probe_result (*probe)(char *reason, size_t len);
	enum kw_probe_result result;
	char reason[KWISH_REASON_LEN];
};

static DEFINE_MUTEX(kw_native_lock);

/*
 * Item 9: IP_UNICAST_IF taken into account by UDP connect().  Since the
 * 2022 fix "net: Fix IP_UNICAST_IF option behavior for connected sockets",
 * __ip4_datagram_connect() uses inet->uc_index when the socket is not bound
 * to a device (and ip6_datagram_flow_key_init() np->ucast_oif).
 *
 * Probe: a kernel UDP socket in init_net with IP_UNICAST_IF = lo connects
 * to a TEST-NET-2 address.  If connect() honours the option, the route
 * lookup is done for oif lo, which ip_route_output_key_hash_rcu() accepts
 * even without a matching route ("assume the destination is on link"),
 * and the socket's cached route goes out through lo.  If it does not, the
 * lookup ignores lo: it fails (no route) or picks another device.  Nothing
 * is sent.  While lo is down (early boot) both kernels fail the same way,
 * so the probe waits.  The IPv6 half is proved by the selftest (a kernel
 * probe would need a route that only a test namespace has).
 */
static enum kw_probe_result kw_native_unicast_if(char *reason, size_t len)
{
	struct sockaddr_in dst = {
		.sin_family = AF_INET,
		.sin_port = htons(9),
		.sin_addr.s_addr = htonl(0xc6336401),	/* 198.51.100.1 */
	};
	__be32 ifindex = htonl(LOOPBACK_IFINDEX);
	struct dst_entry *route;
	struct net_device *lo;
	struct socket *sock;
	bool native = false;
	bool lo_up;
	int err;

	lo = dev_get_by_index(&init_net, LOOPBACK_IFINDEX);
	lo_up = lo && (lo->flags & IFF_UP);
	dev_put(lo);
	if (!lo_up) {
		snprintf(reason, len, "undetermined until lo is up");
		return KW_UNDETERMINED;
	}

	err = sock_create_kern(&init_net, AF_INET, SOCK_DGRAM, IPPROTO_UDP,
			       &sock);
	if (err) {
		snprintf(reason, len, "probe socket failed (%d)", err);
		return KW_UNDETERMINED;
	}
	err = sock->ops->setsockopt(sock, SOL_IP, IP_UNICAST_IF,
				    KERNEL_SOCKPTR(&ifindex), sizeof(ifindex));
	if (!err)
		err = kernel_connect(sock, (struct sockaddr *)&dst, sizeof(dst),
				     0);
	if (!err) {
		route = sk_dst_get(sock->sk);
		native = route && route->dev &&
			 route->dev->ifindex == LOOPBACK_IFINDEX;
		dst_release(route);
	}
	sock_release(sock);
	if (native)
		snprintf(reason, len,
			 "UDP connect() routes by IP_UNICAST_IF (probed); IPv6 by selftest");
	else
		snprintf(reason, len,
			 "UDP connect() ignores IP_UNICAST_IF (probe: %d)", err);
	return native ? KW_NATIVE : KW_NOT_NATIVE;
}

/*
 * Item 15: the initial PID namespace has a fixed inode number,
 * PROC_PID_INIT_INO (include/linux/proc_ns.h, since v3.8), so
 * stat("/proc/self/ns/pid").st_ino == 0xEFFFFFFC tells reliably whether a
 * process runs in it.  Probe: the running kernel's init_pid_ns really
 * carries that number.
 */
static enum kw_probe_result kw_native_pidns_detect(char *reason, size_t len)
{
	if (init_pid_ns.ns.inum != PROC_PID_INIT_INO) {
		snprintf(reason, len, "init pid ns inode is %u, not fixed",
			 init_pid_ns.ns.inum);
		return KW_NOT_NATIVE;
	}
	snprintf(reason, len,
		 "/proc/self/ns/pid inode == 0x%x (PROC_PID_INIT_INO) in the initial pid ns",
		 PROC_PID_INIT_INO);
	return KW_NATIVE;
}

/* Probe by the presence of the kernel functions that implement an item. */
static enum kw_probe_result kw_native_symbols(const char * const *syms,
					      char *reason, size_t len,
					      const char *what)
{
	if (kw_symbols_error()) {
		snprintf(reason, len, "cannot probe: %s", kw_symbols_error());
		return KW_NOT_NATIVE;
	}
	for (; *syms; syms++) {
		if (!kw_lookup_name(*syms)) {
			snprintf(reason, len, "kernel lacks %s", *syms);
			return KW_NOT_NATIVE;
		}
	}
	snprintf(reason, len, "%s", what);
	return KW_NATIVE;
}

/* Item 18: open_tree(OPEN_TREE_CLONE) + move_mount() (v5.2). */
static enum kw_probe_result kw_native_crossns_mount(char *reason, size_t len)
{
	static const char * const syms[] = {
		"__x64_sys_open_tree", "__x64_sys_move_mount", NULL,
	};

	return kw_native_symbols(syms, reason, len,
				 "open_tree(OPEN_TREE_CLONE) + move_mount()");
}

/*
 * Item 17: fanotify reports mounts itself (v6.15: fs/notify/fsnotify.c's
 * fsnotify_mnt() exists from then on); programs use fanotify.
 */
static enum kw_probe_result kw_native_mount_notify(char *reason, size_t len)
{
	static const char * const syms[] = { "fsnotify_mnt", NULL };

	return kw_native_symbols(syms, reason, len,
				 "fanotify FAN_MARK_MNTNS / FAN_REPORT_MNT (fsnotify_mnt() found)");
}

/* Item 25: statmount(2) and listmount(2) (v6.8). */
static enum kw_probe_result kw_native_statmount(char *reason, size_t len)
{
	static const char * const syms[] = {
		"__x64_sys_statmount", "__x64_sys_listmount", NULL,
	};

	return kw_native_symbols(syms, reason, len,
				 "statmount(2) and listmount(2) syscalls");
}

/* Item 32: the security_create_user_ns() LSM hook (v6.1). */
static enum kw_probe_result kw_native_userns_hook(char *reason, size_t len)
{
	static const char * const syms[] = {
		"security_create_user_ns", NULL,
	};

	return kw_native_symbols(syms, reason, len,
				 "LSM hook security_create_user_ns() (userns_create)");
}

/* Item 37: block device sequence numbers, BLKGETDISKSEQ (v5.15). */
static enum kw_probe_result kw_native_diskseq(char *reason, size_t len)
{
	static const char * const syms[] = { "inc_diskseq", NULL };

	return kw_native_symbols(syms, reason, len,
				 "diskseq: BLKGETDISKSEQ, /sys/block/*/diskseq, uevent DISKSEQ");
}

static struct kw_native kw_natives[] = {
	{ .id = 9,  .probe = kw_native_unicast_if },
	{ .id = 15, .probe = kw_native_pidns_detect },
	{ .id = 17, .probe = kw_native_mount_notify },
	{ .id = 18, .probe = kw_native_crossns_mount },
	{ .id = 25, .probe = kw_native_statmount },
	{ .id = 32, .probe = kw_native_userns_hook },
	{ .id = 37, .probe = kw_native_diskseq },
};

static void kw_native_probe_locked(struct kw_native *n)
{
	n->result = n->probe(n->reason, sizeof(n->reason));
	pr_info("item %u: %s: %s\n", n->id,
		n->result == KW_NATIVE ? "native" :
		n->result == KW_NOT_NATIVE ? "not native" : "undetermined",
		n->reason);
}

void kw_native_probe_all(void)
{
	struct kw_native *n;

	mutex_lock(&kw_native_lock);
	for (n = kw_natives; n < kw_natives + ARRAY_SIZE(kw_natives); n++)
		kw_native_probe_locked(n);
	mutex_unlock(&kw_native_lock);
}

/*
 * True if the running kernel provides item @id; @reason gets the probe's
 * detail either way (unchanged for items without a probe).
 */
bool kw_native_state(u32 id, char *reason, size_t len)
{
	struct kw_native *n;
	bool native = false;

	mutex_lock(&kw_native_lock);
	for (n = kw_natives; n < kw_natives + ARRAY_SIZE(kw_natives); n++) {
		if (n->id != id)
			continue;
		if (n->result == KW_UNDETERMINED)
			kw_native_probe_locked(n);
		strscpy(reason, n->reason, len);
		native = n->result == KW_NATIVE;
	}
	mutex_unlock(&kw_native_lock);
	return native;
}

bool kw_item_native(u32 id)
{
	char reason[KWISH_REASON_LEN];

	return kw_native_state(id, reason, sizeof(reason));
}
EXPORT_SYMBOL_NS_GPL(kw_item_native, KWISH);
