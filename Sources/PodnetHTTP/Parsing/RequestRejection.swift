/// Why a request is answered by the server itself and the connection closed.
enum RequestRejection: Error, Equatable, Sendable {
    /// The request line, a header field or the version is malformed (400); the text says what.
    case malformed(String)
    /// The request line and header section exceed `maxHeaderBytes` (431).
    case headTooLarge
    /// The request announces a body, which this server never accepts (413).
    case bodyNotAccepted

    /// The status code sent for this rejection.
    var status: Int {
        switch self {
        case .malformed: 400
        case .headTooLarge: 431
        case .bodyNotAccepted: 413
        }
    }
}
