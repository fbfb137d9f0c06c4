import Foundation
import Testing

@testable import StrideIQCore

@Suite("XML reader")
struct XMLReaderTests {
    static func events(_ xml: String) throws -> [XMLEvent] {
        var reader = try XMLReader(Array(xml.utf8))
        var events: [XMLEvent] = []
        while let event = try reader.next() { events.append(event) }
        return events
    }

    static func error(_ xml: String) -> ActivityFileError? {
        error(Array(xml.utf8))
    }

    static func error(_ bytes: [UInt8]) -> ActivityFileError? {
        do {
            var reader = try XMLReader(bytes)
            while try reader.next() != nil {}
            return nil
        } catch let error as ActivityFileError {
            return error
        } catch {
            Issue.record("threw something other than ActivityFileError: \(error)")
            return nil
        }
    }

    @Test func readsPrologCommentsCDATAAttributesPrefixesAndEntities() throws {
        let xml = """
            \u{FEFF}<?xml version="1.0" encoding="UTF-8"?>
            <!-- exported -->
            <?xml-stylesheet href="x.xsl"?>
            <a:root xmlns:a="urn:a" one="1" two='2 &amp; &quot;two&quot;'>
              <a:name><![CDATA[Tom & <Jerry>]]></a:name>
              <empty  x = "y" />
              <t>caf&#233; &#x1F3C3; &lt;&gt;&apos;</t>
              <!-- a <comment> -->
            </a:root>
            """
        let events = try Self.events(xml)
        #expect(
            events == [
                .startElement(
                    name: "root",
                    attributes: [
                        XMLAttribute(name: "a", value: "urn:a"), XMLAttribute(name: "one", value: "1"),
                        XMLAttribute(name: "two", value: "2 & \"two\""),
                    ]),
                .startElement(name: "name", attributes: []), .text("Tom & <Jerry>"), .endElement(name: "name"),
                .startElement(name: "empty", attributes: [XMLAttribute(name: "x", value: "y")]), .endElement(name: "empty"),
                .startElement(name: "t", attributes: []), .text("café 🏃 <>'"), .endElement(name: "t"),
                .endElement(name: "root"),
            ])
    }

    @Test func aSelfClosingRootIsADocument() throws {
        #expect(try Self.events("<gpx/>") == [.startElement(name: "gpx", attributes: []), .endElement(name: "gpx")])
    }

    @Test func textSplitByACommentArrivesInPieces() throws {
        #expect(
            try Self.events("<e>12<!-- -->.5</e>") == [
                .startElement(name: "e", attributes: []), .text("12"), .text(".5"), .endElement(name: "e"),
            ])
    }

    // A document type declaration is where entities are declared; refusing it is what rules out XXE and
    // entity-expansion bombs, whatever the payload.
    @Test(arguments: [
        // Billion laughs.
        """
        <?xml version="1.0"?>
        <!DOCTYPE lolz [
         <!ENTITY lol "lol">
         <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
         <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
        ]>
        <gpx>&lol3;</gpx>
        """,
        // XXE, external entity to a local file.
        """
        <?xml version="1.0"?>
        <!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
        <gpx><trk><name>&xxe;</name></trk></gpx>
        """,
        // External DTD by URL.
        #"<!DOCTYPE gpx SYSTEM "http://attacker.example/evil.dtd"><gpx/>"#,
        // Lower case, and a bare entity declaration with no DOCTYPE around it.
        "<!doctype gpx><gpx/>",
        #"<gpx><!ENTITY x "y"></gpx>"#,
    ])
    func documentTypeDeclarationsAreRefused(xml: String) {
        let error = Self.error(xml)
        #expect(error?.kind == .unsupportedFormat)
        #expect(error?.reason == "XML with a document type declaration is not accepted")
    }

    @Test func anUndeclaredEntityIsMalformed() {
        #expect(Self.error("<gpx>&xxe;</gpx>")?.kind == .corrupt)
        #expect(Self.error("<gpx a='&lol;'/>")?.kind == .corrupt)
        #expect(Self.error("<gpx>fish & chips</gpx>")?.kind == .corrupt)
        #expect(Self.error("<gpx>&#0;</gpx>")?.kind == .corrupt)
        #expect(Self.error("<gpx>&#xD800;</gpx>")?.kind == .corrupt)
    }

    @Test func depthIsBounded() throws {
        let ok = String(repeating: "<a>", count: XMLReader.maxDepth) + String(repeating: "</a>", count: XMLReader.maxDepth)
        #expect(try Self.events(ok).count == 2 * XMLReader.maxDepth)
        let bomb = String(repeating: "<a>", count: 100_000)
        #expect(Self.error(bomb)?.kind == .tooLarge)
        let selfClosingAtTheLimit = String(repeating: "<a>", count: XMLReader.maxDepth) + "<b/>"
        #expect(Self.error(selfClosingAtTheLimit)?.kind == .tooLarge)
    }

    @Test func sizesAreBounded() {
        let longValue = "<gpx a='" + String(repeating: "x", count: XMLReader.maxAttributeValueBytes + 1) + "'/>"
        #expect(Self.error(longValue)?.kind == .tooLarge)
        let longText = "<gpx>" + String(repeating: "x", count: XMLReader.maxTextBytes + 1) + "</gpx>"
        #expect(Self.error(longText)?.kind == .tooLarge)
        let longName = "<" + String(repeating: "x", count: XMLReader.maxNameBytes + 1) + "/>"
        #expect(Self.error(longName)?.kind == .tooLarge)
        let manyAttributes = "<gpx " + (0...XMLReader.maxAttributesPerElement).map { "a\($0)='1'" }.joined(separator: " ") + "/>"
        #expect(Self.error(manyAttributes)?.kind == .tooLarge)
    }

    @Test(arguments: [
        "<gpx><trk></gpx>",  // mismatched end tag
        "<gpx><trk>",  // unclosed
        "<gpx></gpx></gpx>",  // end tag with nothing open
        "<gpx/><gpx/>",  // two roots
        "hello<gpx/>",  // text outside the root
        "<gpx a=1/>",  // unquoted attribute
        "<gpx a='<'/>",  // '<' in an attribute
        "<gpx a/>",  // attribute without a value
        "<gpx><1a/></gpx>",  // invalid name
        "<gpx><!-- never closed </gpx>",
        "<gpx><![CDATA[ never closed </gpx>",
        "",  // empty
        "   \n",  // no root
        "<?xml version='1.0'?>",  // prolog only
    ])
    func malformedDocumentsAreCorrupt(xml: String) {
        let error = Self.error(xml)
        #expect(error?.kind == .corrupt)
    }

    @Test func everyTruncationThrowsAndNoneCrashes() {
        let xml = Array(
            """
            <?xml version="1.0"?><gpx creator="x &amp; y"><!-- c --><trk><name><![CDATA[n]]></name>\
            <trkseg><trkpt lat='1' lon="2"><ele>3</ele><time>2024-01-01T00:00:00Z</time></trkpt><e/></trkseg></trk></gpx>
            """.utf8)
        for cut in 0..<xml.count {
            #expect(Self.error(Array(xml[..<cut])) != nil, "a file cut at byte \(cut) was accepted")
        }
        #expect(Self.error(xml) == nil)
    }

    /// Deterministic mutations (flip, delete, insert, duplicate a span) of a valid file, for the decoders' "never
    /// crash" tests: each mutant must decode or throw an `ActivityFileError`.
    static func mutants(of bytes: [UInt8], count: Int, seed: UInt64) -> [[UInt8]] {
        var state = seed
        func next() -> Int {
            // SplitMix64: a fixed seed gives the same mutants on every run.
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int(truncatingIfNeeded: (z ^ (z >> 31)) >> 1)
        }
        let interesting = Array("<>/&;'\"=![]-?#x0:".utf8)
        return (0..<count).map { _ in
            var mutant = bytes
            for _ in 0...(next() % 4) {
                guard !mutant.isEmpty else { break }
                let at = next() % mutant.count
                switch next() % 5 {
                case 0: mutant[at] ^= UInt8(truncatingIfNeeded: 1 << (next() % 8))
                case 1: mutant.remove(at: at)
                case 2: mutant.insert(interesting[next() % interesting.count], at: at)
                case 3:
                    let end = min(mutant.count, at + next() % 64)
                    mutant.insert(contentsOf: Array(mutant[at..<end]), at: at)
                default: mutant[at] = UInt8(truncatingIfNeeded: next())
                }
            }
            return mutant
        }
    }

    @Test func utf16IsRefusedAndAUTF8ByteOrderMarkIsSkipped() throws {
        #expect(Self.error([0xFF, 0xFE, 0x3C, 0x00])?.kind == .unsupportedFormat)
        #expect(try Self.events("\u{FEFF}<a/>").count == 2)
    }

    @Test func timestamps() {
        #expect(XMLValues.timestamp("1970-01-01T00:00:00Z") == XMLTimestamp(time: 0, utcOffsetS: nil))
        #expect(XMLValues.timestamp("2024-05-04T07:30:00Z")?.time == 1_714_807_800)
        #expect(XMLValues.timestamp(" 2024-05-04T07:30:00.250Z\n")?.time == 1_714_807_800.25)
        #expect(XMLValues.timestamp("2024-05-04T07:30:00") == XMLTimestamp(time: 1_714_807_800, utcOffsetS: nil))
        #expect(XMLValues.timestamp("2024-05-04 09:30:00+02:00") == XMLTimestamp(time: 1_714_807_800, utcOffsetS: 7200))
        #expect(XMLValues.timestamp("2024-05-04T02:00:00-0530") == XMLTimestamp(time: 1_714_807_800, utcOffsetS: -19_800))
        #expect(XMLValues.timestamp("2024-05-04T09:30:00+02") == XMLTimestamp(time: 1_714_807_800, utcOffsetS: 7200))
        #expect(XMLValues.timestamp("2000-02-29T12:00:00Z")?.time == 951_825_600)
        for bad in [
            "", "2024-05-04", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-05-04T24:00:00Z", "2024-05-04T07:30:00Q",
            "2024-05-04T07:30:00.Z", "2024-05-04T07:30:00+2", "24-05-04T07:30:00Z", "2024-05-04T07:30:00Zjunk",
        ] {
            #expect(XMLValues.timestamp(bad) == nil, "\(bad) was accepted")
        }
    }

    // The fast path for plain decimals must give exactly what strtod (Double(String)) gives.
    @Test func numbersMatchTheStandardParser() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...15, using: &generator)
            let point = Int.random(in: 0...digits, using: &generator)
            var text = String((0..<digits).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
            if point < digits { text.insert(".", at: text.index(text.startIndex, offsetBy: point)) }
            if Bool.random(using: &generator) { text = "-" + text }
            #expect(XMLValues.double(text) == Double(text), "\(text)")
        }
        for text in [
            "51.5000000", "-0.1200000", "1e3", " 12.5\n", "0x10", "nan", "inf", "-", ".", "1.2.3", "--1", "12345678901234567890.5",
        ] {
            let expected = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)).flatMap { $0.isFinite ? $0 : nil }
            #expect(XMLValues.double(text) == expected, "\(text)")
        }
    }

    @Test func sportNames() {
        let cases: [(String, Sport)] = [
            ("running", .run), ("run", .run), ("Run", .run), ("trail_running", .run), ("Running", .run), ("9", .run),
            ("cycling", .cycling), ("ride", .cycling), ("biking", .cycling), ("Biking", .cycling), ("road_biking", .cycling),
            ("1", .cycling), ("walking", .walking), ("walk", .walking), ("hiking", .hiking), ("hike", .hiking),
            ("swimming", .swimming), ("open_water_swimming", .swimming), ("strength_training", .strength), ("yoga", .flexibility),
            ("Other", .other), ("kitesurfing", .other),
        ]
        for (value, sport) in cases {
            #expect(XMLValues.sport(value) == sport, "\(value)")
        }
    }
}
