/// A response as it goes on the wire: the rendered head, then the body.
///
/// The body stays the handler's own array (copy-on-write), never joined to the head: a large body
/// a handler serves to many clients (the daemon's /status JSON, 7 MB at 5,000 findings) is then
/// held once, however many connections have it unsent (256 clients not reading it held 1.6 GB).
struct WireResponse {
    var head: [UInt8]
    var body: [UInt8]

    init(head: [UInt8] = [], body: [UInt8] = []) {
        self.head = head
        self.body = body
    }

    /// Bytes in all.
    var count: Int { head.count + body.count }

    /// Calls `send` with the unsent bytes of the head, or else of the body, after `offset` sent.
    func withUnsentBytes<Result>(after offset: Int, _ send: (UnsafeRawBufferPointer) -> Result) -> Result {
        if offset < head.count {
            return head.withUnsafeBytes { send(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
        }
        return body.withUnsafeBytes { send(UnsafeRawBufferPointer(rebasing: $0[(offset - head.count)...])) }
    }
}
