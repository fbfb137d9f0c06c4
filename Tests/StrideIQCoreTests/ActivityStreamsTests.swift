import Foundation
import Testing

@testable import StrideIQCore

@Suite("Activity streams")
struct ActivityStreamsTests {
    /// A 1 Hz run with every key, fractional values, and gaps in heart rate, cadence, altitude and position.
    static func fullStreams(count: Int = 3600) -> ActivityStreams {
        var noise = DerivationNoise(state: 11)
        var streams = ActivityStreams(time: [], distance: [], heartRate: [], cadence: [], altitude: [], latitude: [], longitude: [])
        var d = 0.0
        for i in 0..<count {
            d += 3.2 + 0.3 * noise.next()
            streams.time.append(Double(i) + (i % 7 == 0 ? 0.25 : 0))
            streams.distance!.append(d)
            streams.heartRate!.append(i % 50 == 3 ? nil : 150.4 + 8 * noise.next())
            streams.cadence!.append(i % 90 == 5 ? nil : 178 + 3 * noise.next())
            streams.altitude!.append(i % 200 == 7 ? nil : 250 + 30 * sin(Double(i) / 400) + noise.next())
            let hasPosition = i % 300 != 9
            streams.latitude!.append(hasPosition ? 51.5 + d / 111_195 + 1e-5 * noise.next() : nil)
            streams.longitude!.append(hasPosition ? -0.12 + 2e-3 * sin(Double(i) / 200) : nil)
        }
        return streams
    }

    static func expectClose(_ a: [Double?]?, _ b: [Double?]?, within tolerance: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let a, let b else {
            #expect(a == nil && b == nil, sourceLocation: sourceLocation)
            return
        }
        #expect(a.count == b.count, sourceLocation: sourceLocation)
        for (x, y) in zip(a, b) {
            switch (x, y) {
            case (nil, nil): continue
            case (let x?, let y?): #expect(abs(x - y) <= tolerance, "\(x) vs \(y)", sourceLocation: sourceLocation)
            default: Issue.record("presence differs: \(String(describing: x)) vs \(String(describing: y))", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func roundTripWithinStatedPrecision() throws {
        let streams = Self.fullStreams()
        let bytes = streams.encoded()
        let decoded = try ActivityStreams(decoding: bytes)
        #expect(decoded.keys == ["time", "distance", "heartrate", "cadence", "altitude", "latlng"])
        #expect(decoded.count == streams.count)
        Self.expectClose(decoded.time, streams.time, within: 0.0005)
        Self.expectClose(decoded.distance, streams.distance, within: 0.005)
        Self.expectClose(decoded.heartRate, streams.heartRate, within: 0.5)
        Self.expectClose(decoded.cadence, streams.cadence, within: 0.5)
        Self.expectClose(decoded.altitude, streams.altitude, within: 0.05)
        Self.expectClose(decoded.latitude, streams.latitude, within: 0.5e-7)
        Self.expectClose(decoded.longitude, streams.longitude, within: 0.5e-7)
        // Decoding what was decoded is exact: the stored form is stable.
        #expect(try ActivityStreams(decoding: decoded.encoded()) == decoded)

        let perSample = Double(bytes.count) / Double(streams.count)
        print("stream encoding: \(perSample) bytes/sample with every key")
        #expect(perSample <= 12)
    }

    @Test func roundTripOfSparseAndEmptyStreams() throws {
        let timeOnly = ActivityStreams(time: [0, 1, 2.5, 1_000_000])
        #expect(try ActivityStreams(decoding: timeOnly.encoded()) == timeOnly)
        let empty = ActivityStreams(time: [])
        #expect(try ActivityStreams(decoding: empty.encoded()) == empty)
        let negative = ActivityStreams(
            time: [-3, 0, 4], altitude: [-12.3, nil, 8848.9], latitude: [-33.9, nil, 0], longitude: [151.2, nil, -180])
        #expect(try ActivityStreams(decoding: negative.encoded()) == negative)
        // Values the compact form cannot hold are dropped or clamped, never a trap.
        let odd = ActivityStreams(
            time: [0, .nan, .infinity], heartRate: [.nan, 999, -4], latitude: [91, 45, 45], longitude: [0, 200, 7])
        let back = try ActivityStreams(decoding: odd.encoded())
        #expect(back.heartRate == [nil, 254, 0])
        #expect(back.latitude == [nil, nil, 45] && back.longitude == [nil, nil, 7])
    }

    @Test func columnsOfTheWrongLengthAreFittedNotTrapped() throws {
        let ragged = ActivityStreams(
            time: [0, 1, 2, 3], distance: [0, 3], heartRate: [150], cadence: [1, 2, 3, 4, 5, 6], latitude: [1, 1, 1, 1, 1],
            longitude: [2, 2])
        let fitted = ragged.normalized()
        #expect(fitted.distance == [0, 3, 3, 3])
        #expect(fitted.heartRate == [150, nil, nil, nil])
        #expect(fitted.cadence == [1, 2, 3, 4])
        #expect(fitted.latitude == [1, 1, 1, 1] && fitted.longitude == [2, 2, nil, nil])
        let decoded = try ActivityStreams(decoding: ragged.encoded())
        #expect(decoded.distance == fitted.distance && decoded.heartRate == fitted.heartRate && decoded.cadence == fitted.cadence)
        // A position needs both halves.
        #expect(decoded.latitude == [1, 1, nil, nil] && decoded.longitude == [2, 2, nil, nil])
        #expect(ragged.resampled(maxPoints: 2).heartRate == [150, nil])
        #expect(GPXWriter.write(name: "r", sport: .run, startTime: 0, streams: ragged).components(separatedBy: "<trkpt").count == 3)
    }

    @Test func truncatedBytesThrow() throws {
        let bytes = Self.fullStreams(count: 300).encoded()
        for length in 0..<bytes.count {
            #expect(throws: ActivityFileError.self) { try ActivityStreams(decoding: Array(bytes.prefix(length))) }
        }
        #expect(throws: ActivityFileError.self) { try ActivityStreams(decoding: bytes + [0]) }
    }

    @Test func garbageThrowsOrDecodesWithoutCrashing() {
        var noise = DerivationNoise(state: 99)
        func randomByte() -> UInt8 { UInt8(truncatingIfNeeded: Int((noise.next() + 1) * 128)) }
        let valid = Self.fullStreams(count: 200).encoded()
        var thrown = 0
        for round in 0..<3000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<(round % 97)).map { _ in randomByte() }
                if round % 4 == 0, !bytes.isEmpty { bytes[0] = 1 }  // past the version check
            } else {
                bytes = valid
                for _ in 0..<(1 + round % 5) { bytes[Int((noise.next() + 1) / 2 * Double(bytes.count - 1))] = randomByte() }
            }
            do {
                let streams = try ActivityStreams(decoding: bytes)
                // Whatever decodes is internally consistent.
                #expect(streams.distance.map { $0.count == streams.count } ?? true)
                #expect(streams.latitude?.count == streams.longitude?.count)
            } catch {
                thrown += 1
            }
        }
        #expect(thrown > 1000)
    }

    @Test func forgedHeadersAreRefused() {
        // Another version.
        #expect(throws: ActivityFileError.self) { try ActivityStreams(decoding: [2, 0, 0]) }
        // A count far beyond the bytes (would allocate gigabytes if believed).
        #expect(throws: ActivityFileError.self) { try ActivityStreams(decoding: [1, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0]) }
        // A varint that never ends / overflows 64 bits.
        #expect(throws: ActivityFileError.self) { try ActivityStreams(decoding: [1] + [UInt8](repeating: 0xFF, count: 12)) }
        // Unknown key bits, an unknown presence mode.
        #expect(throws: ActivityFileError.self) { try ActivityStreams(decoding: [1, 1, 0x20, 0]) }
        #expect(throws: ActivityFileError.self) { try ActivityStreams(decoding: [1, 1, 0x02, 0, 7, 150]) }
        // Heart rate 0xFF is never written.
        #expect(throws: ActivityFileError.self) { try ActivityStreams(decoding: [1, 1, 0x02, 0, 0, 0xFF]) }
        // A latitude beyond 90°: 1e9 in 1e-7 degrees, zigzag-encoded.
        var latitude: [UInt8] = []
        var v: UInt64 = 2_000_000_000
        while v >= 0x80 {
            latitude.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        latitude.append(UInt8(v))
        #expect(throws: ActivityFileError.self) { try ActivityStreams(decoding: [1, 1, 0x10, 0, 0] + latitude + [0]) }
        #expect(throws: Never.self) { try ActivityStreams(decoding: [1, 1, 0x02, 0, 0, 150]) }
    }

    @Test func resampledKeepsEndsAndSize() {
        let streams = Self.fullStreams(count: 10_800)
        let small = streams.resampled(maxPoints: 1000)
        #expect(small.count == 1000)
        #expect(small.time.first == streams.time.first && small.time.last == streams.time.last)
        #expect(small.latitude?.count == 1000 && small.heartRate?.count == 1000 && small.distance?.count == 1000)
        #expect(small.distance?.last == streams.distance?.last)
        #expect(zip(small.time, small.time.dropFirst()).allSatisfy { $0 < $1 })
        #expect(small.keys == streams.keys)
        #expect(streams.resampled(maxPoints: 10_800) == streams)
        #expect(streams.resampled(maxPoints: 50_000) == streams)
        #expect(streams.resampled(maxPoints: 2).time == [streams.time[0], streams.time[10_799]])
        #expect(streams.resampled(maxPoints: 1).count == 1)
        #expect(streams.resampled(maxPoints: 0).count == 0)
        // Evenly spread: 10,800 → 4 picks indices 0, 3600, 7199, 10799.
        #expect(streams.resampled(maxPoints: 4).distance == [0, 3600, 7199, 10_799].map { streams.distance![$0] })
    }

    // MARK: - GPX export

    static func gpxStreams() -> ActivityStreams {
        ActivityStreams(
            time: [0, 1, 2.5, 3], distance: [0, 3, 6, 9], heartRate: [140, nil, 142, 143], cadence: [170, 171, nil, 172],
            altitude: [12.3, 12.5, nil, 13], latitude: [52.1, 52.10003, nil, 52.10009], longitude: [4.3, 4.30001, nil, 4.30002])
    }

    @Test func gpxRoundTripsThroughTheDecoder() throws {
        let start = 1_711_846_800.0  // 2024-03-31T01:00:00Z
        let xml = GPXWriter.write(name: "Tom & Jerry's <\"easy\"> run", sport: .run, startTime: start, streams: Self.gpxStreams())
        let file = try GPXDecoder.decode(Array(xml.utf8))
        #expect(file.device == "StrideIQ")
        let activity = try #require(file.activities.first)
        #expect(activity.name == "Tom & Jerry's <\"easy\"> run")
        #expect(activity.sport == .run)
        #expect(activity.startTime == start)
        // The point without a position is left out.
        #expect(activity.samples.map(\.time) == [start, start + 1, start + 3])
        #expect(activity.samples.map(\.latitude) == [52.1, 52.10003, 52.10009])
        #expect(activity.samples.map(\.longitude) == [4.3, 4.30001, 4.30002])
        #expect(activity.samples.map(\.altitudeM) == [12.3, 12.5, 13])
        #expect(activity.samples.map(\.heartRate) == [140, nil, 143])
        // Cadence goes out per foot (85, 85.5 → 86, 86) and comes back as steps per minute.
        #expect(activity.samples.map(\.cadence) == [170, 172, 172])
        #expect(xml.contains("<time>2024-03-31T01:00:00Z</time>"))
        #expect(xml.contains("<gpxtpx:cad>85</gpxtpx:cad>"))
        #expect(xml.contains("&lt;&quot;easy&quot;&gt;"))
    }

    @Test func gpxTimesCarryMillisecondsOnlyWhenFractional() {
        let streams = ActivityStreams(time: [0, 0.5, 1.25], latitude: [1, 1, 1], longitude: [2, 2, 2])
        let xml = GPXWriter.write(name: "x", sport: .cycling, startTime: 946_684_799, streams: streams)
        #expect(xml.contains("<time>1999-12-31T23:59:59Z</time>"))
        #expect(xml.contains("<time>1999-12-31T23:59:59.500Z</time>"))
        #expect(xml.contains("<time>2000-01-01T00:00:00.250Z</time>"))
        #expect(xml.contains("<type>cycling</type>"))
        #expect(GPXWriter.timestamp(951_782_400) == "2000-02-29T00:00:00Z")
        #expect(GPXWriter.timestamp(-1) == "1969-12-31T23:59:59Z")
        #expect(GPXWriter.decimal(-0.00000004, places: 7) == "0")
        #expect(GPXWriter.decimal(-12.34, places: 1) == "-12.3")
        #expect(GPXWriter.decimal(0.05, places: 7) == "0.05")
        #expect(GPXWriter.decimal(4.3, places: 7) == "4.3")
    }

    @Test func gpxWithoutPositionsIsATrackWithoutPoints() throws {
        let streams = ActivityStreams(time: [0, 1, 2], distance: [0, 3, 6], heartRate: [150, 151, 152])
        let xml = GPXWriter.write(name: "Treadmill", sport: .run, startTime: 1_700_000_000, streams: streams)
        #expect(xml.contains("<trk>"))
        #expect(!xml.contains("<trkpt"))
        #expect(xml.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gpx version=\"1.1\""))
        // Our decoder refuses it as having no points (rather than failing to parse it).
        #expect(throws: ActivityFileError(.noData, "the GPX file has no track points")) { try GPXDecoder.decode(Array(xml.utf8)) }
    }
}
