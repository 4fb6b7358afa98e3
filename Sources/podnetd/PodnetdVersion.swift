import CPodnetdSupport

/// podnetd's version and commit, shown by `--version` and exported as `podnetd_build_info`.
/// Scripts/package.sh stamps them into a release build; a developer build says "dev"/"unknown".
enum PodnetdVersion {
    static let version = String(cString: podnetd_build_version())
    static let commit = String(cString: podnetd_build_commit())

    /// `podnetd --version`: "0.2.0 (commit 1a2b3c4d5e6f)", or "dev (commit unknown)".
    static let description = "\(version) (commit \(commit))"
}
