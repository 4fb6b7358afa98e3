import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import PodnetConfig
import PodnetDaemon
import PodnetModel

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run as a daemon: watch netlink, keep the diagnosis current, serve it over HTTP.",
        discussion: """
            Endpoints (default http://127.0.0.1:9647):
              /status     the report as JSON; ?format=text (or Accept: text/plain)
                          for the text of `podnetd check`
              /metrics    Prometheus text format
              /healthz    200 while the watch loop turns (one turn over 10 s is a
                          stall) and the last analysis is fresh, else 503
              /readyz     200 once the first analysis is done
            SIGHUP reloads the config (a bad one is logged and the last good one kept); \
            SIGTERM stops. Under systemd (Type=notify) it reports READY=1 after the first \
            analysis and pings the watchdog.
            """
    )

    @Option(name: .shortAndLong, help: ArgumentHelp("Config file (default \(PodnetConfig.defaultPath); missing means defaults).", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Listen address, e.g. 127.0.0.1:9647 or [::1]:9647; repeatable. Overrides the config's `listen`.", valueName: "addr:port"))
    var listen: [String] = []

    func validate() throws {
        for text in listen where ListenAddress(text) == nil {
            throw ValidationError("--listen \(EchoedInput.quoted(text)): expected ADDRESS:PORT, e.g. 127.0.0.1:9647 or [::1]:9647")
        }
    }

    func run() throws {
        // A closed stderr (journald restarted, a terminal gone) must not kill the daemon; systemd
        // ignores SIGPIPE for services too. Sockets already send with MSG_NOSIGNAL.
        signal(SIGPIPE, SIG_IGN)
        // Under systemd (stderr is journald's stream): priorities, no timestamp of our own;
        // on a terminal or in a file, swift-log's timestamped lines.
        if JournalLogHandler.stderrIsJournal(environment: ProcessInfo.processInfo.environment) {
            LoggingSystem.bootstrap { _ in JournalLogHandler() }
        } else {
            LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        }
        let logger = Logger(label: "podnetd")
        let override = listen.compactMap(ListenAddress.init).map { ListenEndpoint(host: $0.host.description, port: $0.port) }
        let daemon = Daemon(
            loader: ConfigurationLoader(path: config), listenOverride: override.isEmpty ? nil : override,
            version: PodnetdVersion.version, commit: PodnetdVersion.commit, logger: logger)
        do {
            try daemon.run()
        } catch {
            StandardStreams.error("\(error)")
            throw ExitCode(2)
        }
    }
}
