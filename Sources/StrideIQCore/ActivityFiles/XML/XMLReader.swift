import Foundation

// A small pull reader for the XML that GPX and TCX files are written in. It is ours rather than Foundation's
// XMLParser because that one is a libxml2 wrapper whose entity and DTD handling differs between platforms, and
// an uploaded file is untrusted input: here a document type declaration is refused outright (so there is no
// external entity to fetch and no entity expansion to blow up), nesting and text sizes are bounded, and every
// malformation is an `ActivityFileError` rather than a crash.
//
// What it reads: the prolog and processing instructions (skipped), comments (skipped), CDATA sections (text),
// elements with attributes quoted with ' or ", self-closing tags, namespace prefixes (events carry the local
// name: `gpxtpx:hr` is reported as `hr`), the five predefined entities and numeric character references.
// Input is UTF-8 (a byte-order mark is skipped); invalid sequences decode as U+FFFD.

/// One attribute of a start tag. `name` is the local name (`xsi:schemaLocation` → `schemaLocation`).
struct XMLAttribute: Sendable, Equatable {
    var name: String
    var value: String
}

enum XMLEvent: Sendable, Equatable {
    case startElement(name: String, attributes: [XMLAttribute])
    case endElement(name: String)
    /// Character data inside an element, entities resolved. Runs that are only whitespace are not reported
    /// (GPX and TCX carry no meaning in them, and skipping them saves a string per line of a 10,000-point file).
    /// One element's text may arrive in several events (split by a comment or a CDATA section).
    case text(String)
}

extension [XMLAttribute] {
    func value(_ localName: String) -> String? {
        first { $0.name == localName }?.value
    }
}

struct XMLReader {
    /// Deeper than any GPX or TCX file goes (TCX's deepest path is about 9); a bound keeps a hostile file from
    /// making us keep an arbitrarily long stack of open elements.
    static let maxDepth = 64
    /// One run of character data (between two pieces of markup).
    static let maxTextBytes = 1 << 20
    static let maxAttributeValueBytes = 64 << 10
    static let maxNameBytes = 1024
    static let maxAttributesPerElement = 256

    static let doctypeRefusal = "XML with a document type declaration is not accepted"

    private let bytes: [UInt8]
    private var pos: Int
    /// Byte ranges of the qualified names of the open elements, to check each end tag against its start tag
    /// without making a string.
    private var open: [Range<Int>] = []
    /// The local name of a self-closing element whose end event is still to be reported.
    private var pendingEnd: String?
    private var rootSeen = false
    /// Long local names already made into strings, by where they first appeared.
    private var longNames: [(range: Range<Int>, name: String)] = []

    init(_ bytes: [UInt8]) throws {
        self.bytes = bytes
        pos = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
            pos = 3
        } else if bytes.count >= 2 && ((bytes[0] == 0xFE && bytes[1] == 0xFF) || (bytes[0] == 0xFF && bytes[1] == 0xFE)) {
            throw ActivityFileError(.unsupportedFormat, "the XML is UTF-16; only UTF-8 is read")
        }
        open.reserveCapacity(16)
    }

    /// The current nesting depth (open elements).
    var depth: Int { open.count }

    /// The next event, or nil at the end of a complete document.
    mutating func next() throws -> XMLEvent? {
        if let name = pendingEnd {
            pendingEnd = nil
            return .endElement(name: name)
        }
        let count = bytes.count
        while pos < count {
            if bytes[pos] != UInt8(ascii: "<") {
                if let text = try readText() { return .text(text) }
                continue
            }
            guard pos + 1 < count else { throw truncated() }
            switch bytes[pos + 1] {
            case UInt8(ascii: "?"):
                pos = try index(after: [UInt8(ascii: "?"), UInt8(ascii: ">")], from: pos + 2)
            case UInt8(ascii: "!"):
                if let text = try readMarkupDeclaration() { return .text(text) }
            case UInt8(ascii: "/"):
                return try readEndTag()
            default:
                return try readStartTag()
            }
        }
        if !open.isEmpty { throw truncated() }
        if !rootSeen { throw ActivityFileError(.corrupt, "the file has no XML root element") }
        return nil
    }

    // MARK: - Pieces of markup

    private mutating func readStartTag() throws -> XMLEvent {
        if rootSeen && open.isEmpty {
            throw corrupt("a second root element")
        }
        pos += 1
        let nameRange = try readName()
        var attributes: [XMLAttribute] = []
        while true {
            skipWhitespace()
            guard pos < bytes.count else { throw truncated() }
            let byte = bytes[pos]
            if byte == UInt8(ascii: ">") {
                pos += 1
                break
            }
            if byte == UInt8(ascii: "/") {
                guard pos + 1 < bytes.count else { throw truncated() }
                guard bytes[pos + 1] == UInt8(ascii: ">") else { throw corrupt("a stray '/' in a tag") }
                pos += 2
                pendingEnd = localName(nameRange)
                break
            }
            guard attributes.count < Self.maxAttributesPerElement else {
                throw ActivityFileError(.tooLarge, "an XML element has more than \(Self.maxAttributesPerElement) attributes")
            }
            attributes.append(try readAttribute())
        }
        guard open.count < Self.maxDepth else {
            throw ActivityFileError(.tooLarge, "the XML nests elements more than \(Self.maxDepth) deep")
        }
        rootSeen = true
        let name = pendingEnd ?? localName(nameRange)
        // A self-closing element is never pushed: its end event is already pending.
        if pendingEnd == nil { open.append(nameRange) }
        return .startElement(name: name, attributes: attributes)
    }

    private mutating func readEndTag() throws -> XMLEvent {
        pos += 2
        let nameRange = try readName()
        skipWhitespace()
        guard pos < bytes.count else { throw truncated() }
        guard bytes[pos] == UInt8(ascii: ">") else { throw corrupt("an end tag with something after its name") }
        pos += 1
        guard let expected = open.popLast() else { throw corrupt("an end tag with no element open") }
        guard sameBytes(expected, nameRange) else {
            let got = String(decoding: bytes[nameRange], as: UTF8.self)
            let want = String(decoding: bytes[expected], as: UTF8.self)
            throw corrupt("end tag </\(got)> does not match <\(want)>")
        }
        return .endElement(name: localName(nameRange))
    }

    /// `<!--` comments are skipped, CDATA is text, and anything declaring a document type, an entity or any
    /// other DTD piece is refused: we never expand or fetch entities, so there is no XXE and no billion laughs.
    private mutating func readMarkupDeclaration() throws -> String? {
        if hasPrefix("<!--") {
            pos = try index(after: Array("-->".utf8), from: pos + 4)
            return nil
        }
        if hasPrefix("<![CDATA[") {
            guard !open.isEmpty else { throw corrupt("a CDATA section outside the root element") }
            let start = pos + 9
            let end = try index(after: Array("]]>".utf8), from: start) - 3
            guard end - start <= Self.maxTextBytes else { throw textTooLarge() }
            pos = end + 3
            return end > start ? String(decoding: bytes[start..<end], as: UTF8.self) : nil
        }
        // `<!DOCTYPE`, `<!ENTITY`, `<!ELEMENT`, `<!ATTLIST`, in any case; a file cut right after `<!` too.
        if pos + 2 >= bytes.count || isNameStart(bytes[pos + 2]) {
            throw ActivityFileError(.unsupportedFormat, Self.doctypeRefusal)
        }
        throw corrupt("an unknown '<!' declaration")
    }

    private mutating func readAttribute() throws -> XMLAttribute {
        let nameRange = try readName()
        skipWhitespace()
        guard pos < bytes.count else { throw truncated() }
        guard bytes[pos] == UInt8(ascii: "=") else { throw corrupt("an attribute without '='") }
        pos += 1
        skipWhitespace()
        guard pos < bytes.count else { throw truncated() }
        let quote = bytes[pos]
        guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
            throw corrupt("an attribute value without quotes")
        }
        let start = pos + 1
        var end = start
        var hasEntity = false
        while end < bytes.count && bytes[end] != quote {
            let byte = bytes[end]
            if byte == UInt8(ascii: "<") { throw corrupt("'<' inside an attribute value") }
            if byte == UInt8(ascii: "&") { hasEntity = true }
            end += 1
            if end - start > Self.maxAttributeValueBytes {
                throw ActivityFileError(.tooLarge, "an XML attribute value is over \(Self.maxAttributeValueBytes / 1024) KB")
            }
        }
        guard end < bytes.count else { throw truncated() }
        pos = end + 1
        let value = hasEntity ? try decodeEntities(start..<end) : String(decoding: bytes[start..<end], as: UTF8.self)
        return XMLAttribute(name: localName(nameRange), value: value)
    }

    /// Character data up to the next '<'. Returns nil for a whitespace-only run.
    private mutating func readText() throws -> String? {
        let start = pos
        var end = pos
        var onlyWhitespace = true
        var hasEntity = false
        let count = bytes.count
        while end < count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "<") { break }
            if byte == UInt8(ascii: "&") {
                hasEntity = true
                onlyWhitespace = false
            } else if onlyWhitespace && !isWhitespace(byte) {
                onlyWhitespace = false
            }
            end += 1
        }
        pos = end
        if onlyWhitespace { return nil }
        guard !open.isEmpty else { throw corrupt("text outside the root element") }
        guard end - start <= Self.maxTextBytes else { throw textTooLarge() }
        return hasEntity ? try decodeEntities(start..<end) : String(decoding: bytes[start..<end], as: UTF8.self)
    }

    // MARK: - Names, entities, scanning

    private mutating func readName() throws -> Range<Int> {
        let start = pos
        while pos < bytes.count {
            let byte = bytes[pos]
            if isWhitespace(byte) || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=") {
                break
            }
            if byte == UInt8(ascii: "<") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "&") {
                throw corrupt("an invalid character in a name")
            }
            pos += 1
            if pos - start > Self.maxNameBytes {
                throw ActivityFileError(.tooLarge, "an XML name is over \(Self.maxNameBytes) bytes")
            }
        }
        guard pos < bytes.count else { throw truncated() }
        guard pos > start, isNameStart(bytes[start]) else { throw corrupt("a tag or attribute without a valid name") }
        return start..<pos
    }

    /// The part after the last ':' (the namespace prefix is dropped: documents bind prefixes freely, and GPX and
    /// TCX element names do not collide across the namespaces they use).
    private mutating func localName(_ range: Range<Int>) -> String {
        var start = range.lowerBound
        var i = range.upperBound - 1
        while i > range.lowerBound {
            if bytes[i] == UInt8(ascii: ":") {
                start = i + 1
                break
            }
            i -= 1
        }
        let local = start..<range.upperBound
        // Names of up to 15 bytes are stored inline in a String; a longer one (`TrackPointExtension`, repeated
        // on every point of a Garmin file) would be a heap allocation each time, so those are reused.
        guard local.count > 15 else { return String(decoding: bytes[local], as: UTF8.self) }
        for entry in longNames where sameBytes(entry.range, local) { return entry.name }
        let name = String(decoding: bytes[local], as: UTF8.self)
        if longNames.count < 32 { longNames.append((local, name)) }
        return name
    }

    private func sameBytes(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        guard a.count == b.count else { return false }
        var i = a.lowerBound
        var j = b.lowerBound
        while i < a.upperBound {
            if bytes[i] != bytes[j] { return false }
            i += 1
            j += 1
        }
        return true
    }

    private func decodeEntities(_ range: Range<Int>) throws -> String {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var i = range.lowerBound
        while i < range.upperBound {
            let byte = bytes[i]
            guard byte == UInt8(ascii: "&") else {
                out.append(byte)
                i += 1
                continue
            }
            // The longest reference we accept is `&#x10FFFF;` (10 bytes).
            var semicolon = i + 1
            while semicolon < range.upperBound && bytes[semicolon] != UInt8(ascii: ";") && semicolon - i <= 10 {
                semicolon += 1
            }
            guard semicolon < range.upperBound, bytes[semicolon] == UInt8(ascii: ";") else {
                throw corrupt("an '&' that starts no entity reference")
            }
            let reference = bytes[(i + 1)..<semicolon]
            switch String(decoding: reference, as: UTF8.self) {
            case "lt": out.append(UInt8(ascii: "<"))
            case "gt": out.append(UInt8(ascii: ">"))
            case "amp": out.append(UInt8(ascii: "&"))
            case "quot": out.append(UInt8(ascii: "\""))
            case "apos": out.append(UInt8(ascii: "'"))
            case let name where name.hasPrefix("#"):
                let digits = name.dropFirst()
                let value: UInt32? =
                    digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
                guard let value, value != 0, let scalar = Unicode.Scalar(value) else {
                    throw corrupt("an invalid character reference &\(name);")
                }
                out.append(contentsOf: String(Character(scalar)).utf8)
            default:
                // Only a DTD could declare another entity, and we accept none.
                throw corrupt("an undeclared entity reference")
            }
            i = semicolon + 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The index just past the next occurrence of `needle` at or after `from`.
    private func index(after needle: [UInt8], from: Int) throws -> Int {
        let first = needle[0]
        var i = from
        let last = bytes.count - needle.count
        while i <= last {
            if bytes[i] == first {
                var matched = true
                for k in 1..<needle.count where bytes[i + k] != needle[k] {
                    matched = false
                    break
                }
                if matched { return i + needle.count }
            }
            i += 1
        }
        throw truncated()
    }

    private func hasPrefix(_ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard pos + count <= bytes.count else { return false }
        return prefix.withUTF8Buffer { buffer in
            for k in 0..<count where bytes[pos + k] != buffer[k] { return false }
            return true
        }
    }

    private mutating func skipWhitespace() {
        while pos < bytes.count && isWhitespace(bytes[pos]) { pos += 1 }
    }

    private func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private func isNameStart(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":") || byte >= 0x80
    }

    private func truncated() -> ActivityFileError {
        ActivityFileError(.corrupt, "the XML ends before its elements are closed: the file looks cut short")
    }

    private func corrupt(_ what: String) -> ActivityFileError {
        ActivityFileError(.corrupt, "the XML is malformed: \(what) (at byte \(pos))")
    }

    private func textTooLarge() -> ActivityFileError {
        ActivityFileError(.tooLarge, "a run of XML text is over \(Self.maxTextBytes / (1 << 20)) MB")
    }
}
