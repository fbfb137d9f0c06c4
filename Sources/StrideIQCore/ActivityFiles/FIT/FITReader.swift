import Foundation

// The byte level of a FIT file: header, CRCs, definition and data messages, compressed timestamps. It walks the
// bytes once with an index and keeps only what `FITProfile.reads` names, so a 3-hour 1 Hz file (10,800 records)
// costs a few milliseconds. Every length read from the file is checked against the bytes that remain before it
// is used, and nothing is allocated in proportion to a number the file states.

/// One field of a definition that the decoder reads: where it sits in a data message and how to read it.
struct FITField: Sendable {
    var number: UInt8
    var offset: Int
    var size: Int
    var baseType: UInt8
}

/// A definition message, reduced to what a data message of its local type needs.
struct FITDefinition: Sendable {
    var global: UInt16
    var bigEndian: Bool
    /// Bytes of each data message after its header, developer fields included (so they are skipped whole).
    var size: Int
    var fields: [FITField]
}

/// Totals of a session or lap, as the file states them (cadence still per foot for running).
struct FITSummary: Sendable {
    var timestamp: Double?
    var startTime: Double?
    var elapsedS: Double?
    var timerS: Double?
    var distanceM: Double?
    var ascentM: Double?
    var descentM: Double?
    var avgHeartRate: Double?
    var maxHeartRate: Double?
    var avgCadence: Double?
    var avgFractionalCadence: Double?
    var sport: Int?
    var subSport: Int?

    /// Where it starts: the stated start time, else its end timestamp less its elapsed time.
    var start: Double? {
        if let startTime { return startTime }
        if let timestamp, let elapsedS { return timestamp - elapsedS }
        return nil
    }
}

/// Everything the decoder keeps from one pass over the messages.
struct FITContent: Sendable {
    var fileType: Int?
    var manufacturer: Int?
    var product: Int?
    var productName: String?
    var sportMessage: (sport: Int?, subSport: Int?)?
    var sessions: [FITSummary] = []
    var laps: [FITSummary] = []
    /// Cadence here is as recorded (per foot for running); the activity builder doubles it once the sport is known.
    var samples: [RecordedSample] = []
    var samplesInOrder = true
    var pauses: [RecordedPause] = []
    var activityTimestamp: Double?
    var activityLocalTimestamp: Double?
}

struct FITReader {
    // Bounds on what one file may make us keep, whatever it says (each is far above a real activity): a 2-byte
    // record or a 3-byte lap must not turn a 25 MB file into gigabytes of samples and laps.
    /// One record a second for the longest activity the API accepts.
    static let maxSamples = Limits.Activity.timeS.upperBound
    static let maxLaps = 10_000
    static let maxSessions = 1_000
    static let maxPauses = 10_000

    let bytes: [UInt8]
    /// `maxSamples` unless a test lowers it.
    var sampleLimit = FITReader.maxSamples

    // MARK: Header and CRC

    /// Checks the header and both CRCs; returns where the messages start and end.
    func checkedBounds() throws(ActivityFileError) -> (start: Int, end: Int) {
        guard bytes.count >= 12, bytes[8] == 0x2E, bytes[9] == 0x46, bytes[10] == 0x49, bytes[11] == 0x54 else {
            throw ActivityFileError(.unsupportedFormat, "not a FIT file")
        }
        let headerSize = Int(bytes[0])
        guard headerSize == 12 || headerSize == 14 else {
            throw ActivityFileError(.corrupt, "FIT header has an unexpected size (\(headerSize) bytes)")
        }
        // The major protocol version is the high nibble; 2 added developer fields and 64-bit types.
        guard bytes[1] >> 4 <= 2 else {
            throw ActivityFileError(.unsupportedFormat, "FIT protocol version \(bytes[1] >> 4) is newer than we read")
        }
        guard bytes.count >= headerSize else { throw ActivityFileError(.corrupt, "FIT file is cut short") }
        if headerSize == 14 {
            let stated = UInt16(bytes[12]) | UInt16(bytes[13]) << 8
            // A header CRC of zero means the writer did not compute one.
            if stated != 0 && Self.crc(bytes, 0, 12) != stated {
                throw ActivityFileError(.corrupt, "FIT header checksum mismatch")
            }
        }
        let dataSize = Int(UInt32(bytes[4]) | UInt32(bytes[5]) << 8 | UInt32(bytes[6]) << 16 | UInt32(bytes[7]) << 24)
        // The data, then a 2-byte CRC over header and data. Bytes after that (a second, chained file) are ignored.
        guard dataSize <= bytes.count - headerSize, bytes.count - headerSize - dataSize >= 2 else {
            throw ActivityFileError(.corrupt, "FIT file is cut short")
        }
        let end = headerSize + dataSize
        let stated = UInt16(bytes[end]) | UInt16(bytes[end + 1]) << 8
        guard Self.crc(bytes, 0, end) == stated else {
            throw ActivityFileError(.corrupt, "FIT file checksum mismatch")
        }
        return (headerSize, end)
    }

    /// CRC-16 with polynomial 0x8005, reflected, starting at 0: the FIT profile's checksum.
    static func crc(_ bytes: [UInt8], _ from: Int, _ to: Int) -> UInt16 {
        let table = crcTable
        var crc: UInt16 = 0
        var i = from
        while i < to {
            crc = (crc >> 8) ^ table[Int(UInt8(truncatingIfNeeded: crc) ^ bytes[i])]
            i += 1
        }
        return crc
    }

    static let crcTable: [UInt16] = (0..<256).map { n in
        var crc = UInt16(n)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xA001 : crc >> 1 }
        return crc
    }

    // MARK: Messages

    func read() throws(ActivityFileError) -> FITContent {
        let (start, end) = try checkedBounds()
        var content = FITContent()
        var definitions = [FITDefinition?](repeating: nil, count: 16)
        var lastTimestamp: UInt32?
        var pauseStart: Double?
        var i = start
        while i < end {
            let header = bytes[i]
            i += 1
            if header & 0x80 != 0 {
                // Compressed timestamp: a 5-bit offset from the last full timestamp, rolling over every 32 s.
                let local = Int((header >> 5) & 0x03)
                guard let definition = definitions[local] else {
                    throw ActivityFileError(.corrupt, "FIT data message has no definition")
                }
                guard end - i >= definition.size else { throw ActivityFileError(.corrupt, "FIT file is cut short") }
                var time: UInt32?
                if let last = lastTimestamp {
                    let offset = UInt32(header & 0x1F)
                    var t = (last & ~0x1F) &+ offset
                    if offset < last & 0x1F { t = t &+ 0x20 }
                    time = t
                    lastTimestamp = t
                }
                try message(definition, at: i, time: time, into: &content, lastTimestamp: &lastTimestamp, pauseStart: &pauseStart)
                i += definition.size
            } else if header & 0x40 != 0 {
                definitions[Int(header & 0x0F)] = try definition(at: &i, end: end, developer: header & 0x20 != 0)
            } else {
                guard let definition = definitions[Int(header & 0x0F)] else {
                    throw ActivityFileError(.corrupt, "FIT data message has no definition")
                }
                guard end - i >= definition.size else { throw ActivityFileError(.corrupt, "FIT file is cut short") }
                try message(definition, at: i, time: nil, into: &content, lastTimestamp: &lastTimestamp, pauseStart: &pauseStart)
                i += definition.size
            }
        }
        return content
    }

    private func definition(at i: inout Int, end: Int, developer: Bool) throws(ActivityFileError) -> FITDefinition {
        // reserved, architecture, global message number (2), number of fields
        guard end - i >= 5 else { throw ActivityFileError(.corrupt, "FIT file is cut short") }
        let architecture = bytes[i + 1]
        guard architecture <= 1 else { throw ActivityFileError(.corrupt, "FIT definition has an unknown byte order") }
        let bigEndian = architecture == 1
        let a = UInt16(bytes[i + 2])
        let b = UInt16(bytes[i + 3])
        let global = bigEndian ? a << 8 | b : b << 8 | a
        let count = Int(bytes[i + 4])
        i += 5
        guard end - i >= count * 3 else { throw ActivityFileError(.corrupt, "FIT file is cut short") }
        var fields: [FITField] = []
        var size = 0
        for k in 0..<count {
            let number = bytes[i + 3 * k]
            let fieldSize = Int(bytes[i + 3 * k + 1])
            let baseType = bytes[i + 3 * k + 2]
            if FITProfile.reads(global: global, field: number) {
                fields.append(FITField(number: number, offset: size, size: fieldSize, baseType: baseType))
            }
            size += fieldSize
        }
        i += count * 3
        if developer {
            guard end - i >= 1 else { throw ActivityFileError(.corrupt, "FIT file is cut short") }
            let devCount = Int(bytes[i])
            i += 1
            guard end - i >= devCount * 3 else { throw ActivityFileError(.corrupt, "FIT file is cut short") }
            // field number, size, developer data index: only the size matters to skip them.
            for k in 0..<devCount { size += Int(bytes[i + 3 * k + 1]) }
            i += devCount * 3
        }
        // A data message of this size could never fit in what is left: fail now, not at the first data message.
        guard size <= end - i else { throw ActivityFileError(.corrupt, "FIT file is cut short") }
        return FITDefinition(global: global, bigEndian: bigEndian, size: size, fields: fields)
    }

    // MARK: Field values

    /// The field's first element as a number, or nil for the base type's invalid value, an unknown base type or a
    /// size that is not a whole number of elements.
    @inline(__always)
    func value(_ field: FITField, at base: Int, bigEndian: Bool) -> Double? {
        let width = FITBaseType.size(field.baseType)
        guard width > 0, field.size >= width, field.size % width == 0 else { return nil }
        let o = base + field.offset
        switch field.baseType & 0x1F {
        case 0, 2, 13:  // enum, uint8, byte
            let v = bytes[o]
            return v == 0xFF ? nil : Double(v)
        case 1:  // sint8
            let v = Int8(bitPattern: bytes[o])
            return v == 0x7F ? nil : Double(v)
        case 10:  // uint8z
            let v = bytes[o]
            return v == 0 ? nil : Double(v)
        case 3:  // sint16
            let v = Int16(bitPattern: u16(o, bigEndian))
            return v == 0x7FFF ? nil : Double(v)
        case 4:  // uint16
            let v = u16(o, bigEndian)
            return v == 0xFFFF ? nil : Double(v)
        case 11:  // uint16z
            let v = u16(o, bigEndian)
            return v == 0 ? nil : Double(v)
        case 5:  // sint32
            let v = Int32(bitPattern: u32(o, bigEndian))
            return v == 0x7FFF_FFFF ? nil : Double(v)
        case 6:  // uint32
            let v = u32(o, bigEndian)
            return v == 0xFFFF_FFFF ? nil : Double(v)
        case 12:  // uint32z
            let v = u32(o, bigEndian)
            return v == 0 ? nil : Double(v)
        case 8:  // float32
            let bits = u32(o, bigEndian)
            let v = Float(bitPattern: bits)
            return bits == 0xFFFF_FFFF || !v.isFinite ? nil : Double(v)
        case 9:  // float64
            let bits = u64(o, bigEndian)
            let v = Double(bitPattern: bits)
            return bits == .max || !v.isFinite ? nil : v
        case 14:  // sint64
            let v = Int64(bitPattern: u64(o, bigEndian))
            return v == .max ? nil : Double(v)
        case 15:  // uint64
            let v = u64(o, bigEndian)
            return v == .max ? nil : Double(v)
        case 16:  // uint64z
            let v = u64(o, bigEndian)
            return v == 0 ? nil : Double(v)
        default:  // string (read by `string`)
            return nil
        }
    }

    @inline(__always)
    private func u16(_ o: Int, _ bigEndian: Bool) -> UInt16 {
        let a = UInt16(bytes[o])
        let b = UInt16(bytes[o + 1])
        return bigEndian ? a << 8 | b : b << 8 | a
    }

    @inline(__always)
    private func u32(_ o: Int, _ bigEndian: Bool) -> UInt32 {
        let a = UInt32(u16(o, bigEndian))
        let b = UInt32(u16(o + 2, bigEndian))
        return bigEndian ? a << 16 | b : b << 16 | a
    }

    @inline(__always)
    private func u64(_ o: Int, _ bigEndian: Bool) -> UInt64 {
        let a = UInt64(u32(o, bigEndian))
        let b = UInt64(u32(o + 4, bigEndian))
        return bigEndian ? a << 32 | b : b << 32 | a
    }

    /// A string field up to its first NUL, when it is UTF-8 and not empty.
    func string(_ field: FITField, at base: Int) -> String? {
        guard field.baseType & 0x1F == FITBaseType.string else { return nil }
        let from = base + field.offset
        var to = from
        while to < from + field.size && bytes[to] != 0 { to += 1 }
        guard to > from else { return nil }
        let text = String(validating: bytes[from..<to], as: UTF8.self)
        return text?.trimmingCharacters(in: .whitespaces)
    }

    /// A whole number in a sane range (an enum, a count), or nil: a corrupt float must never trap a conversion.
    @inline(__always)
    static func int(_ v: Double?) -> Int? {
        guard let v, v.isFinite, abs(v) < 9.0e15 else { return nil }
        return Int(v)
    }

    // MARK: Messages

    private func message(
        _ definition: FITDefinition, at base: Int, time: UInt32?, into content: inout FITContent,
        lastTimestamp: inout UInt32?, pauseStart: inout Double?
    ) throws(ActivityFileError) {
        let be = definition.bigEndian
        var timestamp: Double? = time.map { Double($0) + FITProfile.epochOffset }
        for field in definition.fields where field.number == FITProfile.timestampField {
            // A date_time is a uint32; any other type here is corruption and the message keeps no time.
            if let v = value(field, at: base, bigEndian: be), v >= 0, v <= 4_294_967_295, v == v.rounded() {
                lastTimestamp = UInt32(v)
                timestamp = v + FITProfile.epochOffset
            }
        }
        switch definition.global {
        case FITProfile.Message.record:
            try record(definition, at: base, time: timestamp, into: &content)
        case FITProfile.Message.event:
            var event: Int?
            var type: Int?
            for field in definition.fields {
                switch field.number {
                case FITProfile.Event.event: event = Self.int(value(field, at: base, bigEndian: be))
                case FITProfile.Event.eventType: type = Self.int(value(field, at: base, bigEndian: be))
                default: break
                }
            }
            guard event == FITProfile.Event.timer, let type, let timestamp else { return }
            // A stop opens a pause (a second stop keeps the first), the next start closes it; the stop at the very
            // end of the activity is never closed and is not a pause.
            if FITProfile.Event.isStop(type) {
                if pauseStart == nil { pauseStart = timestamp }
            } else if type == FITProfile.Event.start, let from = pauseStart {
                pauseStart = nil
                if timestamp > from {
                    guard content.pauses.count < Self.maxPauses else {
                        throw ActivityFileError(.tooLarge, "FIT file has more than \(Self.maxPauses) pauses")
                    }
                    content.pauses.append(RecordedPause(start: from, end: timestamp))
                }
            }
        case FITProfile.Message.session:
            guard content.sessions.count < Self.maxSessions else {
                throw ActivityFileError(.tooLarge, "FIT file has more than \(Self.maxSessions) sessions")
            }
            content.sessions.append(summary(definition, FITProfile.session, at: base, time: timestamp))
        case FITProfile.Message.lap:
            guard content.laps.count < Self.maxLaps else {
                throw ActivityFileError(.tooLarge, "FIT file has more than \(Self.maxLaps) laps")
            }
            content.laps.append(summary(definition, FITProfile.lap, at: base, time: timestamp))
        case FITProfile.Message.fileID:
            // The first file_id describes the file; later ones (rare) describe nothing we use.
            guard content.fileType == nil && content.manufacturer == nil else { return }
            for field in definition.fields {
                switch field.number {
                case FITProfile.FileID.type: content.fileType = Self.int(value(field, at: base, bigEndian: be))
                case FITProfile.FileID.manufacturer:
                    content.manufacturer = Self.int(value(field, at: base, bigEndian: be))
                case FITProfile.FileID.product: content.product = Self.int(value(field, at: base, bigEndian: be))
                case FITProfile.FileID.productName: content.productName = string(field, at: base)
                default: break
                }
            }
        case FITProfile.Message.sport:
            var sport: Int?
            var subSport: Int?
            for field in definition.fields {
                switch field.number {
                case FITProfile.SportMessage.sport: sport = Self.int(value(field, at: base, bigEndian: be))
                case FITProfile.SportMessage.subSport: subSport = Self.int(value(field, at: base, bigEndian: be))
                default: break
                }
            }
            if content.sportMessage == nil { content.sportMessage = (sport, subSport) }
        case FITProfile.Message.activity:
            for field in definition.fields where field.number == FITProfile.Activity.localTimestamp {
                if let local = value(field, at: base, bigEndian: be), let timestamp {
                    content.activityTimestamp = timestamp
                    content.activityLocalTimestamp = local + FITProfile.epochOffset
                }
            }
        default:
            break
        }
    }

    @inline(__always)
    private func record(
        _ definition: FITDefinition, at base: Int, time: Double?, into content: inout FITContent
    ) throws(ActivityFileError) {
        // A record without a time cannot be placed on the timeline.
        guard let time else { return }
        let be = definition.bigEndian
        var lat: Double?
        var long: Double?
        var altitude: Double?
        var enhancedAltitude: Double?
        var speed: Double?
        var enhancedSpeed: Double?
        var cadence: Double?
        var fractionalCadence: Double?
        var heartRate: Double?
        var distance: Double?
        for field in definition.fields {
            switch field.number {
            case FITProfile.Record.positionLat: lat = value(field, at: base, bigEndian: be)
            case FITProfile.Record.positionLong: long = value(field, at: base, bigEndian: be)
            case FITProfile.Record.altitude: altitude = value(field, at: base, bigEndian: be)
            case FITProfile.Record.enhancedAltitude: enhancedAltitude = value(field, at: base, bigEndian: be)
            case FITProfile.Record.speed: speed = value(field, at: base, bigEndian: be)
            case FITProfile.Record.enhancedSpeed: enhancedSpeed = value(field, at: base, bigEndian: be)
            case FITProfile.Record.cadence: cadence = value(field, at: base, bigEndian: be)
            case FITProfile.Record.fractionalCadence: fractionalCadence = value(field, at: base, bigEndian: be)
            case FITProfile.Record.heartRate: heartRate = value(field, at: base, bigEndian: be)
            case FITProfile.Record.distance: distance = value(field, at: base, bigEndian: be)
            default: break
            }
        }
        var sample = RecordedSample(time: time)
        // Semicircles to degrees; a position out of range is corruption, and half a position is none.
        if let lat, let long {
            let latitude = lat * (180.0 / 2_147_483_648.0)
            let longitude = long * (180.0 / 2_147_483_648.0)
            if abs(latitude) <= 90 && abs(longitude) <= 180 {
                sample.latitude = latitude
                sample.longitude = longitude
            }
        }
        if let distance { sample.distanceM = distance / 100 }
        if let a = enhancedAltitude ?? altitude { sample.altitudeM = a / 5 - 500 }
        if let s = enhancedSpeed ?? speed { sample.speedMS = s / 1000 }
        sample.heartRate = heartRate
        if let cadence { sample.cadence = cadence + (fractionalCadence ?? 0) / 128 }
        guard
            sample.latitude != nil || sample.distanceM != nil || sample.altitudeM != nil || sample.speedMS != nil
                || sample.heartRate != nil || sample.cadence != nil
        else { return }

        // Devices sometimes write two records for one second (position in one, heart rate in the other): the
        // common case of back-to-back duplicates is merged here, so a file of duplicates costs one sample.
        if let last = content.samples.last {
            if last.time == time {
                content.samples[content.samples.count - 1] = Self.merged(last, sample)
                return
            }
            if time < last.time { content.samplesInOrder = false }
        }
        guard content.samples.count < sampleLimit else {
            throw ActivityFileError(.tooLarge, "FIT file has more than \(sampleLimit) records")
        }
        content.samples.append(sample)
    }

    /// `first`, with the values it lacks taken from `second` (same time).
    static func merged(_ first: RecordedSample, _ second: RecordedSample) -> RecordedSample {
        var s = first
        if s.latitude == nil || s.longitude == nil {
            s.latitude = second.latitude
            s.longitude = second.longitude
        }
        s.distanceM = s.distanceM ?? second.distanceM
        s.altitudeM = s.altitudeM ?? second.altitudeM
        s.heartRate = s.heartRate ?? second.heartRate
        s.cadence = s.cadence ?? second.cadence
        s.speedMS = s.speedMS ?? second.speedMS
        return s
    }

    private func summary(
        _ definition: FITDefinition, _ fields: FITProfile.SummaryFields, at base: Int, time: Double?
    ) -> FITSummary {
        let be = definition.bigEndian
        var s = FITSummary(timestamp: time)
        for field in definition.fields {
            let n = field.number
            guard n != FITProfile.timestampField else { continue }
            let v = value(field, at: base, bigEndian: be)
            if n == fields.startTime {
                s.startTime = v.map { $0 + FITProfile.epochOffset }
            } else if n == fields.elapsed {
                s.elapsedS = v.map { $0 / 1000 }
            } else if n == fields.timer {
                s.timerS = v.map { $0 / 1000 }
            } else if n == fields.distance {
                s.distanceM = v.map { $0 / 100 }
            } else if n == fields.ascent {
                s.ascentM = v
            } else if n == fields.descent {
                s.descentM = v
            } else if n == fields.avgHeartRate {
                s.avgHeartRate = v
            } else if n == fields.maxHeartRate {
                s.maxHeartRate = v
            } else if n == fields.avgCadence {
                s.avgCadence = v
            } else if n == fields.avgFractionalCadence {
                s.avgFractionalCadence = v
            } else if n == fields.sport {
                s.sport = Self.int(v)
            } else if n == fields.subSport {
                s.subSport = Self.int(v)
            }
        }
        return s
    }
}
