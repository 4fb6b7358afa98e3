import Foundation
import PodnetAnalysis
import PodnetConfig
import PodnetModel
import Testing

@Suite("Config file")
struct ConfigFileTests {
    static let path = "/etc/podnetd/podnetd.yaml"

    func parse(_ yaml: String) throws(ConfigError) -> PodnetConfig {
        try PodnetConfigFile.parse(yaml: yaml, path: Self.path)
    }

    /// The error `yaml` gives; records an issue when it parses.
    func failure(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
        do {
            _ = try parse(yaml)
            Issue.record("expected an error", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    @Test("an empty file, a comment-only file and an empty mapping give the defaults")
    func emptyFiles() throws {
        for text in ["", "# nothing here\n", "{}\n", "---\n"] {
            #expect(try parse(text) == PodnetConfig())
        }
        let defaults = PodnetConfig()
        #expect(defaults.blockSize == 26)
        #expect(defaults.blockSizeV6 == 122)
        #expect(defaults.calico.vxlanVNI == 4096)
        #expect(defaults.calico.vxlanPort == 4789)
        #expect(defaults.calico.vxlanDevice == "vxlan.calico")
        #expect(defaults.thresholds.podCapacityWarningRatio == 0.9)
        #expect(defaults.listen.map(\.description) == ["127.0.0.1:9647"])
        #expect(defaults.resyncInterval == 60)
        #expect(defaults.graceSeconds == 5)
        #expect(defaults.debounceMilliseconds == 50)
        #expect(defaults.maxFindingSeries == 200)
        #expect(defaults.logLevel == .info)
    }

    @Test("every key is read")
    func everyKey() throws {
        let config = try parse(
            """
            cni: calico-vxlan
            podCIDRs: [192.168.0.0/16, "fd00:10:244::/56"]
            blockSize: 26
            blockSizeV6: 122
            serviceCIDR: 172.16.0.0/16
            calico:
              vxlanDevice: vxlan.calico
              vxlanDeviceV6: vxlan-v6.calico
              vxlanVNI: 4096
              vxlanPort: 4789
              expectedRemoteBlocks:
                - block: 192.168.35.0/26
                  tunnelIP: 192.168.35.0
            hostGW:
              expectedRoutes:
                - {cidr: 10.200.1.0/24, via: 10.240.0.21}
            maxPods: 17
            kubeletConfigPath: /etc/kubernetes/kubelet/kubelet-config.json
            instanceType: T3A.Medium
            awsVpcCni:
              prefixDelegation: true
              customNetworking: false
              maxENIs: 2
            thresholds:
              podCapacityWarningRatio: 0.8
            listen: ["127.0.0.1:9647", "[::1]:9647"]
            resyncInterval: 30
            graceSeconds: 10
            debounceMilliseconds: 100
            maxFindingSeries: 500
            auth:
              bearerTokenFile: /etc/podnetd/token
            logLevel: debug
            """)
        #expect(config.cni == .fixed(.calicoVXLAN))
        #expect(config.podCIDRs == [IPPrefix("192.168.0.0/16")!, IPPrefix("fd00:10:244::/56")!])
        #expect(config.serviceCIDRs == [IPPrefix("172.16.0.0/16")!])
        #expect(
            config.calico.expectedRemoteBlocks == [
                ExpectedRemoteBlock(block: IPPrefix("192.168.35.0/26")!, tunnelIP: IPAddress("192.168.35.0")!)
            ])
        #expect(
            config.hostGW.expectedRoutes == [
                ExpectedRoute(cidr: IPPrefix("10.200.1.0/24")!, gateway: IPAddress("10.240.0.21")!)
            ])
        #expect(config.maxPods == .fixed(17))
        #expect(config.kubeletConfigPath == "/etc/kubernetes/kubelet/kubelet-config.json")
        #expect(config.instanceType == .named("t3a.medium"))
        #expect(config.awsVpcCni == AWSVPCCNIExpectations(prefixDelegation: true, customNetworking: false, maxENIs: 2))
        #expect(config.thresholds.podCapacityWarningRatio == 0.8)
        #expect(config.listen.map(\.description) == ["127.0.0.1:9647", "[::1]:9647"])
        #expect(config.resyncInterval == 30)
        #expect(config.graceSeconds == 10)
        #expect(config.debounceMilliseconds == 100)
        #expect(config.maxFindingSeries == 500)
        #expect(config.auth.bearerTokenFile == "/etc/podnetd/token")
        #expect(config.logLevel == .debug)
    }

    @Test("a single serviceCIDR or podCIDRs string is a one-element list; auto values read as auto")
    func shorthands() throws {
        let config = try parse(
            "podCIDRs: 10.244.0.0/16\nserviceCIDR: [10.96.0.0/12]\nmaxPods: auto\ninstanceType: auto\ncni: auto\n")
        #expect(config.podCIDRs == [IPPrefix("10.244.0.0/16")!])
        #expect(config.serviceCIDRs == [IPPrefix("10.96.0.0/12")!])
        #expect(config.maxPods == .auto)
        #expect(config.instanceType == .auto)
        #expect(config.cni == .auto)
    }

    @Test("the example config in Config/podnetd.yaml parses")
    func exampleConfig() throws {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Config/podnetd.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        let config = try PodnetConfigFile.parse(yaml: text, path: url.path)
        #expect(config.cni == .auto)
        #expect(config.maxPods == .auto)
    }

    @Test("an unknown key names itself, its line and the key it resembles")
    func unknownKey() throws {
        let error = try #require(failure("cni: auto\npodCIRDs: [192.168.0.0/16]\n"))
        #expect(error.kind == .unknownKey)
        #expect(error.line == 2)
        #expect(error.key == "podCIRDs")
        #expect(error.description == "/etc/podnetd/podnetd.yaml:2: unknown key \"podCIRDs\" (did you mean podCIDRs?)")
    }

    @Test("an unknown nested key names its full path")
    func unknownNestedKey() throws {
        let error = try #require(failure("calico:\n  vxlanDevice: vxlan.calico\n  vxlanVNII: 4096\n"))
        #expect(error.kind == .unknownKey)
        #expect(error.line == 3)
        #expect(error.description.hasSuffix("unknown key \"calico.vxlanVNII\" (did you mean calico.vxlanVNI?)"))
    }

    @Test("a wrong type names the key and line: the issue's example")
    func wrongType() throws {
        let yaml = "# podnetd\n\ncni: auto\npodCIDRs: [192.168.0.0/16]\n\ncalico:\n  vxlanVNI: abc\n"
        let error = try #require(failure(yaml))
        #expect(error.kind == .wrongType)
        #expect(error.line == 7)
        #expect(error.key == "calico.vxlanVNI")
        #expect(
            error.description
                == "/etc/podnetd/podnetd.yaml:7: calico.vxlanVNI: expected an integer 1–16777215, got \"abc\"")
    }

    @Test(
        "wrong types: a list where a mapping belongs, a mapping where a string belongs, a string where a bool belongs")
    func moreWrongTypes() throws {
        let section = try #require(failure("calico: [1, 2]\n"))
        #expect(section.kind == .wrongType)
        #expect(section.line == 1)
        #expect(section.key == "calico")
        let mapping = try #require(failure("cni:\n  mode: auto\n"))
        #expect(mapping.kind == .wrongType)
        #expect(mapping.line == 2)
        #expect(mapping.key == "cni")
        let flag = try #require(failure("awsVpcCni:\n  prefixDelegation: maybe\n"))
        #expect(
            flag.description
                == "/etc/podnetd/podnetd.yaml:2: awsVpcCni.prefixDelegation: expected true or false, got \"maybe\"")
    }

    @Test("an invalid CIDR names the list element and its line")
    func invalidCIDR() throws {
        let error = try #require(failure("podCIDRs:\n  - 192.168.0.0/16\n  - 10.244.0.0/33\n"))
        #expect(error.kind == .invalidValue)
        #expect(error.line == 3)
        #expect(error.key == "podCIDRs[1]")
        #expect(
            error.description
                == "/etc/podnetd/podnetd.yaml:3: podCIDRs[1]: expected a CIDR such as 192.168.0.0/16, got \"10.244.0.0/33\""
        )
        let hostBits = try #require(failure("serviceCIDR: 10.96.0.1/12\n"))
        #expect(hostBits.line == 1)
        #expect(
            hostBits.description.hasSuffix(
                "serviceCIDR: \"10.96.0.1/12\" has host bits set (did you mean 10.96.0.0/12?)"))
        let nested = try #require(
            failure("calico:\n  expectedRemoteBlocks:\n    - block: 192.168.35.0/26\n      tunnelIP: 192.168.35.300\n"))
        #expect(nested.line == 4)
        #expect(nested.key == "calico.expectedRemoteBlocks[0].tunnelIP")
    }

    @Test("a bad enum value lists the allowed ones")
    func badEnum() throws {
        let error = try #require(failure("cni: calico\n"))
        #expect(error.kind == .invalidValue)
        #expect(error.line == 1)
        #expect(
            error.description
                == "/etc/podnetd/podnetd.yaml:1: cni: expected one of auto, calico-vxlan, aws-vpc-cni, host-gw, got \"calico\""
        )
        let level = try #require(failure("\nlogLevel: verbose\n"))
        #expect(level.line == 2)
        #expect(level.key == "logLevel")
        let type = try #require(failure("instanceType: t3a.mediun\n"))
        #expect(type.description.contains("unknown instance type \"t3a.mediun\" (did you mean t3a.medium"))
    }

    @Test("an out-of-range number says the range and the value")
    func outOfRange() throws {
        let error = try #require(failure("calico:\n  vxlanPort: 70000\n"))
        #expect(error.kind == .outOfRange)
        #expect(error.line == 2)
        #expect(
            error.description == "/etc/podnetd/podnetd.yaml:2: calico.vxlanPort: expected an integer 1–65535, got 70000"
        )
        let ratio = try #require(failure("thresholds:\n  podCapacityWarningRatio: 1.5\n"))
        #expect(ratio.kind == .outOfRange)
        #expect(
            ratio.description.hasSuffix(
                "thresholds.podCapacityWarningRatio: expected a number above 0 and at most 1, got 1.5"))
        let block = try #require(failure("blockSize: 33\n"))
        #expect(block.kind == .outOfRange)
        let pool = try #require(failure("podCIDRs: [192.168.0.0/28]\n"))
        #expect(pool.description.hasSuffix("podCIDRs[0]: 192.168.0.0/28 is smaller than one /26 block (blockSize)"))
    }

    @Test("a quoted scalar tagged !!int or !!float is read as its decimal number")
    func taggedQuotedNumbers() throws {
        let config = try parse("maxPods: !!int \"110\"\nthresholds:\n  podCapacityWarningRatio: !!float '0.8'\n")
        #expect(config.maxPods == .fixed(110))
        #expect(config.thresholds.podCapacityWarningRatio == 0.8)
        let tooBig = try #require(failure("maxPods: !!int \"100001\"\n"))
        #expect(tooBig.kind == .outOfRange)
        let notDecimal = try #require(failure("maxPods: !!int \"many\"\n"))
        #expect(notDecimal.kind == .wrongType)
        #expect(
            try ExpectationsResolver.maxPods(fromKubeletConfig: #"{"maxPods": !!int "58"}"#, path: "/k.json") == 58)
        // kubelet's file is held to the same range as podnetd's own key.
        #expect(throws: ConfigError.self) {
            try ExpectationsResolver.maxPods(fromKubeletConfig: #"{"maxPods": 9223372036854775807}"#, path: "/k.json")
        }
    }

    @Test("YAML merge keys are refused as unknown keys")
    func mergeKeys() throws {
        let error = try #require(failure("calico:\n  <<: {vxlanVNI: 4097}\n"))
        #expect(error.kind == .unknownKey)
        #expect(error.line == 2)
        #expect(error.description.contains("unknown key \"calico.<<\""))
    }

    @Test("a duplicate key names the key, the line of the repeat and the first one")
    func duplicateKey() throws {
        let error = try #require(
            failure("cni: auto\npodCIDRs: [192.168.0.0/16]\nmaxPods: 17\npodCIDRs: [10.0.0.0/8]\n"))
        #expect(error.kind == .duplicateKey)
        #expect(error.line == 4)
        #expect(error.key == "podCIDRs")
        #expect(error.description == "/etc/podnetd/podnetd.yaml:4: duplicate key \"podCIDRs\" (first at line 2)")
        let nested = try #require(failure("calico:\n  vxlanVNI: 1\n  vxlanPort: 2\n  vxlanVNI: 3\n"))
        #expect(nested.line == 4)
        #expect(nested.key == "vxlanVNI")
    }

    @Test("malformed YAML gives the line of the problem")
    func malformed() throws {
        let error = try #require(failure("cni: auto\ncalico:\n  vxlanVNI: [1, 2\nlogLevel: info\n"))
        #expect(error.kind == .malformedYAML)
        #expect(error.line != nil)
        #expect(error.description.hasPrefix("/etc/podnetd/podnetd.yaml:"))
        let tabs = try #require(failure("cni: auto\n\tpodCIDRs: []\n"))
        #expect(tabs.kind == .malformedYAML)
        #expect(tabs.line == 2)
        let scalar = try #require(failure("just a sentence\n"))
        #expect(scalar.kind == .wrongType)
    }

    @Test("listen addresses: IPv4:port and [IPv6]:port, nothing else")
    func listen() throws {
        #expect(ListenAddress("0.0.0.0:9647")?.description == "0.0.0.0:9647")
        #expect(ListenAddress("[::]:80")?.description == "[::]:80")
        #expect(ListenAddress("localhost:9647") == nil)
        #expect(ListenAddress("::1:9647") == nil)
        #expect(ListenAddress("127.0.0.1:0") == nil)
        #expect(ListenAddress("127.0.0.1:65536") == nil)
        let error = try #require(failure("listen:\n  - 127.0.0.1:9647\n  - localhost:9647\n"))
        #expect(error.line == 3)
        #expect(error.key == "listen[1]")
    }

    @Test("a missing file at the default path gives the defaults; a missing file given explicitly is an error")
    func missingFiles() throws {
        #expect(try PodnetConfigFile.load(path: nil, files: InMemoryFiles()) == PodnetConfig())
        #expect(throws: ConfigError.self) { try PodnetConfigFile.load(path: "/tmp/none.yaml", files: InMemoryFiles()) }
        do {
            _ = try PodnetConfigFile.load(path: "/tmp/none.yaml", files: InMemoryFiles())
        } catch {
            #expect(error.kind == .fileNotFound)
            #expect(error.description == "/tmp/none.yaml: no such config file")
        }
        let loaded = try PodnetConfigFile.load(
            path: nil, files: InMemoryFiles([PodnetConfig.defaultPath: "maxPods: 29\n"]))
        #expect(loaded.maxPods == .fixed(29))
    }
}
