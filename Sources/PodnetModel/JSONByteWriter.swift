/// Appends JSON tokens to a growable byte buffer, optionally handing full chunks to a sink.
///
/// Written by hand because Foundation's JSONEncoder spends 0.6–0.9 s and ~115 MiB on a
/// 100k-route snapshot (libnl-notes.md), and Array-based appending still cost ~40 ms here; raw
/// stores into one buffer bring the 100k-route encode to the low tens of milliseconds
/// (Scripts/bench-snapshot.sh prints the whole `podnetd dump` beside `ip -j route`).
struct JSONByteWriter: ~Copyable {
    private var storage: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var capacity: Int
    private var needsComma = false
    /// Receives full chunks at element boundaries; nil keeps everything in memory.
    private let sink: ((UnsafeBufferPointer<UInt8>) -> Void)?
    private let chunkSize: Int

    private static let trueToken = Array("true".utf8)
    private static let falseToken = Array("false".utf8)

    init(capacity: Int, sink: ((UnsafeBufferPointer<UInt8>) -> Void)? = nil) {
        self.capacity = max(64, capacity)
        self.storage = .allocate(capacity: self.capacity)
        self.sink = sink
        self.chunkSize = sink == nil ? Int.max : self.capacity / 2
    }

    deinit { storage.deallocate() }

    /// Everything written and not yet handed to the sink.
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: storage, count: count)) }

    /// Hands what is buffered to the sink (the end of the document).
    mutating func flush() {
        guard let sink, count > 0 else { return }
        sink(UnsafeBufferPointer(start: storage, count: count))
        count = 0
    }

    mutating func beginObject() {
        separate()
        append(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func endObject() {
        append(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func beginArray() {
        separate()
        append(UInt8(ascii: "["))
        needsComma = false
    }

    mutating func endArray() {
        append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// A line break before the next element: one object per line keeps dumps greppable.
    /// Element boundaries are where full chunks go to the sink.
    mutating func newline() {
        append(UInt8(ascii: "\n"))
        if count >= chunkSize { flush() }
    }

    mutating func key(_ name: StaticString) {
        separate()
        append(UInt8(ascii: "\""))
        name.withUTF8Buffer { append($0) }
        append(UInt8(ascii: "\""))
        append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Appends an already-encoded JSON value (see `token(_:)`).
    mutating func raw(_ token: [UInt8]) {
        separate()
        token.withUnsafeBufferPointer { append($0) }
        needsComma = true
    }

    /// A string as an encoded JSON value, for values written many times (names of kernel constants).
    static func token(_ value: String) -> [UInt8] {
        var writer = JSONByteWriter(capacity: value.utf8.count + 2)
        writer.string(value)
        return writer.bytes
    }

    /// An array of strings as an encoded JSON value.
    static func token(_ values: [String]) -> [UInt8] {
        var writer = JSONByteWriter(capacity: 16)
        writer.strings(values)
        return writer.bytes
    }

    mutating func string(_ value: String) {
        separate()
        append(UInt8(ascii: "\""))
        var text = value
        text.withUTF8 { utf8 in
            // Names and addresses almost never need escaping: copy them whole when they don't.
            if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                append(utf8)
                return
            }
            for byte in utf8 { appendEscaped(byte) }
        }
        append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// An IP address as a JSON string; IPv4 is formatted without allocating.
    mutating func address(_ value: IPAddress) {
        guard case .v4(let bits) = value else {
            string(value.description)
            return
        }
        separate()
        append(UInt8(ascii: "\""))
        appendIPv4(bits)
        append(UInt8(ascii: "\""))
        needsComma = true
    }

    mutating func prefix(_ value: IPPrefix) {
        separate()
        append(UInt8(ascii: "\""))
        if case .v4(let bits) = value.address {
            appendIPv4(bits)
        } else {
            var text = value.address.description
            text.withUTF8 { append($0) }
        }
        append(UInt8(ascii: "/"))
        appendDecimal(UInt64(value.length))
        append(UInt8(ascii: "\""))
        needsComma = true
    }

    mutating func integer(_ value: some BinaryInteger) {
        separate()
        if value < 0 {
            append(UInt8(ascii: "-"))
            appendDecimal(UInt64(value.magnitude))
        } else {
            appendDecimal(UInt64(value))
        }
        needsComma = true
    }

    mutating func bool(_ value: Bool) {
        separate()
        (value ? Self.trueToken : Self.falseToken).withUnsafeBufferPointer { append($0) }
        needsComma = true
    }

    mutating func strings(_ values: [String]) {
        beginArray()
        for value in values { string(value) }
        endArray()
    }

    private mutating func separate() {
        if needsComma { append(UInt8(ascii: ",")) }
    }

    private mutating func appendEscaped(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): append(UInt8(ascii: "\\")); append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): append(UInt8(ascii: "\\")); append(UInt8(ascii: "\\"))
        case UInt8(ascii: "\n"): append(UInt8(ascii: "\\")); append(UInt8(ascii: "n"))
        case UInt8(ascii: "\t"): append(UInt8(ascii: "\\")); append(UInt8(ascii: "t"))
        case 0..<0x20:
            let hex: StaticString = "0123456789abcdef"
            for ascii in "\\u00".utf8 { append(ascii) }
            hex.withUTF8Buffer { digits in
                append(digits[Int(byte >> 4)])
                append(digits[Int(byte & 0xf)])
            }
        default: append(byte)
        }
    }

    private mutating func appendIPv4(_ bits: UInt32) {
        appendDecimal(UInt64(bits >> 24))
        append(UInt8(ascii: "."))
        appendDecimal(UInt64(bits >> 16 & 0xff))
        append(UInt8(ascii: "."))
        appendDecimal(UInt64(bits >> 8 & 0xff))
        append(UInt8(ascii: "."))
        appendDecimal(UInt64(bits & 0xff))
    }

    private mutating func appendDecimal(_ value: UInt64) {
        var digits = 1
        var scale: UInt64 = 1
        while value / scale >= 10 {
            scale *= 10
            digits += 1
        }
        reserve(digits)
        var remaining = value
        while scale > 0 {
            storage[count] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining / scale)
            count += 1
            remaining %= scale
            scale /= 10
        }
    }

    @inline(__always)
    private mutating func append(_ byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count += 1
    }

    @inline(__always)
    private mutating func append(_ buffer: UnsafeBufferPointer<UInt8>) {
        reserve(buffer.count)
        if let base = buffer.baseAddress { (storage + count).update(from: base, count: buffer.count) }
        count += buffer.count
    }

    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private mutating func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.update(from: storage, count: count)
        storage.deallocate()
        storage = bigger
        capacity = newCapacity
    }
}
