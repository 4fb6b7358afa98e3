import Testing

@testable import PodnetAnalysis

@Suite("max-pods calculator (Capacity)")
struct CapacityMaxPodsCalculatorTests {
    let calculator = MaxPodsCalculator()

    @Test("every row of AWS's eni-max-pods.txt equals the uncapped secondary-IP result")
    func officialListMatches() throws {
        let rows = try RepositoryCapacityData.officialMaxPods()
        var mismatches: [String] = []
        for (type, expected) in rows {
            do {
                let result = try calculator.calculate(instanceType: type, vCPUs: 1, showMaxAllowed: true)
                let capacity = try calculator.ipCapacity(instanceType: type)
                if result.maxPods != expected || result.maxAllowed != expected || capacity != expected {
                    mismatches.append("\(type): expected \(expected), got \(result.maxPods) / \(capacity)")
                }
            } catch {
                mismatches.append("\(type): \(error)")
            }
        }
        #expect(rows.count == 1391)
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches: \(mismatches.prefix(20))")
    }

    @Test("every row of eni-max-pods.txt, capped by the type's own vCPUs, is min(row, 110 or 250)")
    func officialListCappedByOwnVCPUs() throws {
        let rows = try RepositoryCapacityData.officialMaxPods()
        var withoutVCPUs: [String] = []
        var mismatches: [String] = []
        for (type, official) in rows {
            guard let vCPUs = calculator.table[type]?.defaultVCPUs else {
                withoutVCPUs.append(type)
                #expect(throws: MaxPodsError.unknownVCPUs(type)) { try calculator.calculate(instanceType: type, vCPUs: nil) }
                continue
            }
            do {
                let result = try calculator.calculate(instanceType: type, vCPUs: nil)
                let expected = min(official, vCPUs > 30 ? 250 : 110)
                if result.maxPods != expected || result.vcpus != vCPUs || result.vcpusSource != .instanceType {
                    mismatches.append("\(type) (\(vCPUs) vCPUs): expected \(expected), got \(result.maxPods)")
                }
            } catch {
                mismatches.append("\(type): \(error)")
            }
        }
        #expect(rows.count == 1391)
        #expect(withoutVCPUs.count == 21, "\(withoutVCPUs)")
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches: \(mismatches.prefix(20))")
    }

    @Test("c5.9xlarge takes its own 36 vCPUs: cap 250, so 234; --vcpus 2 still overrides to 110")
    func ownVCPUsChooseTheCap() throws {
        let own = try calculator.calculate(instanceType: "c5.9xlarge", vCPUs: nil)
        #expect(own.maxPods == 234)
        #expect(own.vcpus == 36)
        #expect(own.vcpusSource == .instanceType)
        #expect(own.cap == 250)
        #expect(own.capApplied == false)
        let given = try calculator.calculate(instanceType: "c5.9xlarge", vCPUs: 2)
        #expect(given.maxPods == 110)
        #expect(given.vcpusSource == .given)
        let text = MaxPodsCalculator.renderText(own)
        #expect(text.hasPrefix("234\n"))
        #expect(text.contains("cap:            250 (36 vCPUs > 30, c5.9xlarge's own count): not applied, 234 ≤ 250"), "\(text)")
    }

    @Test("a type without a known vCPU count asks for --vcpus instead of guessing")
    func unknownVCPUsAskForTheFlag() throws {
        #expect(throws: MaxPodsError.unknownVCPUs("mac2.metal")) { try calculator.calculate(instanceType: "mac2.metal", vCPUs: nil) }
        #expect(MaxPodsError.unknownVCPUs("mac2.metal").description.contains("--vcpus"))
        #expect(try calculator.calculate(instanceType: "mac2.metal", vCPUs: 12).maxPods == 110)
    }

    // The seeds' numbers, secondary-IP mode, capped (all below 110).
    @Test(
        "the seeds' numbers: t2.micro 4, t3a.medium 17, m5.large 29",
        arguments: [("t2.micro", 1, 4), ("t3a.medium", 2, 17), ("m5.large", 2, 29)])
    func seedNumbers(type: String, vCPUs: Int, expected: Int) throws {
        let result = try calculator.calculate(instanceType: type, vCPUs: vCPUs)
        #expect(result.maxPods == expected)
        #expect(result.maxAllowed == expected)
        #expect(result.mode == .secondaryIP)
        #expect(result.capApplied == false)
    }

    @Test("the formula shows its numbers: t3a.medium 3 × (6 − 1) + 2 = 17")
    func formulaText() throws {
        let result = try calculator.calculate(instanceType: "t3a.medium", vCPUs: 2)
        #expect(result.formula == "3 × (6 − 1) + 2 = 17")
        #expect(result.enis == 3)
        #expect(result.ipv4PerEni == 6)
        #expect(result.cap == 110)
    }

    // t3a.medium: 3 ENIs × 6 IPs, Nitro, 2 vCPUs. 3 × ((6 − 1) × 16) + 2 = 3 × 80 + 2 = 242,
    // capped at 110 (2 vCPUs ≤ 30) — seed 001's "17 to 110".
    @Test("prefix delegation on t3a.medium gives 110, capped from 242")
    func prefixDelegationT3aMedium() throws {
        let result = try calculator.calculate(
            instanceType: "t3a.medium", vCPUs: 2, prefixDelegation: true)
        #expect(result.maxPods == 110)
        #expect(result.maxAllowed == 242)
        #expect(result.recommended == 110)
        #expect(result.mode == .prefixDelegation)
        #expect(result.formula == "3 × ((6 − 1) × 16) + 2 = 242")
        #expect(result.cap == 110)
        #expect(result.capApplied)
        #expect(result.prefixDelegationFellBack == false)
    }

    @Test("show max allowed answers the uncapped value and leaves cap nil")
    func showMaxAllowed() throws {
        let result = try calculator.calculate(
            instanceType: "t3a.medium", vCPUs: 2, prefixDelegation: true, showMaxAllowed: true)
        #expect(result.maxPods == 242)
        #expect(result.recommended == 110)
        #expect(result.cap == nil)
        #expect(result.capApplied == false)
    }

    // m5.large: 3 ENIs × 10 IPs. Custom networking: 3 − 1 = 2 ENIs; 2 × (10 − 1) + 2 = 20.
    @Test("custom networking takes one ENI: m5.large 20")
    func customNetworking() throws {
        let result = try calculator.calculate(
            instanceType: "m5.large", vCPUs: 2, customNetworking: true)
        #expect(result.maxPods == 20)
        #expect(result.enis == 2)
        #expect(result.instanceEnis == 3)
        #expect(result.formula == "2 × (10 − 1) + 2 = 20")
    }

    // m5.large, custom networking and prefix delegation: 2 × ((10 − 1) × 16) + 2 = 2 × 144 + 2 = 290,
    // capped at 110.
    @Test("custom networking with prefix delegation: m5.large 290 uncapped, 110 capped")
    func customNetworkingWithPrefixDelegation() throws {
        let result = try calculator.calculate(
            instanceType: "m5.large", vCPUs: 2, prefixDelegation: true, customNetworking: true)
        #expect(result.maxAllowed == 290)
        #expect(result.maxPods == 110)
    }

    // m5.large, --cni-max-eni 2: min(2, 3) = 2 ENIs; 2 × (10 − 1) + 2 = 20.
    @Test("an ENI limit below the instance's ENIs is used: m5.large limit 2 gives 20")
    func maxENIsBelowInstance() throws {
        let result = try calculator.calculate(instanceType: "m5.large", vCPUs: 2, maxENIs: 2)
        #expect(result.maxPods == 20)
        #expect(result.enis == 2)
        #expect(result.maxEnisLimit == 2)
    }

    // m5.large, --cni-max-eni 10: min(10, 3) = 3 ENIs; 3 × 9 + 2 = 29, as without the limit.
    @Test("an ENI limit above the instance's ENIs changes nothing: m5.large limit 10 gives 29")
    func maxENIsAboveInstance() throws {
        let result = try calculator.calculate(instanceType: "m5.large", vCPUs: 2, maxENIs: 10)
        #expect(result.maxPods == 29)
        #expect(result.enis == 3)
    }

    // m5.large, --cni-max-eni 2 and custom networking: min(2, 3) = 2 first, then 2 − 1 = 1 ENI;
    // 1 × 9 + 2 = 11. (Subtracting first would give min(2, 3 − 1) = 2 ENIs and 20.)
    @Test("the ENI limit applies before custom networking subtracts one: m5.large limit 2 gives 11")
    func maxENIsThenCustomNetworking() throws {
        let result = try calculator.calculate(
            instanceType: "m5.large", vCPUs: 2, customNetworking: true, maxENIs: 2)
        #expect(result.maxPods == 11)
        #expect(result.enis == 1)
        #expect(try calculator.ipCapacity(instanceType: "m5.large", customNetworking: true, maxENIs: 2) == 11)
    }

    // t2.medium: 3 ENIs × 6 IPs on Xen. Prefix delegation does not count: 3 × 5 + 2 = 17.
    @Test("prefix delegation on a Xen type silently falls back to secondary IPs, and says so")
    func xenFallsBack() throws {
        let result = try calculator.calculate(
            instanceType: "t2.medium", vCPUs: 2, prefixDelegation: true)
        #expect(result.maxPods == 17)
        #expect(result.mode == .secondaryIP)
        #expect(result.prefixDelegation)
        #expect(result.prefixDelegationFellBack)
        #expect(result.notes.contains { $0.contains("xen") })
    }

    // m5.metal: 15 ENIs × 50 IPs, hypervisor unknown (bare metal): 15 × 49 + 2 = 737, capped at 250
    // with 96 vCPUs.
    @Test("prefix delegation on a bare-metal type with no hypervisor falls back too")
    func bareMetalFallsBack() throws {
        let result = try calculator.calculate(
            instanceType: "m5.metal", vCPUs: 96, prefixDelegation: true)
        #expect(result.maxAllowed == 737)
        #expect(result.maxPods == 250)
        #expect(result.prefixDelegationFellBack)
    }

    // c7g.metal is bare metal but its hypervisor is nitro: 15 × ((50 − 1) × 16) + 2 = 11762.
    @Test("prefix delegation counts on a bare-metal type whose hypervisor is nitro")
    func nitroBareMetalUsesPrefixes() throws {
        let result = try calculator.calculate(
            instanceType: "c7g.metal", vCPUs: 64, prefixDelegation: true)
        #expect(result.maxAllowed == 11762)
        #expect(result.mode == .prefixDelegation)
        #expect(result.maxPods == 250)
    }

    // p4d.24xlarge: 15 ENIs on the default card (60 on 4 cards): 15 × 49 + 2 = 737.
    // c6in.32xlarge: 8 ENIs on the default card (16 on 2 cards): 8 × 49 + 2 = 394.
    @Test(
        "multi-card types count the default card's ENIs only",
        arguments: [("p4d.24xlarge", 737), ("c6in.32xlarge", 394)])
    func multiCard(type: String, expected: Int) throws {
        let result = try calculator.calculate(instanceType: type, vCPUs: 96, showMaxAllowed: true)
        #expect(result.maxPods == expected)
        #expect(result.notes.contains { $0.contains("network cards") })
        #expect(try calculator.ipCapacity(instanceType: type) == expected)
    }

    // m5.24xlarge: 15 × 49 + 2 = 737 uncapped.
    @Test("the cap is 250 above 30 vCPUs and 110 at 30 (strictly above)")
    func capThreshold() throws {
        let at31 = try calculator.calculate(instanceType: "m5.24xlarge", vCPUs: 31)
        let at30 = try calculator.calculate(instanceType: "m5.24xlarge", vCPUs: 30)
        #expect(at31.maxPods == 250)
        #expect(at31.cap == 250)
        #expect(at30.maxPods == 110)
        #expect(at30.cap == 110)
        #expect(at30.maxAllowed == 737)
        #expect(MaxPodsCalculator.cap(forVCPUs: 30) == 110)
        #expect(MaxPodsCalculator.cap(forVCPUs: 31) == 250)
    }

    @Test("the analyzer's helpers: IP capacity uncapped, recommended value capped")
    func analyzerHelpers() throws {
        #expect(try calculator.ipCapacity(instanceType: "m5.24xlarge") == 737)
        #expect(try calculator.ipCapacity(instanceType: "t3a.medium", prefixDelegation: true) == 242)
        #expect(try calculator.recommendedMaxPods(instanceType: "m5.24xlarge", vCPUs: 96) == 250)
        #expect(try calculator.recommendedMaxPods(instanceType: "m5.large", vCPUs: 2) == 29)
        #expect(
            try calculator.recommendedMaxPods(instanceType: "t3a.medium", vCPUs: 2, prefixDelegation: true)
                == 110)
    }

    // t2.medium on Xen with prefix delegation asked for: 3 × (6 − 1) + 2 = 17, no vCPUs needed.
    @Test("the analyzer's capacity details carry the formula and the fallback")
    func capacityDetails() throws {
        let details = try calculator.ipCapacityDetails(instanceType: "t2.medium", prefixDelegation: true)
        #expect(details.pods == 17)
        #expect(details.enis == 3)
        #expect(details.ipv4PerENI == 6)
        #expect(details.mode == .secondaryIP)
        #expect(details.prefixDelegationFellBack)
        #expect(details.formula == "3 × (6 − 1) + 2 = 17")
    }

    @Test("instance types are matched regardless of case and blanks")
    func lenientInstanceType() throws {
        let result = try calculator.calculate(instanceType: " M5.Large", vCPUs: 2)
        #expect(result.instanceType == "m5.large")
        #expect(result.maxPods == 29)
    }

    @Test(
        "an unknown instance type suggests close names",
        arguments: [
            ("t3a.mediun", "t3a.medium"), ("m5.larg", "m5.large"), ("c5", "c5.large"),
            ("m7i.metal", "m7i.metal-24xl"), ("c6in.32xl", "c6in.32xlarge"),
        ])
    func unknownTypeSuggestions(typo: String, expected: String) {
        #expect {
            _ = try calculator.calculate(instanceType: typo, vCPUs: 2)
        } throws: { error in
            guard case .unknownInstanceType(let name, let suggestions) = error as? MaxPodsError else {
                return false
            }
            return name == typo && suggestions.first == expected && suggestions.count <= 5
                && "\(error)".contains(expected)
        }
    }

    @Test("a family prefix suggests five types of that family")
    func familySuggestions() {
        let suggestions = ENILimitsTable.embedded.suggestions(for: "c5")
        #expect(suggestions.count == 5)
        #expect(suggestions.allSatisfy { $0.hasPrefix("c5.") })
    }

    @Test("a name like no instance type suggests nothing and says what one looks like")
    func noSuggestions() {
        let error = MaxPodsError.unknownInstanceType(
            "kubernetes", suggestions: ENILimitsTable.embedded.suggestions(for: "kubernetes"))
        #expect(error == .unknownInstanceType("kubernetes", suggestions: []))
        #expect("\(error)".contains("m5.large"))
    }

    @Test("an ENI limit below 1 is an error")
    func maxENIsBelowOne() {
        #expect(throws: MaxPodsError.invalidMaxENIs(0)) {
            try calculator.calculate(instanceType: "m5.large", vCPUs: 2, maxENIs: 0)
        }
    }

    @Test("a vCPU count below 1 is an error")
    func vCPUsBelowOne() {
        #expect(throws: MaxPodsError.invalidVCPUs(0)) {
            try calculator.calculate(instanceType: "m5.large", vCPUs: 0)
        }
    }

    // hpc6id.32xlarge has 1 ENI on its default card; custom networking leaves 1 − 1 = 0.
    @Test("custom networking on a one-ENI type leaves no ENI: an error, not 2 pods")
    func customNetworkingLeavesNoENI() {
        #expect(
            throws: MaxPodsError.noENIsForPods(
                instanceType: "hpc6id.32xlarge", instanceENIs: 1, maxENIs: nil)
        ) {
            try calculator.calculate(instanceType: "hpc6id.32xlarge", vCPUs: 64, customNetworking: true)
        }
    }

    // m5.large with --cni-max-eni 1: min(1, 3) = 1, then custom networking 1 − 1 = 0.
    @Test("an ENI limit of 1 with custom networking leaves no ENI")
    func maxENIsOneWithCustomNetworking() {
        let error = MaxPodsError.noENIsForPods(instanceType: "m5.large", instanceENIs: 3, maxENIs: 1)
        #expect(throws: error) {
            try calculator.calculate(
                instanceType: "m5.large", vCPUs: 2, customNetworking: true, maxENIs: 1)
        }
        #expect("\(error)".contains("custom networking"))
    }
}
