/// Who gets a connection slot when a client connects and the slots are scarce.
///
/// A local client can open connections cheaply and keep them with a request now and then; a
/// health check or a scrape must still get in. So a full server does not turn the newcomer away:
/// it closes the connection that has waited longest for a request, taken from the peer holding
/// the most slots, and one peer that reaches its own cap gives up its own longest-waiting
/// connection. Connections busy answering are never closed (a client that has taken nothing of
/// its response for a second is not being answered: it waits, see `Connection.waitingSince`);
/// only when every slot is busy is the newcomer refused (503). A newcomer's request is answered in the loop's next turn, before any
/// later arrival can displace it, so it is never the longest-waiting one.
///
/// Pure: the event loop describes its connections, the policy decides.
struct SlotPolicy: Equatable {
    /// Connections open at once.
    var maxConnections: Int
    /// Connections one peer address may hold at once.
    var maxPerPeer: Int

    /// An open connection as the policy sees it.
    struct Occupant: Equatable {
        /// The event loop's index of the connection.
        var index: Int
        /// The peer's address (without the port).
        var peer: String
        /// Since when it has been waiting for a request (monotonic nanoseconds): accepted, or its
        /// last response sent; nil while it is busy answering (never displaced then).
        var waitingSince: UInt64?
    }

    /// What to do with a new connection.
    enum Decision: Equatable {
        /// Take it: a slot is free.
        case admit
        /// Take it after closing the connection at this index.
        case admitDisplacing(index: Int, reason: DisplacementReason)
        /// Answer 503 and close it: every slot it could take is busy answering.
        case refuse(RefusalReason)
    }

    /// Why a waiting connection was closed for a newcomer.
    enum DisplacementReason: String, Equatable {
        case serverFull = "all connection slots are taken"
        case peerLimit = "the peer holds its maximum of connections"
    }

    /// Why a newcomer was refused.
    enum RefusalReason: String, Equatable {
        case serverFull = "all connection slots are busy answering"
        case peerLimit = "all of the peer's connections are busy answering"
    }

    /// The decision for a connection from `peer`, given the connections open now.
    func admit(peer: String, occupants: [Occupant]) -> Decision {
        let fromPeer = occupants.filter { $0.peer == peer }
        if fromPeer.count >= maxPerPeer {
            guard let victim = Self.longestWaiting(fromPeer) else { return .refuse(.peerLimit) }
            return .admitDisplacing(index: victim.index, reason: .peerLimit)
        }
        guard occupants.count >= maxConnections else { return .admit }
        guard let victim = victim(among: occupants) else { return .refuse(.serverFull) }
        return .admitDisplacing(index: victim.index, reason: .serverFull)
    }

    /// The connection to close when something must give way (the server is full, or out of file
    /// descriptors): the longest-waiting one of the peer holding the most slots; between peers
    /// holding as many, the one that has waited longest. Nil when every connection is busy.
    func victim(among occupants: [Occupant]) -> Occupant? {
        var victim: (held: Int, occupant: Occupant, since: UInt64)?
        for group in Dictionary(grouping: occupants, by: \.peer).values {
            guard let candidate = Self.longestWaiting(group), let since = candidate.waitingSince else { continue }
            let better =
                victim.map { best in group.count != best.held ? group.count > best.held : since < best.since } ?? true
            if better { victim = (group.count, candidate, since) }
        }
        return victim?.occupant
    }

    private static func longestWaiting(_ occupants: [Occupant]) -> Occupant? {
        occupants.compactMap { occupant in occupant.waitingSince.map { (occupant, $0) } }.min { $0.1 < $1.1 }?.0
    }
}
