/// Splits and percent-decodes the query part of a request target.
enum QueryString {
    /// `format=text&x=1` → `["format": "text", "x": "1"]`; `+` decodes to a space, a key alone maps to "".
    static func parse<Bytes: Collection<UInt8>>(_ query: Bytes) -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let key: Bytes.SubSequence
            let value: Bytes.SubSequence
            if let equals = pair.firstIndex(of: UInt8(ascii: "=")) {
                key = pair[pair.startIndex..<equals]
                value = pair[pair.index(after: equals)...]
            } else {
                key = pair[...]
                value = pair[pair.endIndex...]
            }
            guard !key.isEmpty else { continue }
            result[decode(key)] = decode(value)
        }
        return result
    }

    /// Percent-decodes `bytes` (`%41` → `A`, `+` → space); malformed escapes stay as written.
    static func decode<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                let first = bytes.index(after: index)
                if first < bytes.endIndex {
                    let second = bytes.index(after: first)
                    if second < bytes.endIndex, let high = ASCII.hexValue(bytes[first]),
                        let low = ASCII.hexValue(bytes[second])
                    {
                        decoded.append(high << 4 | low)
                        index = bytes.index(after: second)
                        continue
                    }
                }
                decoded.append(byte)
            } else if byte == UInt8(ascii: "+") {
                decoded.append(ASCII.space)
            } else {
                decoded.append(byte)
            }
            index = bytes.index(after: index)
        }
        return String(decoding: decoded, as: UTF8.self)
    }
}
