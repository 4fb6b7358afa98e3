import Foundation
import PodnetTestSupport

/// What Scripts/package.sh built into dist/: built once per test run (Scripts/test.sh runs
/// package.sh first and says so with `PODNETD_DIST`; otherwise the first test that needs it does).
struct ReleaseArtefacts: Sendable {
    let directory: String
    let version: String
    /// The commit package.sh stamps: HEAD, "-dirty" when tracked files differ from it.
    let commit: String

    var binary: String { directory + "/podnetd" }
    var deb: String { directory + "/podnetd_\(version)_amd64.deb" }
    var rpm: String { directory + "/podnetd-\(version)-1.x86_64.rpm" }
    var image: String { directory + "/podnetd-\(version).oci.tar" }

    /// The artefacts, or why they could not be built (every test that needs them fails with it).
    static func built() throws -> ReleaseArtefacts { try shared.get() }

    private static let shared: Result<ReleaseArtefacts, Error> = Result {
        let version = try String(contentsOfFile: Repository.path("VERSION"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let head = try runChecked("git", ["-C", Repository.root.path, "rev-parse", "--short=12", "HEAD"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // package.sh marks a build from a tree with uncommitted changes to tracked files.
        let clean = try runProcess("git", ["-C", Repository.root.path, "diff", "--quiet", "HEAD", "--"]).succeeded
        let directory: String
        if let given = ProcessInfo.processInfo.environment["PODNETD_DIST"], !given.isEmpty {
            directory = given
        } else {
            let build = try runProcess("bash", [Repository.path("Scripts/package.sh"), "--no-deps"], timeout: .seconds(3600))
            guard build.succeeded else { throw ProcessFailure(result: build, reason: "Scripts/package.sh failed") }
            directory = Repository.path("dist")
        }
        let artefacts = ReleaseArtefacts(directory: directory, version: version, commit: clean ? head : head + "-dirty")
        for file in [artefacts.binary, artefacts.deb, artefacts.rpm, artefacts.image]
        where !FileManager.default.fileExists(atPath: file) {
            throw MissingRequirement("\(file) is missing: run `sudo Scripts/package.sh`")
        }
        return artefacts
    }
}
