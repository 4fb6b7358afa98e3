import Foundation
import PodnetConfig
import Testing

@Suite("Kubelet config drop-ins")
struct ConfigKubeletDropInTests {
    static let base = "/etc/kubernetes/kubelet/config.json"
    static let dropIns = "/etc/kubernetes/kubelet/config.json.d"
    static let nodeadm = "/etc/kubernetes/kubelet/config.json.d/40-nodeadm.conf"

    func resolved(
        _ files: [String: String], config: PodnetConfig = PodnetConfig()
    ) throws(ConfigError)
        -> ExpectationsResolver.MaxPods
    {
        try ExpectationsResolver(files: InMemoryFiles(files), vCPUs: { 2 }).resolveMaxPods(config)
    }

    @Test("AL2023: nodeadm's drop-in maxPods overrides the base config's, and the source names the drop-in")
    func dropInOverridesBase() throws {
        let maxPods = try resolved([
            Self.base: #"{"kind": "KubeletConfiguration", "maxPods": 17}"#,
            Self.nodeadm:
                #"{"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration", "maxPods": 110}"#,
        ])
        #expect(maxPods.value == 110)
        #expect(
            maxPods.source
                == "kubelet config \(Self.nodeadm) (kubelet's --max-pods flag, if used, is not visible to podnetd)")
        #expect(maxPods.path == Self.nodeadm)
    }

    @Test("drop-ins are merged in lexical file-name order: the last one setting maxPods wins")
    func lexicalOrder() throws {
        let maxPods = try resolved([
            Self.base: #"{"maxPods": 17}"#,
            "\(Self.dropIns)/50-user.conf": #"{"maxPods": 58}"#,
            "\(Self.dropIns)/40-nodeadm.conf": #"{"maxPods": 110}"#,
            "\(Self.dropIns)/99-notes.txt": #"{"maxPods": 3}"#,
        ])
        #expect(maxPods.value == 58)
        #expect(maxPods.source.hasPrefix("kubelet config \(Self.dropIns)/50-user.conf"))
        // Byte order, as kubelet sorts: upper case before lower case.
        let files = InMemoryFiles([
            Self.base: "{}", "\(Self.dropIns)/b.conf": "{}", "\(Self.dropIns)/a.conf": "{}",
            "\(Self.dropIns)/B.conf": "{}",
        ])
        let order = try ExpectationsResolver(files: files).dropIns(forKubeletConfig: Self.base)
        #expect(order == ["\(Self.dropIns)/B.conf", "\(Self.dropIns)/a.conf", "\(Self.dropIns)/b.conf"])
    }

    @Test("a drop-in without maxPods keeps the base config's value")
    func dropInWithoutMaxPods() throws {
        let maxPods = try resolved([
            Self.base: #"{"maxPods": 17}"#,
            Self.nodeadm: #"{"clusterDNS": ["10.100.0.10"]}"#,
        ])
        #expect(maxPods.value == 17)
        #expect(maxPods.source == "kubelet config \(Self.base)")
        #expect(maxPods.path == Self.base)
    }

    @Test("no drop-in directory: the base config's value")
    func noDropInDirectory() throws {
        let maxPods = try resolved([Self.base: #"{"maxPods": 17}"#])
        #expect(maxPods.value == 17)
        #expect(maxPods.source == "kubelet config \(Self.base)")
        let none = try resolved([Self.base: "{}", Self.nodeadm: "{}"])
        #expect(none.value == 110)
        #expect(
            none.source.hasPrefix("default 110 (kubelet config \(Self.base) does not set maxPods, nor do its drop-ins"))
        #expect(none.source.contains("--max-pods"))
    }

    @Test("a malformed auto-discovered drop-in leaves maxPods unknown and names the drop-in")
    func malformedAutoDiscovered() throws {
        let maxPods = try resolved([Self.base: #"{"maxPods": 17}"#, Self.nodeadm: #"{"maxPods": "#])
        #expect(maxPods.value == nil)
        #expect(maxPods.source.hasPrefix("unknown: \(Self.nodeadm)"))
        #expect(maxPods.source.contains("not a valid kubelet config"))
        let wrongType = try resolved([Self.base: #"{"maxPods": 17}"#, Self.nodeadm: #"{"maxPods": "many"}"#])
        #expect(wrongType.value == nil)
        #expect(wrongType.source.contains("\(Self.nodeadm):1: maxPods: expected an integer"))
    }

    @Test("a malformed drop-in of an explicitly named kubelet config is an error naming the drop-in")
    func malformedExplicit() throws {
        var config = PodnetConfig()
        config.kubeletConfigPath = "/srv/kubelet.json"
        #expect(
            try resolved(
                ["/srv/kubelet.json": #"{"maxPods": 17}"#, "/srv/kubelet.json.d/10.conf": "{}"], config: config
            )
            .value == 17)
        do {
            _ = try resolved(
                ["/srv/kubelet.json": #"{"maxPods": 17}"#, "/srv/kubelet.json.d/10.conf": "maxPods: [1\n"],
                config: config)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .malformedYAML)
            #expect(error.file == "/srv/kubelet.json.d/10.conf")
        }
    }

    @Test("an unreadable drop-in directory is an error for an explicit config, unknown for a discovered one")
    func unreadableDirectory() throws {
        // In memory, a file at the directory's path stands in for one that cannot be listed.
        let files = [Self.base: #"{"maxPods": 17}"#, Self.dropIns: "not a directory"]
        let discovered = try resolved(files)
        #expect(discovered.value == nil)
        #expect(discovered.source.hasPrefix("unknown: \(Self.dropIns): cannot list kubelet config drop-ins"))
        var config = PodnetConfig()
        config.kubeletConfigPath = Self.base
        #expect(throws: ConfigError.self) { try resolved(files, config: config) }
    }

    @Test("in-memory directories are derived from the files under them")
    func inMemoryListing() throws {
        let files = InMemoryFiles(["/a/b/c.conf": "", "/a/b/d/e.conf": "", "/a/bc.conf": ""])
        #expect(try files.listDirectory(atPath: "/a/b")?.sorted() == ["c.conf", "d"])
        #expect(try files.listDirectory(atPath: "/a")?.sorted() == ["b", "bc.conf"])
        #expect(try files.listDirectory(atPath: "/x") == nil)
    }

    @Test("on disk: an explicit kubelet config's drop-in directory is listed and merged")
    func localFileSystem() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("podnetd-dropins-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/config.json.d", withIntermediateDirectories: true)
        try #"{"maxPods": 17}"#.write(toFile: root + "/config.json", atomically: true, encoding: .utf8)
        try #"{"maxPods": 110}"#.write(
            toFile: root + "/config.json.d/40-nodeadm.conf", atomically: true, encoding: .utf8)
        try "ignored".write(toFile: root + "/config.json.d/README", atomically: true, encoding: .utf8)
        let files = LocalFileSystem()
        #expect(try files.listDirectory(atPath: root + "/config.json.d")?.sorted() == ["40-nodeadm.conf", "README"])
        #expect(try files.listDirectory(atPath: root + "/absent.d") == nil)
        #expect(throws: FileReadError.self) { try files.listDirectory(atPath: root + "/config.json") }
        var config = PodnetConfig()
        config.kubeletConfigPath = root + "/config.json"
        let maxPods = try ExpectationsResolver(files: files, vCPUs: { 2 }).resolveMaxPods(config)
        #expect(maxPods.value == 110)
        #expect(maxPods.path == root + "/config.json.d/40-nodeadm.conf")
    }
}
