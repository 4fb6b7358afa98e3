/// The Kubernetes API's JSON shapes podnetd decodes: only the fields it uses (the decoder skips the
/// rest, such as a Node's image list). Names as the API spells them (core/v1 Node; Calico's
/// `crd.projectcalico.org/v1` IPPool and BlockAffinity, libcalico-go's CRD schemas).
struct ObjectMeta: Decodable, Sendable {
    var name: String
}

/// `metadata` of a list: its resourceVersion and the continue token of the next page.
struct ListMeta: Decodable, Sendable {
    var resourceVersion: String?
    var `continue`: String?
}

/// Any `…List`.
struct ObjectList<Item: Decodable & Sendable>: Decodable, Sendable {
    var metadata: ListMeta
    var items: [Item]
}

/// core/v1 Node, narrowed to what podnetd reads: of the annotations only Calico's, of
/// `status.capacity` only `pods`. A real Node carries dozens of annotations (some kilobytes long);
/// decoding them all into dictionaries cost memory for every node of a list page
/// (`Scripts/bench-cluster.sh`). The labels are decoded whole, a page at a time: the instance type
/// is one of them, and this machine's Node's labels are matched against the pools' nodeSelectors.
struct NodeObject: Decodable, Sendable {
    struct Metadata: Decodable, Sendable {
        var name: String
        var uid: String?
        var annotations: CalicoAnnotations?
        var labels: [String: String]?
    }
    /// The annotations calico-node writes on its Node (libcalico-go's k8s backend, node.go).
    struct CalicoAnnotations: Decodable, Sendable {
        var ipv4Address: String?
        var vxlanTunnelAddress: String?
        var vxlanTunnelMAC: String?
        var ipv6Address: String?
        var vxlanTunnelAddressV6: String?
        var vxlanTunnelMACV6: String?

        enum CodingKeys: String, CodingKey {
            case ipv4Address = "projectcalico.org/IPv4Address"
            case vxlanTunnelAddress = "projectcalico.org/IPv4VXLANTunnelAddr"
            case vxlanTunnelMAC = "projectcalico.org/VXLANTunnelMACAddr"
            case ipv6Address = "projectcalico.org/IPv6Address"
            case vxlanTunnelAddressV6 = "projectcalico.org/IPv6VXLANTunnelAddr"
            case vxlanTunnelMACV6 = "projectcalico.org/VXLANTunnelMACAddrV6"
        }
    }
    struct Spec: Decodable, Sendable {
        var podCIDR: String?
        var podCIDRs: [String]?
    }
    struct Address: Decodable, Sendable {
        var type: String
        var address: String
    }
    struct Capacity: Decodable, Sendable {
        /// A quantity as a string (`"110"`).
        var pods: String?
    }
    struct Status: Decodable, Sendable {
        var addresses: [Address]?
        var capacity: Capacity?
    }
    var metadata: Metadata
    var spec: Spec?
    var status: Status?
}

/// `crd.projectcalico.org/v1` IPPool.
struct IPPoolObject: Decodable, Sendable {
    struct Spec: Decodable, Sendable {
        var cidr: String
        var blockSize: Int?
        var vxlanMode: String?
        var ipipMode: String?
        var disabled: Bool?
        var nodeSelector: String?
    }
    var metadata: ObjectMeta
    var spec: Spec
}

/// `crd.projectcalico.org/v1` BlockAffinity. `spec.deleted` is a string in the v1 CRD
/// (`"true"`/`"false"`); a boolean is accepted too (the v3 API's type).
struct BlockAffinityObject: Decodable, Sendable {
    struct Spec: Decodable, Sendable {
        var cidr: String
        var node: String
        var state: String
        var deleted: Bool

        enum CodingKeys: String, CodingKey { case cidr, node, state, deleted }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            cidr = try container.decode(String.self, forKey: .cidr)
            node = try container.decode(String.self, forKey: .node)
            state = try container.decodeIfPresent(String.self, forKey: .state) ?? ""
            if let text = try? container.decodeIfPresent(String.self, forKey: .deleted) {
                deleted = text.lowercased() == "true"
            } else {
                deleted = try container.decodeIfPresent(Bool.self, forKey: .deleted) ?? false
            }
        }
    }
    var metadata: ObjectMeta
    var spec: Spec
}

/// A `Status` object: the body of an error response and of a watch's ERROR event.
struct StatusObject: Decodable, Sendable {
    var code: Int?
    var reason: String?
    var message: String?
}

/// A watch event's type and what any object says: its name and resourceVersion, or for an ERROR
/// event the Status's code and message.
struct WatchEventHead: Decodable, Sendable {
    struct Partial: Decodable, Sendable {
        struct Meta: Decodable, Sendable {
            var name: String?
            var resourceVersion: String?
        }
        var metadata: Meta?
        var code: Int?
        var message: String?
    }
    var type: String
    var object: Partial
}

/// An ADDED or MODIFIED event with its object decoded.
struct WatchEvent<Object: Decodable>: Decodable {
    var object: Object
}
