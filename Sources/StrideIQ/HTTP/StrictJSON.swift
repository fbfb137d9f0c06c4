import Foundation

/// One pass over a JSON text (RFC 8259, UTF-8) for what the two Foundation parsers the API uses would
/// silently resolve, and resolve differently:
///
/// - A key given twice in one object. `JSONSerialization` keeps the last value, `JSONDecoder` may keep
///   another, so a value checked in one parse is not the value stored from the other. Keys are compared after
///   decoding escapes and as Swift strings (`"a"`, `"\u0061"` and canonically equivalent spellings are one
///   key), exactly as both parsers key their dictionaries.
/// - A number whose value cannot be represented: a non-zero literal that rounds to zero (`1e-400` would be
///   read as 0) or one beyond `Double` (`1e400`).
///
/// It also lists the number literals that are not plain in-range integers, with their byte ranges, so a
/// decoding failure `JSONDecoder` reports without a coding path can be traced to its field
/// (`Request.decodeBody`). Nesting is followed with an explicit stack, never recursion, so a deeply nested
/// body cannot exhaust the thread's stack.
enum StrictJSON {
    enum Problem: Equatable, Sendable {
        case duplicateKey
        /// A non-zero literal whose value rounds to zero.
        case underflow
        /// A literal beyond the range of `Double`.
        case overflow
    }

    /// A problem and the field it is in, in the API's error path syntax: `notes`, `intervals[2].pace_s`;
    /// `body` for the top level itself.
    struct Finding: Equatable, Sendable {
        let path: String
        let problem: Problem
    }

    /// A number literal that is not a plain integer of at most 18 digits (those always fit an `Int`).
    struct NumberLiteral: Equatable, Sendable {
        let path: String
        /// Where its text is in the scanned bytes.
        let range: Range<Int>
        /// Its value is a whole number (it failed as an `Int` only for being out of range).
        let isIntegral: Bool
    }

    struct Scan: Equatable, Sendable {
        /// Every problem, in document order; empty when the text is clean.
        var findings: [Finding] = []
        var numbers: [NumberLiteral] = []
    }

    /// Scans `bytes`; nil when they are not well-formed JSON (the caller answers 400). A scan that finds
    /// problems still reads the whole text first, so malformed JSON is reported as such wherever it breaks.
    static func scan(_ bytes: some Collection<UInt8>) -> Scan? {
        let result = bytes.withContiguousStorageIfAvailable { buffer in
            var scanner = Scanner(buffer)
            return scanner.run()
        }
        if let result { return result }
        let copy = Array(bytes)
        return copy.withUnsafeBufferPointer { buffer in
            var scanner = Scanner(buffer)
            return scanner.run()
        }
    }

    /// At most this many findings are reported, and this many number literals listed.
    static let maxFindings = 20
    static let maxNumbers = 64

    private enum Frame {
        case object(keys: Set<String>, key: String)
        case array(index: Int)
    }

    private struct Malformed: Error {}

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        var stack: [Frame] = []
        var scan = Scan()

        init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func run() -> Scan? {
            do {
                // A UTF-8 byte order mark, which JSONSerialization also skips.
                if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
                try document()
                return scan
            } catch {
                return nil
            }
        }

        private var path: String {
            var path = ""
            for frame in stack {
                switch frame {
                case .object(_, let key): path += path.isEmpty ? key : "." + key
                case .array(let index): path += "[\(index)]"
                }
            }
            return path.isEmpty ? "body" : path
        }

        private mutating func document() throws {
            while true {
                // A value that opens a non-empty container is followed by its first member's or element's value.
                if try value() { continue }
                // After a value: close containers, or move to the next member or element.
                closing: while true {
                    skipWhitespace()
                    guard !stack.isEmpty else {
                        guard index == bytes.count else { throw Malformed() }
                        return
                    }
                    // Not `let top = stack.last`: a second reference to the object's key set would make every
                    // insert in `member()` copy it (quadratic in the number of keys).
                    var arrayIndex: Int?
                    if case .array(let index) = stack[stack.count - 1] { arrayIndex = index }
                    switch (arrayIndex, try next()) {
                    case (nil, UInt8(ascii: ",")):
                        skipWhitespace()
                        try member()
                        break closing
                    case (let index?, UInt8(ascii: ",")):
                        stack[stack.count - 1] = .array(index: index + 1)
                        break closing
                    case (nil, UInt8(ascii: "}")), (_?, UInt8(ascii: "]")):
                        stack.removeLast()
                    default:
                        throw Malformed()
                    }
                }
            }
        }

        /// One value. A non-empty container is opened (pushed), with its first member's name read: returns
        /// true, and the caller reads the value that follows.
        private mutating func value() throws -> Bool {
            skipWhitespace()
            let start = index
            switch try next() {
            case UInt8(ascii: "{"):
                skipWhitespace()
                if peek == UInt8(ascii: "}") {
                    index += 1
                    return false
                }
                stack.append(.object(keys: [], key: ""))
                try member()
                return true
            case UInt8(ascii: "["):
                skipWhitespace()
                if peek == UInt8(ascii: "]") {
                    index += 1
                    return false
                }
                stack.append(.array(index: 0))
                return true
            case UInt8(ascii: "\""):
                try skipString()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                index = start
                try number()
            case UInt8(ascii: "t"): try literal("rue")
            case UInt8(ascii: "f"): try literal("alse")
            case UInt8(ascii: "n"): try literal("ull")
            default: throw Malformed()
            }
            return false
        }

        /// `"name":` of the innermost object (on top of the stack), which then names the value's path; a name
        /// the object already has is recorded as a finding under that name.
        private mutating func member() throws {
            guard try next() == UInt8(ascii: "\"") else { throw Malformed() }
            let key = try keyString()
            skipWhitespace()
            guard try next() == UInt8(ascii: ":") else { throw Malformed() }
            // Popped, not read in place, so the set is not copied on every insert.
            guard case .object(var keys, _) = stack.removeLast() else { throw Malformed() }
            let isNew = keys.insert(key).inserted
            stack.append(.object(keys: keys, key: key))
            if !isNew { record(Finding(path: path, problem: .duplicateKey)) }
        }

        private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        private mutating func next() throws -> UInt8 {
            guard index < bytes.count else { throw Malformed() }
            defer { index += 1 }
            return bytes[index]
        }

        private mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        private mutating func literal(_ rest: StaticString) throws {
            let text = UnsafeBufferPointer(start: rest.utf8Start, count: rest.utf8CodeUnitCount)
            for byte in text where try next() != byte { throw Malformed() }
        }

        /// A string value, after its opening quote: checked for well-formed escapes and no raw control
        /// characters, not decoded (JSONSerialization checks its UTF-8 next).
        private mutating func skipString() throws {
            while true {
                let byte = try next()
                switch byte {
                case UInt8(ascii: "\""): return
                case UInt8(ascii: "\\"): _ = try escape()
                case 0x00..<0x20: throw Malformed()
                default: continue
                }
            }
        }

        /// A member name, after its opening quote, decoded.
        private mutating func keyString() throws -> String {
            let start = index
            // Most names are plain: no escapes, decoded straight from the bytes.
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let key = try utf8(UnsafeBufferPointer(rebasing: bytes[start..<index]))
                    index += 1
                    return key
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw Malformed() }
                index += 1
            }
            var decoded = Array(bytes[start..<index])
            while true {
                let byte = try next()
                switch byte {
                case UInt8(ascii: "\""):
                    return try decoded.withUnsafeBufferPointer { try utf8($0) }
                case UInt8(ascii: "\\"):
                    let scalar = try escape()
                    decoded.append(contentsOf: String(Character(scalar)).utf8)
                case 0x00..<0x20: throw Malformed()
                default: decoded.append(byte)
                }
            }
        }

        private func utf8(_ bytes: UnsafeBufferPointer<UInt8>) throws -> String {
            guard let text = String(validating: bytes, as: UTF8.self) else { throw Malformed() }
            return text
        }

        /// An escape, after its backslash: the scalar it stands for. A `\u` high surrogate must be followed
        /// by a `\u` low surrogate, as JSONSerialization requires.
        private mutating func escape() throws -> Unicode.Scalar {
            switch try next() {
            case UInt8(ascii: "\""): return "\""
            case UInt8(ascii: "\\"): return "\\"
            case UInt8(ascii: "/"): return "/"
            case UInt8(ascii: "b"): return "\u{08}"
            case UInt8(ascii: "f"): return "\u{0C}"
            case UInt8(ascii: "n"): return "\n"
            case UInt8(ascii: "r"): return "\r"
            case UInt8(ascii: "t"): return "\t"
            case UInt8(ascii: "u"):
                let unit = try hex4()
                switch unit {
                case 0xD800..<0xDC00:
                    guard try next() == UInt8(ascii: "\\"), try next() == UInt8(ascii: "u") else { throw Malformed() }
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw Malformed() }
                    let value = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    guard let scalar = Unicode.Scalar(value) else { throw Malformed() }
                    return scalar
                case 0xDC00..<0xE000:
                    throw Malformed()
                default:
                    guard let scalar = Unicode.Scalar(unit) else { throw Malformed() }
                    return scalar
                }
            default:
                throw Malformed()
            }
        }

        private mutating func hex4() throws -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = try next()
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw Malformed()
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }

        /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
        private mutating func number() throws {
            let start = index
            if peek == UInt8(ascii: "-") { index += 1 }
            var nonZeroInteger = false
            let integerStart = index
            if peek == UInt8(ascii: "0") {
                index += 1
            } else {
                guard digits(&nonZeroInteger) > 0 else { throw Malformed() }
            }
            let integerDigits = index - integerStart
            var fractionDigits = 0
            var nonZeroFraction = false
            if peek == UInt8(ascii: ".") {
                index += 1
                fractionDigits = digits(&nonZeroFraction)
                guard fractionDigits > 0 else { throw Malformed() }
            }
            var hasExponent = false
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                index += 1
                hasExponent = true
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
                var ignored = false
                guard digits(&ignored) > 0 else { throw Malformed() }
            }
            // Up to 18 digits always fits an Int: nothing to check or record (the common case, parsed no further).
            if fractionDigits == 0 && !hasExponent && integerDigits <= 18 { return }
            let isIntegral: Bool
            if !hasExponent && integerDigits <= 18 && fractionDigits <= 300 {
                // A plain decimal of this size is finite and, if non-zero, far from zero as a Double.
                isIntegral = !nonZeroFraction
            } else {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                guard let value = Double(text), value.isFinite else {
                    record(Finding(path: path, problem: .overflow))
                    return
                }
                if value == 0 && (nonZeroInteger || nonZeroFraction) {
                    record(Finding(path: path, problem: .underflow))
                    return
                }
                isIntegral = value.rounded(.towardZero) == value
            }
            // Only needed to name the field of a failed decode; a bounded list keeps a body of a million
            // decimals cheap.
            if scan.numbers.count < StrictJSON.maxNumbers {
                scan.numbers.append(NumberLiteral(path: path, range: start..<index, isIntegral: isIntegral))
            }
        }

        /// Records a finding once; a bounded list, so a body of a million repeated keys is cheap to refuse.
        private mutating func record(_ finding: Finding) {
            if scan.findings.count < StrictJSON.maxFindings && !scan.findings.contains(finding) { scan.findings.append(finding) }
        }

        /// Consumes decimal digits; returns how many.
        private mutating func digits(_ nonZero: inout Bool) -> Int {
            let start = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                if bytes[index] != UInt8(ascii: "0") { nonZero = true }
                index += 1
            }
            return index - start
        }
    }
}
