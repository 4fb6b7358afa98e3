// The one C header podnetd imports: libnl-3's route API plus the few inline
// helpers Swift cannot call directly (function-like macros).
#ifndef PODNETD_CNETLINK_SHIM_H
#define PODNETD_CNETLINK_SHIM_H

#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/socket.h>
#include <netlink/route/link.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/inet.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/rule.h>
#include <netlink/route/netconf.h>
#include <linux/rtnetlink.h>
#include <linux/neighbour.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/fib_rules.h>
#include <linux/netconf.h>
#include <linux/ip.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

/// NLMSG_HDRLEN is a function-like macro chain; Swift cannot import it.
static inline int cnetlink_nlmsg_hdrlen(void) { return NLMSG_HDRLEN; }

/// Keeps the object nl_msg_parse hands to its callback (the parser drops its own reference afterwards).
static inline void cnetlink_keep_object(struct nl_object *object, void *out) {
    struct nl_object **slot = (struct nl_object **)out;
    if (*slot != NULL) nl_object_put(*slot);
    nl_object_get(object);
    *slot = object;
}

/// Parses one rtnetlink message (link, address, netconf, …) with libnl's parser for its message type.
/// On success *out holds a new reference the caller must release with nl_object_put; it stays NULL
/// when the parser produced nothing. The temporary nl_msg never leaves this function.
static inline int cnetlink_parse_route_object(struct nlmsghdr *header, struct nl_object **out) {
    *out = NULL;
    struct nl_msg *message = nlmsg_convert(header);
    if (message == NULL) return -NLE_NOMEM;
    nlmsg_set_proto(message, NETLINK_ROUTE);
    int err = nl_msg_parse(message, cnetlink_keep_object, out);
    nlmsg_free(message);
    if (err < 0 && *out != NULL) {
        nl_object_put(*out);
        *out = NULL;
    }
    return err;
}

/// Reads whether transmit checksum offload is on for interface `name` (ETHTOOL_GTXCSUM over the
/// SIOCETHTOOL ioctl, which needs no privilege for reads and exists on every kernel, unlike ethtool's
/// netlink interface, 5.6+). Returns 0 and sets *enabled, or a negative errno.
static inline int cnetlink_tx_checksum(const char *name, int *enabled) {
    if (strlen(name) >= IFNAMSIZ) return -EINVAL;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    struct ethtool_value value = { .cmd = ETHTOOL_GTXCSUM };
    struct ifreq request;
    memset(&request, 0, sizeof request);
    strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    request.ifr_data = (void *)&value;
    int result = ioctl(fd, SIOCETHTOOL, &request) < 0 ? -errno : 0;
    close(fd);
    if (result == 0) *enabled = value.data != 0;
    return result;
}

#endif
