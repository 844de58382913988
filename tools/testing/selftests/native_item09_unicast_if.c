// SPDX-License-Identifier: GPL-2.0
/*
 * native_item09_unicast_if: wish-list item 9, native since Linux 5.19:
 * IP_UNICAST_IF / IPV6_UNICAST_IF are honoured by the routing decision of
 * a UDP connect().
 *
 * In a new network namespace: dummy0 10.1.0.1/24 fd01::1/64 with the
 * default routes (metric 100), dummy1 10.2.0.1/24 fd02::1/64, in one
 * variant with default routes of metric 200 (a per-link route, as
 * systemd-resolved has for a per-link DNS server).  A UDP socket connected
 * to a public address takes dummy0's source address, and dummy1's once
 * IP_UNICAST_IF names dummy1.  Without a route on dummy1, IPv4 assumes the
 * destination is on dummy1's link, IPv6 fails with ENETUNREACH: neither
 * leaves through dummy0.  No packet is sent: connect() on UDP only picks
 * the route.
 *
 * Root runs it in a new network namespace, a user in a new user + network
 * namespace (skipped where unprivileged user namespaces are off).
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "kwtap.h"
#include "kwnet.h"

/* ---- a minimal rtnetlink client ---- */

struct nlreq {
	struct nlmsghdr nh;
	char buf[1024];
};

static int nl_fd = -1;
static unsigned int nl_seq;

static void *nl_tail(struct nlreq *r)
{
	return (char *)&r->nh + NLMSG_ALIGN(r->nh.nlmsg_len);
}

static void nl_init(struct nlreq *r, int type, int flags, const void *hdr,
		    size_t hdrlen)
{
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_len = NLMSG_LENGTH(hdrlen);
	r->nh.nlmsg_type = type;
	r->nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	r->nh.nlmsg_seq = ++nl_seq;
	memcpy(NLMSG_DATA(&r->nh), hdr, hdrlen);
}

static struct rtattr *nl_attr(struct nlreq *r, int type, const void *data,
			      size_t len)
{
	struct rtattr *rta = nl_tail(r);

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

static void nl_nest_end(struct nlreq *r, struct rtattr *nest)
{
	nest->rta_len = (char *)nl_tail(r) - (char *)nest;
}

/* Send @r and wait for its ack.  Returns 0 or -errno. */
static int nl_talk(struct nlreq *r)
{
	char buf[4096];
	struct nlmsghdr *nh;
	ssize_t n;

	if (nl_fd < 0) {
		nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
			       NETLINK_ROUTE);
		if (nl_fd < 0)
			return -errno;
	}
	if (send(nl_fd, &r->nh, r->nh.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		n = recv(nl_fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != r->nh.nlmsg_seq)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
		}
	}
}

static int link_add_dummy(const char *name)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtattr *linkinfo;
	struct nlreq r;

	nl_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	nl_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
	linkinfo = nl_attr(&r, IFLA_LINKINFO, NULL, 0);
	nl_attr(&r, IFLA_INFO_KIND, "dummy", strlen("dummy"));
	nl_nest_end(&r, linkinfo);
	return nl_talk(&r);
}

static int link_up(int ifindex)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = ifindex,
		.ifi_flags = IFF_UP,
		.ifi_change = IFF_UP,
	};
	struct nlreq r;

	nl_init(&r, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	return nl_talk(&r);
}

static int addr_add(int family, int ifindex, const char *addr, int plen)
{
	struct ifaddrmsg ifa = {
		.ifa_family = family,
		.ifa_prefixlen = plen,
		.ifa_index = ifindex,
		.ifa_flags = family == AF_INET6 ? IFA_F_NODAD : 0,
		.ifa_scope = RT_SCOPE_UNIVERSE,
	};
	unsigned char a[16];
	size_t alen = family == AF_INET6 ? 16 : 4;
	struct nlreq r;

	if (inet_pton(family, addr, a) != 1)
		return -EINVAL;
	nl_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	nl_attr(&r, IFA_LOCAL, a, alen);
	nl_attr(&r, IFA_ADDRESS, a, alen);
	return nl_talk(&r);
}

static int route_add_default(int family, const char *gw, int ifindex,
			     unsigned int metric)
{
	struct rtmsg rtm = {
		.rtm_family = family,
		.rtm_table = RT_TABLE_MAIN,
		.rtm_protocol = RTPROT_STATIC,
		.rtm_scope = RT_SCOPE_UNIVERSE,
		.rtm_type = RTN_UNICAST,
	};
	unsigned char a[16];
	struct nlreq r;

	if (inet_pton(family, gw, a) != 1)
		return -EINVAL;
	nl_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rtm, sizeof(rtm));
	nl_attr(&r, RTA_GATEWAY, a, family == AF_INET6 ? 16 : 4);
	nl_attr(&r, RTA_OIF, &ifindex, sizeof(ifindex));
	nl_attr(&r, RTA_PRIORITY, &metric, sizeof(metric));
	return nl_talk(&r);
}

/* ---- the test network ---- */

static int if0, if1;

#define NL_OK(expr)							\
	do {								\
		int __ret = (expr);					\
									\
		if (__ret < 0)						\
			return kw_fail("%s: %s", #expr,			\
				       kw_errname(-__ret));		\
	} while (0)

/*
 * Enter a new network namespace with the two dummies; with @link_routes
 * dummy1 has default routes of its own (metric 200).
 */
static int setup_netns(bool link_routes)
{
	int ret;

	if (kw_is_root()) {
		if (unshare(CLONE_NEWNET) < 0)
			return kw_fail("unshare(CLONE_NEWNET): %s",
				       kw_errname(errno));
	} else {
		ret = kw_enter_userns(CLONE_NEWNET);
		if (ret < 0)
			return kw_skip("no user + network namespace for an unprivileged user: %s",
				       kw_errname(-ret));
	}
	NL_OK(link_up(if_nametoindex("lo")));
	ret = link_add_dummy("kwdummy0");
	if (ret == -EOPNOTSUPP)
		return kw_fail("creating a dummy link: EOPNOTSUPP (dummy module not loaded?)");
	NL_OK(ret);
	NL_OK(link_add_dummy("kwdummy1"));
	if0 = if_nametoindex("kwdummy0");
	if1 = if_nametoindex("kwdummy1");
	KW_CHECK(if0 > 0 && if1 > 0, "no ifindex for the dummies");
	NL_OK(link_up(if0));
	NL_OK(link_up(if1));
	NL_OK(addr_add(AF_INET, if0, "10.1.0.1", 24));
	NL_OK(addr_add(AF_INET, if1, "10.2.0.1", 24));
	NL_OK(addr_add(AF_INET6, if0, "fd01::1", 64));
	NL_OK(addr_add(AF_INET6, if1, "fd02::1", 64));
	NL_OK(route_add_default(AF_INET, "10.1.0.2", if0, 100));
	NL_OK(route_add_default(AF_INET6, "fd01::2", if0, 100));
	if (!link_routes)
		return KW_PASS;
	NL_OK(route_add_default(AF_INET, "10.2.0.2", if1, 200));
	NL_OK(route_add_default(AF_INET6, "fd02::2", if1, 200));
	return KW_PASS;
}

/* The source address connect() picks, with IP_UNICAST_IF @ifindex or 0. */
static int udp4_source(int ifindex, char *out, size_t size)
{
	struct sockaddr_in dst = {
		.sin_family = AF_INET,
		.sin_port = htons(53),
	};
	struct sockaddr_in src;
	socklen_t len = sizeof(src);
	uint32_t idx = htonl(ifindex);
	int fd;

	inet_pton(AF_INET, "198.51.100.1", &dst.sin_addr);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	KW_CHECK_OK(fd);
	if (ifindex)
		KW_CHECK_OK(setsockopt(fd, IPPROTO_IP, IP_UNICAST_IF, &idx,
				       sizeof(idx)));
	KW_CHECK_OK(connect(fd, (struct sockaddr *)&dst, sizeof(dst)));
	KW_CHECK_OK(getsockname(fd, (struct sockaddr *)&src, &len));
	inet_ntop(AF_INET, &src.sin_addr, out, size);
	close(fd);
	return KW_PASS;
}

static int udp6_source(int ifindex, char *out, size_t size)
{
	struct sockaddr_in6 dst = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(53),
	};
	struct sockaddr_in6 src;
	socklen_t len = sizeof(src);
	uint32_t idx = htonl(ifindex);
	int fd;

	inet_pton(AF_INET6, "2001:db8::1", &dst.sin6_addr);
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	KW_CHECK_OK(fd);
	/*
	 * Like IP_UNICAST_IF, Linux takes the index in network byte order
	 * (net/ipv6/ipv6_sockglue.c: ntohl(val)); a host-order index fails
	 * with EADDRNOTAVAIL.
	 */
	if (ifindex)
		KW_CHECK_OK(setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_IF,
				       &idx, sizeof(idx)));
	KW_CHECK_OK(connect(fd, (struct sockaddr *)&dst, sizeof(dst)));
	KW_CHECK_OK(getsockname(fd, (struct sockaddr *)&src, &len));
	inet_ntop(AF_INET6, &src.sin6_addr, out, size);
	close(fd);
	return KW_PASS;
}

static int ipv4_case(bool link_routes)
{
	char addr[INET6_ADDRSTRLEN];

	KW_TRY(setup_netns(link_routes));
	KW_TRY(udp4_source(0, addr, sizeof(addr)));
	KW_CHECK(!strcmp(addr, "10.1.0.1"),
		 "without IP_UNICAST_IF: source %s, want 10.1.0.1", addr);
	KW_TRY(udp4_source(if1, addr, sizeof(addr)));
	KW_CHECK(!strcmp(addr, "10.2.0.1"),
		 "with IP_UNICAST_IF = dummy1: source %s, want 10.2.0.1",
		 addr);
	KW_TRY(udp4_source(if0, addr, sizeof(addr)));
	KW_CHECK(!strcmp(addr, "10.1.0.1"),
		 "with IP_UNICAST_IF = dummy0: source %s, want 10.1.0.1",
		 addr);
	return KW_PASS;
}

static int ipv6_case(bool link_routes)
{
	char addr[INET6_ADDRSTRLEN];

	KW_TRY(setup_netns(link_routes));
	KW_TRY(udp6_source(0, addr, sizeof(addr)));
	KW_CHECK(!strcmp(addr, "fd01::1"),
		 "without IPV6_UNICAST_IF: source %s, want fd01::1", addr);
	KW_TRY(udp6_source(if1, addr, sizeof(addr)));
	KW_CHECK(!strcmp(addr, "fd02::1"),
		 "with IPV6_UNICAST_IF = dummy1: source %s, want fd02::1",
		 addr);
	KW_TRY(udp6_source(if0, addr, sizeof(addr)));
	KW_CHECK(!strcmp(addr, "fd01::1"),
		 "with IPV6_UNICAST_IF = dummy0: source %s, want fd01::1",
		 addr);
	return KW_PASS;
}

static int test_ipv4_link_routes(void)
{
	return ipv4_case(true);
}

static int test_ipv6_link_routes(void)
{
	return ipv6_case(true);
}

/* dummy1 has no route: IPv4 takes the destination to be on its link. */
static int test_ipv4_no_link_route(void)
{
	return ipv4_case(false);
}

/*
 * IPv6 looks up routes strictly on the chosen interface: with no route on
 * dummy1 the connect() fails, rather than leave through dummy0's default
 * route as it would if the option were ignored.
 */
static int test_ipv6_no_link_route(void)
{
	struct sockaddr_in6 dst = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(53),
	};
	char addr[INET6_ADDRSTRLEN];
	uint32_t idx;
	int fd;

	KW_TRY(setup_netns(false));
	KW_TRY(udp6_source(0, addr, sizeof(addr)));
	KW_CHECK(!strcmp(addr, "fd01::1"),
		 "without IPV6_UNICAST_IF: source %s, want fd01::1", addr);
	inet_pton(AF_INET6, "2001:db8::1", &dst.sin6_addr);
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	KW_CHECK_OK(fd);
	idx = htonl(if1);
	KW_CHECK_OK(setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_IF, &idx,
			       sizeof(idx)));
	KW_CHECK_ERRNO(connect(fd, (struct sockaddr *)&dst, sizeof(dst)),
		       ENETUNREACH);
	close(fd);
	return KW_PASS;
}

/* kwish's kernel probe agrees: item 9 is reported native. */
static int test_reported_native(void)
{
	int state = kwnet_item_state(9);

	if (state < 0)
		return kw_skip("kwish_core not loaded");
	KW_CHECK(state == KWISH_STATE_NATIVE, "item 9 state %d, want native",
		 state);
	return KW_PASS;
}

/* No privilege is needed for the socket option itself. */
static int unicast_if_as_user(void)
{
	uint32_t idx = htonl(1);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	KW_CHECK_OK(fd);
	KW_CHECK_OK(setsockopt(fd, IPPROTO_IP, IP_UNICAST_IF, &idx,
			       sizeof(idx)));
	close(fd);
	return KW_PASS;
}

static int test_option_unprivileged(void)
{
	return kw_run_as_user(unicast_if_as_user);
}

static const struct kw_test tests[] = {
	KW_TEST(test_reported_native),
	KW_TEST(test_ipv4_link_routes),
	KW_TEST(test_ipv6_link_routes),
	KW_TEST(test_ipv4_no_link_route),
	KW_TEST(test_ipv6_no_link_route),
	KW_TEST(test_option_unprivileged),
};

int main(void)
{
	return KW_RUN(tests);
}
