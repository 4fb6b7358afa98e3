/// podnetd's version, shown by `--version` and exported as `podnetd_build_info`.
enum PodnetdVersion {
    static let current = "0.1.0"
}
