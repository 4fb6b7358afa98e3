import CNetlink
import PodnetModel

/// Turns one notification message into events, with the same per-kind converters the dumps use.
enum EventDecoder {
    static func events(from message: NetlinkMessage, into events: inout [NetlinkEvent]) {
        switch message.type {
        case MessageType.newLink:
            if let link = LinkConverter.link(from: message) { events.append(.link(link)) }
        case MessageType.deleteLink:
            if let index = LinkConverter.linkIndex(of: message) { events.append(.linkRemoved(index)) }
        case MessageType.newAddress, MessageType.deleteAddress:
            if let address = AddressConverter.address(from: message) {
                events.append(.address(address, removed: message.type == MessageType.deleteAddress))
            }
        case MessageType.newRoute, MessageType.deleteRoute:
            if let route = RouteConverter.route(from: message) {
                events.append(
                    .route(
                        route, removed: message.type == MessageType.deleteRoute,
                        flags: RouteNotificationFlags(messageFlags: message.flags)))
            }
        case MessageType.newNeighbour, MessageType.deleteNeighbour:
            let removed = message.type == MessageType.deleteNeighbour
            switch NeighbourConverter.parse(message) {
            case .neighbour(let neighbour): events.append(.neighbour(neighbour, removed: removed))
            case .unreported(let neighbour): events.append(.neighbour(neighbour, removed: true))
            case .fdb(let entry): events.append(.fdb(entry, removed: removed))
            case nil: break
            }
        case MessageType.newRule, MessageType.deleteRule:
            if let rule = RuleConverter.rule(from: message) {
                events.append(.rule(rule, removed: message.type == MessageType.deleteRule))
            }
        case MessageType.newNexthop, MessageType.deleteNexthop:
            // Any nexthop object change may have changed routes silently: resync (see the event).
            events.append(.nexthopObjectsChanged)
        case MessageType.newNetconf:
            if let change = NetconfConverter.change(from: message) { events.append(.netconf(change)) }
        default:
            break
        }
    }
}
