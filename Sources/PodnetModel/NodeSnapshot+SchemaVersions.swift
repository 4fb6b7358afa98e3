extension NodeSnapshot {
    /// The `schemaVersion`s this podnetd reads. Anything else (0, negative, a future version) is
    /// refused rather than misread.
    public static let supportedSchemaVersions: Set<Int> = [1]
}
