import PodnetModel

/// The cluster's view indexed once, when it changes: everything the analysis derives from the view
/// alone (the remote blocks and who owns each block, this node's Node and blocks, the other nodes'
/// VTEPs). Pure, like the analyzer; the daemon keeps one per view, so an analysis pays only for
/// lookups: on a 5,000-node cluster, rebuilding these maps per analysis cost more than comparing them
/// with the node (perf, Scripts/bench-cluster.sh).
public struct ClusterIndex: Sendable {
    /// Another node's VTEP as its Node object gives it.
    struct RemoteVTEP: Sendable {
        /// Position in `view.nodes`.
        let position: Int
        let tunnelIP: IPAddress
        let mac: HardwareAddress
        /// Where its VXLAN packets go (`ClusterNode.vxlanUnderlayAddress`).
        let underlay: IPAddress?
    }

    /// One of this node's confirmed blocks, with the name of its BlockAffinity.
    struct OwnBlock: Sendable {
        let block: IPPrefix
        let affinity: String
    }

    /// The view this index was built from.
    public let view: ClusterView
    /// Position of this node's Node object in `view.nodes`.
    let localNodePosition: Int?
    /// The blocks this node must route to other nodes, in BlockAffinity order (`ClusterExpectations`).
    let remoteBlocks: [ExpectedRemoteBlock]
    /// How many nodes own `remoteBlocks`.
    let remoteBlockOwners: Int
    /// Positions in `remoteBlocks` of each family's blocks sorted by block and tunnel IP, the first per
    /// block: the order the route check reports in (positions, not copies: 40 KiB, not 1 MiB).
    let sortedPositionsV4: [Int32]
    let sortedPositionsV6: [Int32]
    /// The remote blocks' networks, each with its slot: the routes the node index keeps for them.
    let remoteBlockSlots: AddressSlots
    /// Blocks with an affinity not being deleted, each with its slot in `blockOwnedHere`.
    let blockOwnerSlots: AddressSlots
    /// Whether the (last such) affinity of the block names this node.
    let blockOwnedHere: [Bool]
    /// This node's confirmed blocks, in BlockAffinity order.
    let ownBlocks: [OwnBlock]
    /// The other nodes with an IPv4 tunnel address and a MAC, in Node order.
    let remoteVTEPs: [RemoteVTEP]
    /// The same for IPv6 (`projectcalico.org/IPv6VXLANTunnelAddr`, `VXLANTunnelMACAddrV6`).
    let remoteVTEPsV6: [RemoteVTEP]

    /// Indexes `view`.
    public init(view: ClusterView) {
        self.view = view
        let nodeName = view.nodeName
        localNodePosition = view.nodes.firstIndex { $0.name == nodeName }

        // Tunnel addresses by node name: only those, copying 5,000 whole nodes costs more than the rest.
        var tunnelByName: [String: IPAddress] = [:]
        var tunnelV6ByName: [String: IPAddress] = [:]
        tunnelByName.reserveCapacity(view.nodes.count)
        var vteps: [RemoteVTEP] = []
        var vtepsV6: [RemoteVTEP] = []
        vteps.reserveCapacity(view.nodes.count)
        for position in view.nodes.indices {
            if let tunnel = view.nodes[position].vxlanTunnelAddress { tunnelByName[view.nodes[position].name] = tunnel }
            if let tunnel = view.nodes[position].vxlanTunnelAddressV6 {
                tunnelV6ByName[view.nodes[position].name] = tunnel
            }
            guard view.nodes[position].name != nodeName else { continue }
            if let vtep = view.nodes[position].vtep(.ipv4) {
                vteps.append(RemoteVTEP(position: position, tunnelIP: vtep.tunnelIP, mac: vtep.mac, underlay: vtep.underlay))
            }
            if let vtep = view.nodes[position].vtep(.ipv6) {
                vtepsV6.append(
                    RemoteVTEP(position: position, tunnelIP: vtep.tunnelIP, mac: vtep.mac, underlay: vtep.underlay))
            }
        }
        remoteVTEPs = vteps
        remoteVTEPsV6 = vtepsV6

        // Remote blocks: confirmed affinities of other nodes in pools that use VXLAN (every pool when
        // the view has none), each via its owner's tunnel IP.
        let vxlanPools = view.pools.filter(\.usesVXLAN)
        var remote: [ExpectedRemoteBlock] = []
        remote.reserveCapacity(view.blockAffinities.count)
        var owners = AddressSlots(capacity: view.blockAffinities.count)
        var ownerIsLocal: [Bool] = []
        ownerIsLocal.reserveCapacity(view.blockAffinities.count)
        var own: [OwnBlock] = []
        var ownerNames: Set<String> = []
        for position in view.blockAffinities.indices {
            let block = view.blockAffinities[position].cidr.network
            let isLocal = view.blockAffinities[position].node == nodeName
            if !view.blockAffinities[position].deleted {
                // The last affinity of a block decides its owner.
                if let slot = owners[block] {
                    ownerIsLocal[slot] = isLocal
                } else {
                    owners.insert(block, ownerIsLocal.count)
                    ownerIsLocal.append(isLocal)
                }
            }
            guard view.blockAffinities[position].isConfirmed else { continue }
            if isLocal {
                own.append(OwnBlock(block: block, affinity: view.blockAffinities[position].name))
                continue
            }
            if !view.pools.isEmpty, !vxlanPools.contains(where: { $0.cidr.contains(block) }) { continue }
            let node = view.blockAffinities[position].node
            let tunnels = block.family == .ipv6 ? tunnelV6ByName : tunnelByName
            guard let tunnelIP = tunnels[node], tunnelIP.family == block.family else { continue }
            remote.append(ExpectedRemoteBlock(block: block, tunnelIP: tunnelIP, node: node))
            ownerNames.insert(node)
        }
        blockOwnerSlots = owners
        blockOwnedHere = ownerIsLocal
        ownBlocks = own
        remoteBlocks = remote
        remoteBlockOwners = ownerNames.count

        sortedPositionsV4 = Self.sortedUniquePositions(remote, family: .ipv4)
        sortedPositionsV6 = Self.sortedUniquePositions(remote, family: .ipv6)
        var slots = AddressSlots(capacity: remote.count)
        for expected in remote { slots.insert(expected.block.network, slots.count) }
        remoteBlockSlots = slots
    }

    /// Whether a block (canonical) has an owner, and whether that is this node; nil: no node owns it.
    func ownedHere(_ block: IPPrefix) -> Bool? {
        blockOwnerSlots[block].map { blockOwnedHere[$0] }
    }

    /// The other nodes' VTEPs of `family`.
    func remoteVTEPs(_ family: AddressFamily) -> [RemoteVTEP] { family == .ipv6 ? remoteVTEPsV6 : remoteVTEPs }

    /// This node's Node object, if the cluster has one of its name.
    var localNode: ClusterNode? { localNodePosition.map { view.nodes[$0] } }

    /// Positions in `remoteBlocks` of the blocks of `family`, sorted, the first per block.
    func sortedPositions(_ family: AddressFamily) -> [Int32] {
        family == .ipv6 ? sortedPositionsV6 : sortedPositionsV4
    }

    /// Positions of the blocks of `family` sorted by block and tunnel IP (then position), the first per block.
    static func sortedUniquePositions(_ blocks: [ExpectedRemoteBlock], family: AddressFamily) -> [Int32] {
        var positions = blocks.indices.filter { blocks[$0].block.family == family }
        positions.sort { (blocks[$0].block.network, blocks[$0].tunnelIP, $0) < (blocks[$1].block.network, blocks[$1].tunnelIP, $1) }
        var seen: Set<IPPrefix> = []
        return positions.filter { seen.insert(blocks[$0].block.network).inserted }.map { Int32($0) }
    }
}

/// Two indexes are equal when their views are: the rest is derived from the view.
extension ClusterIndex: Hashable {
    public static func == (lhs: ClusterIndex, rhs: ClusterIndex) -> Bool { lhs.view == rhs.view }
    public func hash(into hasher: inout Hasher) { hasher.combine(view) }
}
