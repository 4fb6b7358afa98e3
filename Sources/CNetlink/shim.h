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

#endif
