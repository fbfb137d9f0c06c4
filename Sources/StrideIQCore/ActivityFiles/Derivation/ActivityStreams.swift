import Foundation

/// The per-sample series of one activity, as the API serves them and as they are stored (`encoded()`).
/// `time` is always present; every other key is nil when no sample carries that value.
public struct ActivityStreams: Sendable, Equatable {
    /// Seconds since the activity's start time.
    public var time: [Double]
    /// Cumulative metres (the device's own distance where it recorded one, else measured along the positions).
    public var distance: [Double]?
    public var heartRate: [Double?]?
    /// Steps per minute, both feet (cycling: revolutions per minute).
    public var cadence: [Double?]?
    public var altitude: [Double?]?
    public var latitude: [Double?]?
    public var longitude: [Double?]?

    public init(
        time: [Double], distance: [Double]? = nil, heartRate: [Double?]? = nil, cadence: [Double?]? = nil,
        altitude: [Double?]? = nil, latitude: [Double?]? = nil, longitude: [Double?]? = nil
    ) {
        self.time = time
        self.distance = distance
        self.heartRate = heartRate
        self.cadence = cadence
        self.altitude = altitude
        self.latitude = latitude
        self.longitude = longitude
    }

    public var count: Int { time.count }

    /// The keys present, in a fixed order; these are the names `?keys=` accepts.
    public var keys: [String] {
        var keys = ["time"]
        if distance != nil { keys.append("distance") }
        if heartRate != nil { keys.append("heartrate") }
        if cadence != nil { keys.append("cadence") }
        if altitude != nil { keys.append("altitude") }
        if latitude != nil && longitude != nil { keys.append("latlng") }
        return keys
    }

    /// Every key a stream can have, in the order `keys` lists them.
    public static let allKeys = ["time", "distance", "heartrate", "cadence", "altitude", "latlng"]

    /// Every column exactly as long as `time`: a column built apart from the others that came out longer is cut,
    /// one that came out shorter is padded (missing values; distance carries its last value). Encoding, resampling
    /// and the GPX writer index every column by the time index, so they call this rather than trust the lengths.
    public func normalized() -> ActivityStreams {
        let n = time.count
        func fit(_ values: [Double?]?) -> [Double?]? {
            guard let values, values.count != n else { return values }
            return values.count > n ? Array(values.prefix(n)) : values + [Double?](repeating: nil, count: n - values.count)
        }
        var out = self
        if let distance, distance.count != n {
            out.distance =
                distance.count > n
                ? Array(distance.prefix(n)) : distance + [Double](repeating: distance.last ?? 0, count: n - distance.count)
        }
        out.heartRate = fit(heartRate)
        out.cadence = fit(cadence)
        out.altitude = fit(altitude)
        out.latitude = fit(latitude)
        out.longitude = fit(longitude)
        return out
    }

    /// At most `maxPoints` samples picked evenly by index, always keeping the first and the last.
    public func resampled(maxPoints: Int) -> ActivityStreams {
        let n = count
        if n <= maxPoints { return normalized() }
        let source = normalized()
        let indices: [Int]
        if maxPoints <= 0 {
            indices = []
        } else if maxPoints == 1 {
            indices = [0]
        } else {
            // Index k of m maps to round(k·(n−1)/(m−1)): 0 and n−1 are exact, and the picks strictly increase
            // because the step (n−1)/(m−1) is above 1 when n > m.
            let step = Double(n - 1) / Double(maxPoints - 1)
            indices = (0..<maxPoints).map { k in min(n - 1, Int((Double(k) * step).rounded())) }
        }
        func pick<T>(_ values: [T]?) -> [T]? { values.map { v in indices.map { v[$0] } } }
        return ActivityStreams(
            time: indices.map { time[$0] }, distance: pick(source.distance), heartRate: pick(source.heartRate),
            cadence: pick(source.cadence), altitude: pick(source.altitude), latitude: pick(source.latitude),
            longitude: pick(source.longitude))
    }
}

// MARK: - Compact binary form

// Layout (version 1), all integers little-endian:
//   byte     version (1)
//   varint   sample count n
//   byte     which keys follow: bit 0 distance, 1 heart rate, 2 cadence, 3 altitude, 4 position
//   time     n zigzag varints: milliseconds, each the difference from the one before (the first from 0)
//   distance n zigzag varints: centimetres, differences likewise
//   then for heart rate, cadence, altitude and position, each when its bit is set:
//     byte   0 = every sample has a value, 1 = a bitmap of ⌈n/8⌉ bytes follows (bit i set = sample i has one)
//     values for the samples that have one: heart rate and cadence one byte each (whole beats / steps per
//            minute, 0…254); altitude as zigzag varint differences of decimetres; position as zigzag varint
//            differences of latitude then longitude in 1e-7 degrees (each fits an Int32).
// Differences instead of absolute Int32s are what keep a fully populated 1 Hz run near 11 bytes a sample:
// 2 for time, 2 for distance, 1 + 1 for heart rate and cadence, 1 for altitude, 2 + 2 for the position.
// Precision: 1 ms, 1 cm, 1 bpm, 1 step/min, 0.1 m, 1e-7° (about 1 cm).

extension ActivityStreams {
    static let encodingVersion: UInt8 = 1

    private enum Flag {
        static let distance: UInt8 = 1 << 0
        static let heartRate: UInt8 = 1 << 1
        static let cadence: UInt8 = 1 << 2
        static let altitude: UInt8 = 1 << 3
        static let position: UInt8 = 1 << 4
        static let all: UInt8 = 0x1F
    }

    /// The compact binary form described above; `init(decoding:)` reads it back.
    public func encoded() -> [UInt8] {
        let streams = normalized()
        return streams.encodedNormalized()
    }

    private func encodedNormalized() -> [UInt8] {
        let n = count
        var out = ByteWriter()
        out.bytes.reserveCapacity(16 + n * 12)
        out.byte(Self.encodingVersion)
        out.varint(UInt64(n))
        let hasPosition = latitude != nil && longitude != nil
        var flags: UInt8 = 0
        if distance != nil { flags |= Flag.distance }
        if heartRate != nil { flags |= Flag.heartRate }
        if cadence != nil { flags |= Flag.cadence }
        if altitude != nil { flags |= Flag.altitude }
        if hasPosition { flags |= Flag.position }
        out.byte(flags)

        out.deltas(time.map { Quantize.integer($0, scale: 1000, limit: Quantize.maxMagnitude) })
        if let distance {
            out.deltas(distance.map { Quantize.integer($0, scale: 100, limit: Quantize.maxMagnitude) })
        }
        if let heartRate { out.bytesColumn(heartRate.map(Quantize.byte)) }
        if let cadence { out.bytesColumn(cadence.map(Quantize.byte)) }
        if let altitude {
            out.deltaColumn(altitude.map { $0.flatMap { Quantize.optionalInteger($0, scale: 10, limit: Int64(Int32.max)) } })
        }
        if hasPosition, let latitude, let longitude {
            // A sample has a position only when both halves are present and on the globe.
            var lats: [Int64?] = []
            var lons: [Int64?] = []
            lats.reserveCapacity(n)
            lons.reserveCapacity(n)
            for i in 0..<n {
                if let lat = latitude[i], let lon = longitude[i], lat.isFinite, lon.isFinite, abs(lat) <= 90, abs(lon) <= 180 {
                    lats.append(Int64((lat * 1e7).rounded()))
                    lons.append(Int64((lon * 1e7).rounded()))
                } else {
                    lats.append(nil)
                    lons.append(nil)
                }
            }
            out.presence(lats.map { $0 != nil })
            var previousLat: Int64 = 0
            var previousLon: Int64 = 0
            for i in 0..<n {
                guard let lat = lats[i], let lon = lons[i] else { continue }
                out.zigzag(lat - previousLat)
                out.zigzag(lon - previousLon)
                previousLat = lat
                previousLon = lon
            }
        }
        return out.bytes
    }

    /// Reads `encoded()` back. Anything else (another version, cut short, trailing bytes, a value out of range)
    /// throws `corrupt_file` rather than trapping: stored streams are read back from a database we do not trust
    /// blindly.
    public init(decoding bytes: [UInt8]) throws(ActivityFileError) {
        var reader = ByteReader(bytes: bytes)
        let version = try reader.byte()
        guard version == Self.encodingVersion else {
            throw ActivityFileError(.corrupt, "Unknown stream encoding version \(version).")
        }
        let rawCount = try reader.varint()
        // Every sample costs at least one byte (its time), so a count above the bytes left is a lie; checking it
        // first keeps a forged count from allocating gigabytes.
        guard rawCount <= UInt64(reader.remaining) else {
            throw ActivityFileError(.corrupt, "Stream sample count \(rawCount) exceeds the data.")
        }
        let n = Int(rawCount)
        let flags = try reader.byte()
        guard flags & ~Flag.all == 0 else { throw ActivityFileError(.corrupt, "Unknown stream keys.") }

        let time = try reader.deltas(n).map { Double($0) / 1000 }
        var streams = ActivityStreams(time: time)
        if flags & Flag.distance != 0 {
            streams.distance = try reader.deltas(n).map { Double($0) / 100 }
        }
        if flags & Flag.heartRate != 0 { streams.heartRate = try reader.bytesColumn(n) }
        if flags & Flag.cadence != 0 { streams.cadence = try reader.bytesColumn(n) }
        if flags & Flag.altitude != 0 {
            let present = try reader.presence(n)
            var values: [Double?] = []
            values.reserveCapacity(n)
            var previous: Int64 = 0
            for has in present {
                guard has else {
                    values.append(nil)
                    continue
                }
                previous = try reader.addingZigzag(to: previous)
                guard abs(previous) <= Int64(Int32.max) else { throw ActivityFileError(.corrupt, "Altitude out of range.") }
                values.append(Double(previous) / 10)
            }
            streams.altitude = values
        }
        if flags & Flag.position != 0 {
            let present = try reader.presence(n)
            var lats: [Double?] = []
            var lons: [Double?] = []
            lats.reserveCapacity(n)
            lons.reserveCapacity(n)
            var lat: Int64 = 0
            var lon: Int64 = 0
            for has in present {
                guard has else {
                    lats.append(nil)
                    lons.append(nil)
                    continue
                }
                lat = try reader.addingZigzag(to: lat)
                lon = try reader.addingZigzag(to: lon)
                guard abs(lat) <= 900_000_000, abs(lon) <= 1_800_000_000 else {
                    throw ActivityFileError(.corrupt, "Position out of range.")
                }
                lats.append(Double(lat) / 1e7)
                lons.append(Double(lon) / 1e7)
            }
            streams.latitude = lats
            streams.longitude = lons
        }
        guard reader.remaining == 0 else {
            throw ActivityFileError(.corrupt, "Trailing bytes after the streams.")
        }
        self = streams
    }
}

/// Doubles to the integers the binary form stores. Never traps: NaN and infinities become "missing" (or 0 in the
/// always-present columns) and magnitudes are clamped, because `Int64(Double)` traps on both.
private enum Quantize {
    /// 2^52: beyond it a Double no longer holds every integer, and sums of deltas cannot overflow Int64.
    static let maxMagnitude: Int64 = 1 << 52

    static func integer(_ value: Double, scale: Double, limit: Int64) -> Int64 {
        optionalInteger(value, scale: scale, limit: limit) ?? 0
    }

    static func optionalInteger(_ value: Double, scale: Double, limit: Int64) -> Int64? {
        let scaled = (value * scale).rounded()
        guard scaled.isFinite else { return nil }
        return Int64(max(-Double(limit), min(Double(limit), scaled)))
    }

    static func byte(_ value: Double?) -> UInt8? {
        guard let value, value.isFinite else { return nil }
        return UInt8(max(0, min(254, value.rounded())))
    }
}

private struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ b: UInt8) { bytes.append(b) }

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func zigzag(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// Every value present: differences from the one before.
    mutating func deltas(_ values: [Int64]) {
        var previous: Int64 = 0
        for v in values {
            zigzag(v &- previous)
            previous = v
        }
    }

    /// Mode byte 0 (all present) or 1 plus a bitmap.
    mutating func presence(_ present: [Bool]) {
        if present.allSatisfy({ $0 }) {
            byte(0)
            return
        }
        byte(1)
        var bitmap = [UInt8](repeating: 0, count: (present.count + 7) / 8)
        for (i, has) in present.enumerated() where has { bitmap[i >> 3] |= 1 << UInt8(i & 7) }
        bytes.append(contentsOf: bitmap)
    }

    mutating func bytesColumn(_ values: [UInt8?]) {
        presence(values.map { $0 != nil })
        for v in values { if let v { bytes.append(v) } }
    }

    mutating func deltaColumn(_ values: [Int64?]) {
        presence(values.map { $0 != nil })
        var previous: Int64 = 0
        for v in values {
            guard let v else { continue }
            zigzag(v - previous)
            previous = v
        }
    }
}

private struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    var remaining: Int { bytes.count - offset }

    private static func truncated() -> ActivityFileError { ActivityFileError(.corrupt, "Stream data is cut short.") }

    mutating func byte() throws(ActivityFileError) -> UInt8 {
        guard offset < bytes.count else { throw Self.truncated() }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func varint() throws(ActivityFileError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            // Ten bytes carry 64 bits; a tenth byte above 1 or an eleventh would overflow.
            guard shift < 63 || (shift == 63 && b <= 1) else {
                throw ActivityFileError(.corrupt, "Stream varint overflows.")
            }
            value |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return value }
            shift += 7
        }
    }

    mutating func zigzag() throws(ActivityFileError) -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    /// The running sum, refusing one that leaves the range a Double holds exactly (no overflow trap).
    mutating func addingZigzag(to previous: Int64) throws(ActivityFileError) -> Int64 {
        let (sum, overflow) = previous.addingReportingOverflow(try zigzag())
        guard !overflow, abs(sum) <= Quantize.maxMagnitude else {
            throw ActivityFileError(.corrupt, "Stream value out of range.")
        }
        return sum
    }

    mutating func deltas(_ n: Int) throws(ActivityFileError) -> [Int64] {
        var values: [Int64] = []
        values.reserveCapacity(n)
        var previous: Int64 = 0
        for _ in 0..<n {
            previous = try addingZigzag(to: previous)
            values.append(previous)
        }
        return values
    }

    mutating func presence(_ n: Int) throws(ActivityFileError) -> [Bool] {
        switch try byte() {
        case 0:
            return [Bool](repeating: true, count: n)
        case 1:
            let length = (n + 7) / 8
            guard length <= remaining else { throw Self.truncated() }
            var present = [Bool](repeating: false, count: n)
            for i in 0..<n { present[i] = bytes[offset + (i >> 3)] & (1 << UInt8(i & 7)) != 0 }
            offset += length
            return present
        case let mode:
            throw ActivityFileError(.corrupt, "Unknown stream presence mode \(mode).")
        }
    }

    mutating func bytesColumn(_ n: Int) throws(ActivityFileError) -> [Double?] {
        let present = try presence(n)
        var values: [Double?] = []
        values.reserveCapacity(n)
        for has in present {
            if has {
                let b = try byte()
                guard b != 0xFF else { throw ActivityFileError(.corrupt, "Stream byte value out of range.") }
                values.append(Double(b))
            } else {
                values.append(nil)
            }
        }
        return values
    }
}
