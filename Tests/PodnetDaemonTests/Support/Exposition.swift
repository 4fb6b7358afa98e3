import PodnetTestSupport

/// The samples of a Prometheus text exposition, parsed just enough to assert on series.
struct Exposition {
    struct Sample: Hashable, CustomStringConvertible {
        var name: String
        var labels: [String: String]
        var value: Double
        var description: String {
            "\(name){\(labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ","))} \(value)"
        }
    }

    let text: String
    let samples: [Sample]

    init(_ bytes: [UInt8]) throws {
        try self.init(String(decoding: bytes, as: UTF8.self))
    }

    init(_ text: String) throws {
        self.text = text
        var samples: [Sample] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            samples.append(try Self.parse(Substring(line)))
        }
        self.samples = samples
    }

    /// Samples of metric `name` (exactly), optionally only those whose labels include `labels`.
    func series(_ name: String, _ labels: [String: String] = [:]) -> [Sample] {
        samples.filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }
    }

    /// The single sample of `name` with `labels`, or nil when there is none or more than one.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = series(name, labels)
        return matching.count == 1 ? matching[0].value : nil
    }

    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    /// `name{a="x",b="y"} value` or `name value`.
    private static func parse(_ line: Substring) throws -> Sample {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
            throw ParseError(description: "no value in sample line: \(line)")
        }
        let series = line[..<space]
        guard let brace = series.firstIndex(of: "{") else {
            return Sample(name: String(series), labels: [:], value: value)
        }
        guard series.last == "}" else { throw ParseError(description: "unterminated labels: \(line)") }
        var labels: [String: String] = [:]
        var rest = series[series.index(after: brace)..<series.index(before: series.endIndex)]
        while !rest.isEmpty {
            guard let equals = rest.firstIndex(of: "="), rest[rest.index(after: equals)...].first == "\"" else {
                throw ParseError(description: "bad label in: \(line)")
            }
            let key = String(rest[..<equals])
            var index = rest.index(equals, offsetBy: 2)
            var labelValue = ""
            while index < rest.endIndex, rest[index] != "\"" {
                if rest[index] == "\\" { index = rest.index(after: index) }
                guard index < rest.endIndex else { break }
                labelValue.append(rest[index])
                index = rest.index(after: index)
            }
            guard index < rest.endIndex else { throw ParseError(description: "unterminated label value in: \(line)") }
            labels[key] = labelValue
            rest = rest[rest.index(after: index)...]
            if rest.first == "," { rest = rest.dropFirst() }
        }
        return Sample(name: String(series[..<brace]), labels: labels, value: value)
    }
}

/// `promtool check metrics` with `exposition` on stdin. Throws (so the test FAILS) when promtool
/// is not installed; returns promtool's result for the test to assert on.
func promtoolCheckMetrics(_ exposition: String) throws -> ProcessResult {
    guard resolveExecutable("promtool") != nil else {
        throw MissingRequirement("promtool is not installed (Debian package prometheus): run Scripts/deps.sh")
    }
    return try runProcess("promtool", ["check", "metrics"], timeout: .seconds(30), input: exposition)
}
