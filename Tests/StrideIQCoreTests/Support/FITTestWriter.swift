// Writes FIT bytes for the decoder's tests: definitions in either byte order, data messages with normal or
// compressed-timestamp headers, developer fields, and the header and file CRCs. Written from the FIT protocol
// description, independently of the decoder (its CRC is the profile's 16-entry nibble table, not the decoder's
// byte table), so a shared misreading of the format is less likely to pass unnoticed.

/// A value for one field: a number (written as its bit pattern in the field's size), the base type's invalid
/// value (`nil`), or text for a string field.
enum FITTestValue: ExpressibleByIntegerLiteral, ExpressibleByNilLiteral, ExpressibleByStringLiteral {
    case number(Int64)
    case invalid
    case text(String)

    init(integerLiteral value: Int64) { self = .number(value) }
    init(nilLiteral: ()) { self = .invalid }
    init(stringLiteral value: String) { self = .text(value) }
}

struct FITTestWriter {
    struct Field {
        var number: UInt8
        var size: UInt8
        var baseType: UInt8

        static func enum8(_ n: UInt8) -> Field { Field(number: n, size: 1, baseType: 0x00) }
        static func sint8(_ n: UInt8) -> Field { Field(number: n, size: 1, baseType: 0x01) }
        static func uint8(_ n: UInt8) -> Field { Field(number: n, size: 1, baseType: 0x02) }
        static func sint16(_ n: UInt8) -> Field { Field(number: n, size: 2, baseType: 0x83) }
        static func uint16(_ n: UInt8) -> Field { Field(number: n, size: 2, baseType: 0x84) }
        static func sint32(_ n: UInt8) -> Field { Field(number: n, size: 4, baseType: 0x85) }
        static func uint32(_ n: UInt8) -> Field { Field(number: n, size: 4, baseType: 0x86) }
        static func uint32z(_ n: UInt8) -> Field { Field(number: n, size: 4, baseType: 0x8C) }
        static func string(_ n: UInt8, size: UInt8) -> Field { Field(number: n, size: size, baseType: 0x07) }
    }

    private struct Definition {
        var fields: [Field]
        var developerSize: Int
        var bigEndian: Bool
    }

    private var definitions: [UInt8: Definition] = [:]
    /// The data records (everything between the header and the file CRC).
    private(set) var body: [UInt8] = []

    mutating func define(
        local: UInt8, global: UInt16, _ fields: [Field], developer: [(number: UInt8, size: UInt8, index: UInt8)] = [],
        bigEndian: Bool = false
    ) {
        body.append(0x40 | (developer.isEmpty ? 0 : 0x20) | (local & 0x0F))
        body.append(0)  // reserved
        body.append(bigEndian ? 1 : 0)
        body += bigEndian ? [UInt8(global >> 8), UInt8(global & 0xFF)] : [UInt8(global & 0xFF), UInt8(global >> 8)]
        body.append(UInt8(fields.count))
        for f in fields { body += [f.number, f.size, f.baseType] }
        if !developer.isEmpty {
            body.append(UInt8(developer.count))
            for d in developer { body += [d.number, d.size, d.index] }
        }
        definitions[local] = Definition(
            fields: fields, developerSize: developer.reduce(0) { $0 + Int($1.size) }, bigEndian: bigEndian)
    }

    /// A data message with a normal header.
    mutating func data(local: UInt8, _ values: [FITTestValue], developer: [UInt8]? = nil) {
        body.append(local & 0x0F)
        content(local: local, values, developer: developer)
    }

    /// A data message with a compressed-timestamp header: `offset` is the low 5 bits of its time (local 0–3).
    mutating func compressed(local: UInt8, offset: UInt8, _ values: [FITTestValue], developer: [UInt8]? = nil) {
        body.append(0x80 | (local & 0x03) << 5 | (offset & 0x1F))
        content(local: local, values, developer: developer)
    }

    mutating func raw(_ bytes: [UInt8]) { body += bytes }

    private mutating func content(local: UInt8, _ values: [FITTestValue], developer: [UInt8]?) {
        guard let d = definitions[local] else { preconditionFailure("local \(local) not defined") }
        precondition(values.count == d.fields.count, "one value per field")
        for (field, value) in zip(d.fields, values) {
            let size = Int(field.size)
            switch value {
            case .text(let s):
                var utf8 = Array(s.utf8.prefix(size))
                utf8 += [UInt8](repeating: 0, count: size - utf8.count)
                body += utf8
            case .number(let n):
                body += Self.encode(UInt64(bitPattern: n), size: size, bigEndian: d.bigEndian)
            case .invalid:
                body += Self.encode(Self.invalid(field.baseType), size: size, bigEndian: d.bigEndian)
            }
        }
        let dev = developer ?? [UInt8](repeating: 0xAB, count: d.developerSize)
        precondition(dev.count == d.developerSize)
        body += dev
    }

    static func invalid(_ baseType: UInt8) -> UInt64 {
        switch baseType & 0x1F {
        case 1: return 0x7F
        case 3: return 0x7FFF
        case 5: return 0x7FFF_FFFF
        case 14: return 0x7FFF_FFFF_FFFF_FFFF
        case 7, 10, 11, 12, 16: return 0
        default: return .max
        }
    }

    static func encode(_ v: UInt64, size: Int, bigEndian: Bool) -> [UInt8] {
        let little = (0..<size).map { i in i < 8 ? UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) : 0 }
        return bigEndian ? little.reversed() : little
    }

    /// The whole file: header (14 bytes with its CRC, or 12), the body, the file CRC.
    func file(headerSize: Int = 14, headerCRC: Bool = true) -> [UInt8] {
        Self.file(body: body, headerSize: headerSize, headerCRC: headerCRC)
    }

    static func file(body: [UInt8], headerSize: Int = 14, headerCRC: Bool = true) -> [UInt8] {
        var out: [UInt8] = [UInt8(headerSize), 0x20]  // protocol 2.0
        out += encode(2132, size: 2, bigEndian: false)  // profile version 21.32
        out += encode(UInt64(body.count), size: 4, bigEndian: false)
        out += Array(".FIT".utf8)
        if headerSize == 14 { out += encode(headerCRC ? UInt64(crc(out)) : 0, size: 2, bigEndian: false) }
        out += body
        out += encode(UInt64(crc(out)), size: 2, bigEndian: false)
        return out
    }

    /// Recomputes the header and file CRCs of `file` in place (after a test has changed its bytes on purpose).
    static func fixCRCs(_ file: inout [UInt8]) {
        guard file.count >= 14, file[0] == 14 || file[0] == 12 else { return }
        if file[0] == 14 {
            let c = crc(Array(file[0..<12]))
            file[12] = UInt8(c & 0xFF)
            file[13] = UInt8(c >> 8)
        }
        let dataSize = Int(file[4]) | Int(file[5]) << 8 | Int(file[6]) << 16 | Int(file[7]) << 24
        let end = Int(file[0]) + dataSize
        guard end + 2 <= file.count else { return }
        let c = crc(Array(file[0..<end]))
        file[end] = UInt8(c & 0xFF)
        file[end + 1] = UInt8(c >> 8)
    }

    /// The FIT profile's CRC, written the way the protocol description gives it: a nibble at a time.
    static func crc(_ bytes: [UInt8]) -> UInt16 {
        let table: [UInt16] = [
            0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
            0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
        ]
        var crc: UInt16 = 0
        for byte in bytes {
            var tmp = table[Int(crc & 0xF)]
            crc = (crc >> 4) & 0x0FFF
            crc = crc ^ tmp ^ table[Int(byte & 0xF)]
            tmp = table[Int(crc & 0xF)]
            crc = (crc >> 4) & 0x0FFF
            crc = crc ^ tmp ^ table[Int((byte >> 4) & 0xF)]
        }
        return crc
    }
}

/// A seeded generator, so a fuzz test that finds a crash finds it again.
struct FITFuzzRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
