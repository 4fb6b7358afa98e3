import CNetlink

/// rtnetlink message types as `nlmsg_type` values (the C constants import as `Int`).
enum MessageType {
    static let newLink = UInt16(RTM_NEWLINK)
    static let deleteLink = UInt16(RTM_DELLINK)
    static let getLink = UInt16(RTM_GETLINK)
    static let newAddress = UInt16(RTM_NEWADDR)
    static let deleteAddress = UInt16(RTM_DELADDR)
    static let getAddress = UInt16(RTM_GETADDR)
    static let newRoute = UInt16(RTM_NEWROUTE)
    static let deleteRoute = UInt16(RTM_DELROUTE)
    static let getRoute = UInt16(RTM_GETROUTE)
    static let newNeighbour = UInt16(RTM_NEWNEIGH)
    static let deleteNeighbour = UInt16(RTM_DELNEIGH)
    static let getNeighbour = UInt16(RTM_GETNEIGH)
    static let newRule = UInt16(RTM_NEWRULE)
    static let deleteRule = UInt16(RTM_DELRULE)
    static let getRule = UInt16(RTM_GETRULE)
    static let newNetconf = UInt16(RTM_NEWNETCONF)
    static let deleteNetconf = UInt16(RTM_DELNETCONF)
    static let getNetconf = UInt16(RTM_GETNETCONF)
    static let getNeighbourTable = UInt16(RTM_GETNEIGHTBL)

    static let newNexthop = UInt16(RTM_NEWNEXTHOP)
    static let deleteNexthop = UInt16(RTM_DELNEXTHOP)

    static let done = UInt16(NLMSG_DONE)
    static let error = UInt16(NLMSG_ERROR)
    static let noop = UInt16(NLMSG_NOOP)
    static let overrun = UInt16(NLMSG_OVERRUN)
}
