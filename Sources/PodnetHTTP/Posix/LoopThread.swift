import Glibc

/// A joinable POSIX thread running one closure (Foundation's `Thread` cannot be joined).
struct LoopThread: Sendable {
    /// The pthread handle.
    let id: pthread_t

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Starts a thread that runs `body`; the failure carries pthread_create's error number.
    static func spawn(_ body: @escaping @Sendable () -> Void) -> Result<LoopThread, SystemCallError> {
        let box = Unmanaged.passRetained(Body(body))
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { argument in
                guard let argument else { return nil }
                let body = Unmanaged<Body>.fromOpaque(argument).takeRetainedValue()
                body.run()
                return nil
            },
            box.toOpaque()
        )
        guard result == 0 else {
            box.release()
            return .failure(SystemCallError(call: "pthread_create", errno: result))
        }
        return .success(LoopThread(id: thread))
    }

    /// Whether the calling thread is this one.
    var isCurrent: Bool { pthread_equal(id, pthread_self()) != 0 }

    /// Waits for the thread to finish.
    func join() { _ = pthread_join(id, nil) }

    /// Lets the thread release its resources by itself when it finishes.
    func detach() { _ = pthread_detach(id) }
}
