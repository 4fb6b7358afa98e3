import Foundation

/// Reads whole text files and lists directories; injectable so that tests need no files on disk.
public protocol FileReading: Sendable {
    /// The text of the file at `path`; nil when there is no such file. Throws when it exists but
    /// cannot be read.
    func readText(atPath path: String) throws -> String?

    /// The names (not paths) of the entries of the directory at `path`, in no particular order; nil
    /// when there is no such directory. Throws when it exists but cannot be listed, or is not a
    /// directory.
    func listDirectory(atPath path: String) throws -> [String]?
}

/// The machine's file system.
public struct LocalFileSystem: FileReading {
    /// Files larger than this are refused (no config podnetd reads comes close).
    public static let maximumSize = 4 << 20

    public init() {}

    /// Never blocks on a FIFO or device and refuses anything but a regular file (see `RegularFile`).
    public func readText(atPath path: String) throws -> String? {
        guard let bytes = try RegularFile.read(atPath: path, maximumSize: Self.maximumSize) else { return nil }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw FileReadError(message: "not UTF-8 text") }
        return text
    }

    public func listDirectory(atPath path: String) throws -> [String]? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else { throw FileReadError(message: "not a directory") }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw FileReadError(message: "cannot list: \(Self.reason(error))")
        }
    }

    private static func reason(_ error: any Error) -> String {
        if let error = error as? CocoaError, let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError {
            return underlying.localizedDescription
        }
        return (error as NSError).localizedDescription
    }
}

/// Why a file that exists could not be read.
public struct FileReadError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// Files held in memory, by path: for tests and for callers that already hold the text. A
/// directory exists when some file's path lies under it.
public struct InMemoryFiles: FileReading {
    public var files: [String: String]
    public init(_ files: [String: String] = [:]) { self.files = files }
    public func readText(atPath path: String) throws -> String? { files[path] }

    public func listDirectory(atPath path: String) throws -> [String]? {
        let prefix = path.hasSuffix("/") ? path : path + "/"
        var names: Set<String> = []
        for file in files.keys where file.hasPrefix(prefix) {
            let rest = file.dropFirst(prefix.count)
            guard let name = rest.split(separator: "/", omittingEmptySubsequences: true).first else { continue }
            names.insert(String(name))
        }
        if names.isEmpty {
            if files[path] != nil { throw FileReadError(message: "not a directory") }
            return nil
        }
        return names.sorted()
    }
}
