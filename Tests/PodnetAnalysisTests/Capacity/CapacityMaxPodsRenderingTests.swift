import Foundation
import PodnetAnalysis
import Testing

@Suite("max-pods output (Capacity)")
struct CapacityMaxPodsRenderingTests {
    let calculator = MaxPodsCalculator()

    @Test("text output: the number alone on the first line, then the derivation")
    func textOutput() throws {
        let result = try calculator.calculate(
            instanceType: "t3a.medium", vCPUs: 2, prefixDelegation: true)
        let text = MaxPodsCalculator.renderText(result)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "110")
        #expect(text.contains("t3a.medium"))
        #expect(text.contains("3 × ((6 − 1) × 16) + 2 = 242"))
        #expect(text.contains("prefix-delegation"))
        #expect(lines.contains { $0.hasPrefix("cap:") && $0.contains("applied, 242 → 110") })
    }

    @Test("text output says when the cap is not reached, and when the uncapped value is shown")
    func textOutputCapStates() throws {
        let small = MaxPodsCalculator.renderText(
            try calculator.calculate(instanceType: "m5.large", vCPUs: 2))
        #expect(small.hasPrefix("29\n"))
        #expect(small.contains("not applied"))
        let uncapped = MaxPodsCalculator.renderText(
            try calculator.calculate(instanceType: "m5.24xlarge", vCPUs: 96, showMaxAllowed: true))
        #expect(uncapped.hasPrefix("737\n"))
        #expect(uncapped.contains("would be 250"))
    }

    @Test("text output shows the fallback from prefix delegation")
    func textOutputFallback() throws {
        let text = MaxPodsCalculator.renderText(
            try calculator.calculate(instanceType: "t2.medium", vCPUs: 2, prefixDelegation: true))
        #expect(text.hasPrefix("17\n"))
        #expect(text.contains("secondary-ip (prefix delegation asked for"))
    }

    @Test("JSON has camelCase keys, the mode as a string, nulls kept, and decodes back")
    func jsonRoundTrip() throws {
        let result = try calculator.calculate(
            instanceType: "t3a.medium", vCPUs: 2, prefixDelegation: true, showMaxAllowed: true)
        let data = try JSONEncoder().encode(result)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in [
            "instanceType", "maxPods", "maxAllowed", "enis", "ipv4PerEni", "formula", "mode", "cap",
            "vcpus", "prefixDelegationFellBack", "notes",
        ] {
            #expect(object[key] != nil, "missing key \(key)")
        }
        #expect(object["mode"] as? String == "prefix-delegation")
        #expect(object["cap"] is NSNull)
        #expect(object["maxPods"] as? Int == 242)
        #expect(try JSONDecoder().decode(MaxPodsResult.self, from: data) == result)
    }
}
