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

#endif
