/// A JSON number, kept exactly as its canonical decimal text (Specs/canonical-json.md §3.4).
///
/// Numbers never pass through `Double`: `0.1`, `12345678901234567890123` and `1e400` keep
/// every digit, and two spellings of one value (`1.50`, `15e-1`, `0.15E1`) become the
/// same text, so equal values give equal bytes.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The canonical text, e.g. `150`, `-0.25`, `1.5e+300`.
    public let text: String

    /// The largest magnitude of the canonical exponent (the power of ten of the first
    /// significant digit) that is accepted.
    public static let maxExponent = 999_999_999_999_999

    init(canonicalText: String) { self.text = canonicalText }

    /// The number `value`.
    public init(_ value: Int64) { self.text = String(value) }

    /// The number `value`.
    public init(_ value: Int) { self.text = String(value) }

    /// The number `value`.
    public init(_ value: UInt64) { self.text = String(value) }

    /// The number written as `text` in JSON number syntax (RFC 8259 §6), canonicalised;
    /// nil when `text` is not exactly one JSON number or is out of range.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39),
              case .number(let number)? = try? JSONParser.parse(bytes), let last = bytes.last, last >= 0x30, last <= 0x39
        else { return nil }
        self = number
    }

    /// The value as an `Int64` when it is an integer in range; nil for fractions and overflow.
    public var int64Value: Int64? {
        text.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") } ? nil : Int64(text)
    }

    /// The nearest `Double` (lossy; for display and arithmetic, never for bytes that are hashed).
    public var doubleValue: Double? { Double(text) }

    /// The canonical text.
    public var description: String { text }
}

extension JSONNumber {
    /// The canonical text of the number at `bytes[start..<end]`, which matches the JSON
    /// number grammar; nil when its exponent is out of range (Specs/canonical-json.md §3.4).
    static func canonicalText(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String? {
        var i = start
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        let integerStart = i
        while i < end, isDigit(bytes[i]) { i += 1 }
        let integerEnd = i
        var fractionStart = i, fractionEnd = i
        if i < end, bytes[i] == UInt8(ascii: ".") {
            i += 1
            fractionStart = i
            while i < end, isDigit(bytes[i]) { i += 1 }
            fractionEnd = i
        }
        // Fast path: a plain integer of at most 21 digits is already canonical (except -0).
        if i == end, fractionStart == fractionEnd, integerEnd - integerStart <= 21 {
            if negative, bytes[integerStart] == UInt8(ascii: "0") { return "0" }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
        var exponent = 0  // saturates at ±10^17, far beyond maxExponent and far from overflow
        if i < end {  // `e` or `E`
            i += 1
            var exponentNegative = false
            if bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
                exponentNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            while i < end {
                exponent = min(exponent * 10 + Int(bytes[i] - 0x30), 100_000_000_000_000_000)
                i += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        // The value is digits × 10^exponent, digits without leading or trailing zeros.
        var digits: [UInt8] = []
        digits.reserveCapacity(end - start)
        for j in integerStart..<integerEnd where !(digits.isEmpty && bytes[j] == UInt8(ascii: "0")) { digits.append(bytes[j]) }
        for j in fractionStart..<fractionEnd where !(digits.isEmpty && bytes[j] == UInt8(ascii: "0")) { digits.append(bytes[j]) }
        exponent -= fractionEnd - fractionStart
        while let last = digits.last, last == UInt8(ascii: "0") { digits.removeLast(); exponent += 1 }
        guard !digits.isEmpty else { return "0" }
        let k = digits.count, n = k + exponent
        guard abs(n - 1) <= maxExponent else { return nil }
        return String(decoding: layout(digits: digits, n: n, negative: negative), as: UTF8.self)
    }

    /// ECMAScript's Number-to-String layout (ECMA-262 §6.1.6.1.20, as RFC 8785 uses it) for
    /// the value 0.d₁d₂…d_k × 10^n, applied to the exact digits.
    private static func layout(digits: [UInt8], n: Int, negative: Bool) -> [UInt8] {
        let k = digits.count
        var out: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        out.reserveCapacity(k + 26)
        let zero = UInt8(ascii: "0"), dot = UInt8(ascii: ".")
        if k <= n, n <= 21 {
            out += digits
            out += repeatElement(zero, count: n - k)
        } else if 0 < n, n <= 21 {
            out += digits[0..<n]
            out.append(dot)
            out += digits[n...]
        } else if -6 < n, n <= 0 {
            out += [zero, dot]
            out += repeatElement(zero, count: -n)
            out += digits
        } else {
            out.append(digits[0])
            if k > 1 {
                out.append(dot)
                out += digits[1...]
            }
            out.append(UInt8(ascii: "e"))
            out.append(n - 1 >= 0 ? UInt8(ascii: "+") : UInt8(ascii: "-"))
            out += Array(String(abs(n - 1)).utf8)
        }
        return out
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}
