import Foundation
import Testing

@testable import StrideIQCore

@Suite("GPX decoder")
struct GPXDecoderTests {
    static func decode(_ xml: String) throws -> DecodedActivityFile {
        try GPXDecoder.decode(Array(xml.utf8))
    }

    static func error(_ xml: String) -> ActivityFileError? {
        error(Array(xml.utf8))
    }

    static func error(_ bytes: [UInt8]) -> ActivityFileError? {
        do {
            _ = try GPXDecoder.decode(bytes)
            return nil
        } catch let error as ActivityFileError {
            return error
        } catch {
            Issue.record("threw something other than ActivityFileError: \(error)")
            return nil
        }
    }

    /// 2024-05-04T07:30:00Z.
    static let start = 1_714_807_800.0

    static func iso(_ time: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: time))
    }

    /// The shape of the GPX in a Strava "export my data" archive: creator StravaGPX, Garmin's TrackPointExtension
    /// under the `gpxtpx` prefix, a `power` extension, a type, one segment.
    static func stravaGPX(points: Int, type: String = "running") -> String {
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <gpx creator="StravaGPX" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
            xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd \
            http://www.garmin.com/xmlschemas/GpxExtensions/v3 http://www.garmin.com/xmlschemas/GpxExtensionsv3.xsd \
            http://www.garmin.com/xmlschemas/TrackPointExtension/v1 http://www.garmin.com/xmlschemas/TrackPointExtensionv1.xsd" \
            version="1.1" xmlns="http://www.topografix.com/GPX/1/1" \
            xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1" \
            xmlns:gpxx="http://www.garmin.com/xmlschemas/GpxExtensions/v3">
             <metadata>
              <time>\(iso(start))</time>
             </metadata>
             <trk>
              <name>Morning Run</name>
              <type>\(type)</type>
              <trkseg>

            """
        // Formatted by hand from integers: a formatter per point would make the 10,800-point fixture slower to
        // write than to decode.
        func fixed(_ units: Int, places: Int) -> String {
            let magnitude = String(abs(units))
            let padded = String(repeating: "0", count: max(0, places + 1 - magnitude.count)) + magnitude
            return (units < 0 ? "-" : "") + padded.dropLast(places) + "." + padded.suffix(places)
        }
        func clock(_ seconds: Int) -> String {
            func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
            // The fixtures start at 07:30:00 on 2024-05-04 and stay within the day.
            let t = 7 * 3600 + 30 * 60 + seconds
            return "2024-05-04T\(two(t / 3600)):\(two(t / 60 % 60)):\(two(t % 60))Z"
        }
        for i in 0..<points {
            xml += """
                   <trkpt lat="\(fixed(515_000_000 + i * 300, places: 7))" lon="\(fixed(-1_200_000 + i * 200, places: 7))">
                    <ele>\(fixed(120 + (i % 50) * 2, places: 1))</ele>
                    <time>\(clock(i))</time>
                    <extensions>
                     <power>\(200 + i % 30)</power>
                     <gpxtpx:TrackPointExtension>
                      <gpxtpx:hr>\(140 + i % 20)</gpxtpx:hr>
                      <gpxtpx:cad>\(85 + i % 5)</gpxtpx:cad>
                     </gpxtpx:TrackPointExtension>
                    </extensions>
                   </trkpt>

                """
        }
        xml += "  </trkseg>\n </trk>\n</gpx>\n"
        return xml
    }

    @Test func stravaExport() throws {
        let file = try Self.decode(Self.stravaGPX(points: 5))
        #expect(file.format == .gpx)
        #expect(file.device == "StravaGPX")
        let run = try #require(file.activities.first)
        #expect(file.activities.count == 1)
        #expect(run.name == "Morning Run")
        #expect(run.sport == .run)
        #expect(run.startTime == Self.start)
        #expect(run.utcOffsetS == nil)
        #expect(run.pauses.isEmpty)
        #expect(run.samples.count == 5)
        #expect(run.samples.map(\.time) == (0..<5).map { Self.start + Double($0) })
        let first = run.samples[0]
        #expect(first.latitude == 51.5 && first.longitude == -0.12)
        #expect(first.altitudeM == 12.0)
        #expect(first.heartRate == 140)
        // 85 strides per minute per foot, 170 steps.
        #expect(first.cadence == 170)
        #expect(run.samples[4].heartRate == 144 && run.samples[4].cadence == 178)
        #expect(first.distanceM == nil && first.speedMS == nil)
    }

    @Test func aRideKeepsCrankCadenceAndStravasNumericTypesAreRead() throws {
        let ride = try #require(try Self.decode(Self.stravaGPX(points: 2, type: "1")).activities.first)
        #expect(ride.sport == .cycling)
        #expect(ride.samples[0].cadence == 85)
        #expect(try Self.decode(Self.stravaGPX(points: 2, type: "9")).activities.first?.sport == .run)
        #expect(try Self.decode(Self.stravaGPX(points: 2, type: "kitesurfing")).activities.first?.sport == .other)
        #expect(try Self.decode(Self.stravaGPX(points: 2, type: "hiking")).activities.first?.samples[0].cadence == 170)
    }

    @Test func garminConnectExport() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <gpx creator="Garmin Connect" version="1.1"
              xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/11.xsd"
              xmlns:ns3="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
              xmlns="http://www.topografix.com/GPX/1/1"
              xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ns2="http://www.garmin.com/xmlschemas/GpxExtensions/v3">
              <metadata>
                <link href="connect.garmin.com">
                  <text>Garmin Connect</text>
                </link>
                <time>2024-05-04T07:30:00.000Z</time>
              </metadata>
              <trk>
                <name>London Running</name>
                <type>running</type>
                <trkseg>
                  <trkpt lat="51.50000000" lon="-0.12000000">
                    <ele>11.600000381469727</ele>
                    <time>2024-05-04T07:30:00.000Z</time>
                    <extensions>
                      <ns3:TrackPointExtension>
                        <ns3:atemp>21.0</ns3:atemp>
                        <ns3:hr>98</ns3:hr>
                        <ns3:cad>77</ns3:cad>
                      </ns3:TrackPointExtension>
                    </extensions>
                  </trkpt>
                  <trkpt lat="51.50003000" lon="-0.12002000">
                    <ele>11.8</ele>
                    <time>2024-05-04T07:30:01.500Z</time>
                    <extensions><ns3:TrackPointExtension><ns3:hr>99</ns3:hr></ns3:TrackPointExtension></extensions>
                  </trkpt>
                </trkseg>
              </trk>
            </gpx>
            """
        let file = try Self.decode(xml)
        #expect(file.device == "Garmin Connect")
        let run = try #require(file.activities.first)
        #expect(run.name == "London Running")
        #expect(run.sport == .run)
        #expect(run.samples.map(\.time) == [Self.start, Self.start + 1.5])
        #expect(run.samples[0].altitudeM == 11.600000381469727)
        #expect(run.samples[0].heartRate == 98 && run.samples[0].cadence == 154)
        #expect(run.samples[1].heartRate == 99 && run.samples[1].cadence == nil)
    }

    @Test func gpx10WithSpeedAuthorAndNoType() throws {
        let xml = """
            <?xml version="1.0"?>
            <gpx version="1.0" creator="GPSBabel - http://www.gpsbabel.org" xmlns="http://www.topografix.com/GPX/1/0">
            <name>Saturday long run</name>
            <author>Pat Runner</author>
            <time>2024-05-04T07:30:00Z</time>
            <trk>
            <trkseg>
            <trkpt lat="45.0" lon="7.0"><ele>240</ele><time>2024-05-04T07:30:00Z</time><course>90</course><speed>3.2</speed></trkpt>
            <trkpt lat="45.0001" lon="7.0"><ele>241</ele><time>2024-05-04T07:30:05Z</time><speed>3.4</speed></trkpt>
            </trkseg>
            </trk>
            </gpx>
            """
        let file = try Self.decode(xml)
        #expect(file.device == "GPSBabel - http://www.gpsbabel.org")
        let run = try #require(file.activities.first)
        #expect(run.name == "Saturday long run")
        #expect(run.sport == .run)
        #expect(run.samples.map(\.speedMS) == [3.2, 3.4])
        #expect(run.samples.map(\.altitudeM) == [240, 241])
        #expect(run.samples.map(\.time) == [Self.start, Self.start + 5])
    }

    @Test func authorNameIsTheDeviceWhenThereIsNoCreator() throws {
        let xml = """
            <gpx version="1.1"><metadata><name>From metadata</name><author><name>Some App</name></author></metadata>
            <trk><trkseg><trkpt lat="1" lon="2"><time>2024-05-04T07:30:00Z</time></trkpt></trkseg></trk></gpx>
            """
        let file = try Self.decode(xml)
        #expect(file.device == "Some App")
        #expect(file.activities.first?.name == "From metadata")
    }

    @Test func aTrackWithoutTimesIsRefusedWithAReason() {
        let track = """
            <gpx creator="x"><trk><name>Planned</name><trkseg>
            <trkpt lat="1" lon="2"><ele>3</ele></trkpt><trkpt lat="1.1" lon="2"><ele>3</ele></trkpt>
            </trkseg></trk></gpx>
            """
        let route = #"<gpx><rte><rtept lat="1" lon="2"/><rtept lat="1.1" lon="2"/></rte></gpx>"#
        for xml in [track, route] {
            let error = Self.error(xml)
            #expect(error?.kind == .noData)
            #expect(error?.reason == "the track has no times: a GPX route or a track without timestamps cannot be imported as a run")
        }
    }

    @Test func noTrackPointsIsNoData() {
        #expect(Self.error("<gpx><trk><trkseg/></trk></gpx>")?.kind == .noData)
        #expect(Self.error(#"<gpx><wpt lat="1" lon="2"><name>Start</name></wpt></gpx>"#)?.kind == .noData)
        #expect(Self.error("<gpx/>")?.kind == .noData)
    }

    @Test func notAGPXRootIsUnsupported() {
        #expect(Self.error("<kml><Document/></kml>")?.kind == .unsupportedFormat)
    }

    @Test func segmentsAreJoinedAndTheGapBetweenThemIsAPause() throws {
        func point(_ t: Double) -> String { #"<trkpt lat="1" lon="2"><time>\#(Self.iso(Self.start + t))</time></trkpt>"# }
        let xml = """
            <gpx><trk><name>Intervals</name>
            <trkseg>\(point(0))\(point(1))\(point(2))</trkseg>
            <trkseg>\(point(62))\(point(63))</trkseg>
            <trkseg></trkseg>
            <trkseg>\(point(100))</trkseg>
            </trk></gpx>
            """
        let run = try #require(try Self.decode(xml).activities.first)
        #expect(run.samples.map(\.time) == [0, 1, 2, 62, 63, 100].map { Self.start + $0 })
        #expect(
            run.pauses == [
                RecordedPause(start: Self.start + 2, end: Self.start + 62),
                RecordedPause(start: Self.start + 63, end: Self.start + 100),
            ])
    }

    @Test func eachTrackIsAnActivity() throws {
        let xml = """
            <gpx creator="c"><metadata><name>Brick day</name></metadata>
            <trk><type>cycling</type><trkseg><trkpt lat="1" lon="2"><time>2024-05-04T07:30:00Z</time>
            <extensions><gpxtpx:TrackPointExtension><gpxtpx:cad>90</gpxtpx:cad></gpxtpx:TrackPointExtension></extensions>
            </trkpt></trkseg></trk>
            <trk><name>Run off the bike</name><trkseg><trkpt lat="1" lon="2"><time>2024-05-04T09:00:00Z</time>
            <extensions><gpxtpx:TrackPointExtension><gpxtpx:cad>90</gpxtpx:cad></gpxtpx:TrackPointExtension></extensions>
            </trkpt></trkseg></trk>
            </gpx>
            """
        let activities = try Self.decode(xml).activities
        #expect(activities.map(\.sport) == [.cycling, .run])
        #expect(activities.map(\.name) == ["Brick day", "Run off the bike"])
        #expect(activities.map(\.startTime) == [Self.start, Self.start + 5400])
        #expect(activities.map { $0.samples[0].cadence } == [90, 180])
    }

    @Test func namespacePrefixesAreMatchedOnLocalNames() throws {
        let xml = """
            <g:gpx xmlns:g="http://www.topografix.com/GPX/1/1" g:creator="Prefixed" creator="Prefixed">
            <g:trk><g:name>P</g:name><g:trkseg>
            <g:trkpt g:lat="10" lon="20"><g:time>2024-05-04T07:30:00Z</g:time>
            <g:extensions><tpx:TrackPointExtension xmlns:tpx="urn:x"><tpx:hr>150</tpx:hr></tpx:TrackPointExtension></g:extensions>
            </g:trkpt></g:trkseg></g:trk></g:gpx>
            """
        let file = try Self.decode(xml)
        #expect(file.device == "Prefixed")
        let sample = try #require(file.activities.first?.samples.first)
        #expect(sample.latitude == 10 && sample.longitude == 20 && sample.heartRate == 150)
    }

    @Test func aCDATANameWithEntitiesElsewhere() throws {
        let xml = """
            <gpx creator="Tom &amp; Jerry&#39;s app"><trk><name><![CDATA[Run <with> friends & dogs]]></name><trkseg>
            <trkpt lat="1" lon="2"><time>2024-05-04T07:30:00Z</time></trkpt></trkseg></trk></gpx>
            """
        let file = try Self.decode(xml)
        #expect(file.device == "Tom & Jerry's app")
        #expect(file.activities.first?.name == "Run <with> friends & dogs")
    }

    // 23:59:58 to 00:00:01 local on the night Europe's clocks went forward (UTC+1 to UTC+2 at 01:00 UTC): the
    // samples are 1 s apart in UTC whatever the wall clock says, and the offset is the first point's.
    @Test func midnightAndADSTChangeWithOffsets() throws {
        let xml = """
            <gpx><trk><trkseg>
            <trkpt lat="1" lon="2"><time>2024-03-31T01:59:58+01:00</time></trkpt>
            <trkpt lat="1" lon="2"><time>2024-03-31T01:59:59+01:00</time></trkpt>
            <trkpt lat="1" lon="2"><time>2024-03-31T03:00:00+02:00</time></trkpt>
            <trkpt lat="1" lon="2"><time>2024-03-31T03:00:01+02:00</time></trkpt>
            </trkseg></trk>
            <trk><trkseg>
            <trkpt lat="1" lon="2"><time>2024-12-31T18:59:58-05:00</time></trkpt>
            <trkpt lat="1" lon="2"><time>2025-01-01T00:00:00Z</time></trkpt>
            <trkpt lat="1" lon="2"><time>2024-12-31T19:00:01.5-0500</time></trkpt>
            </trkseg></trk></gpx>
            """
        let activities = try Self.decode(xml).activities
        let dst = 1_711_846_798.0
        #expect(activities[0].samples.map(\.time) == [dst, dst + 1, dst + 2, dst + 3])
        #expect(activities[0].utcOffsetS == 3600)
        #expect(activities[0].startTime == dst)
        let newYear = 1_735_689_598.0
        #expect(activities[1].samples.map(\.time) == [newYear, newYear + 2, newYear + 3.5])
        #expect(activities[1].utcOffsetS == -18_000)
    }

    @Test func samplesAreSortedAndDuplicateTimesMerged() throws {
        let xml = """
            <gpx><trk><trkseg>
            <trkpt lat="1" lon="2"><time>2024-05-04T07:30:02Z</time></trkpt>
            <trkpt lat="1" lon="2"><time>2024-05-04T07:30:00Z</time></trkpt>
            <trkpt lat="1.5" lon="2.5"><ele>5</ele><time>2024-05-04T07:30:01Z</time></trkpt>
            <trkpt lat="9" lon="9"><time>2024-05-04T07:30:01Z</time>
              <extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>120</gpxtpx:hr></gpxtpx:TrackPointExtension></extensions></trkpt>
            <trkpt lat="1" lon="2"><time>not a time</time></trkpt>
            </trkseg></trk></gpx>
            """
        let run = try #require(try Self.decode(xml).activities.first)
        #expect(run.startTime == Self.start)
        #expect(run.samples.map(\.time) == [Self.start, Self.start + 1, Self.start + 2])
        #expect(run.samples[1] == RecordedSample(time: Self.start + 1, latitude: 1.5, longitude: 2.5, altitudeM: 5, heartRate: 120))
    }

    @Test func badNumbersAreDroppedNotFatal() throws {
        let xml = """
            <gpx><trk><trkseg>
            <trkpt lat="91" lon="2"><ele>nan</ele><time>2024-05-04T07:30:00Z</time>
            <extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>-4</gpxtpx:hr><gpxtpx:cad>x</gpxtpx:cad></gpxtpx:TrackPointExtension>
            </extensions></trkpt></trkseg></trk></gpx>
            """
        let sample = try #require(try Self.decode(xml).activities.first?.samples.first)
        #expect(sample == RecordedSample(time: Self.start))
    }

    @Test func documentTypeDeclarationsAreRefused() {
        let xxe = """
            <?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <gpx><trk><name>&xxe;</name><trkseg><trkpt lat="1" lon="2"><time>2024-05-04T07:30:00Z</time></trkpt></trkseg></trk></gpx>
            """
        #expect(Self.error(xxe) == ActivityFileError(.unsupportedFormat, "XML with a document type declaration is not accepted"))
        let depthBomb = "<gpx>" + String(repeating: "<extensions>", count: 10_000)
        #expect(Self.error(depthBomb)?.kind == .tooLarge)
    }

    @Test func aFileCutAtAnyPointThrowsAndNeverCrashes() {
        let bytes = Array(Self.stravaGPX(points: 6).utf8)
        // Everything up to the root's closing tag is needed; only trailing whitespace may go.
        let rootEnd = bytes.count - 1
        for cut in 0..<rootEnd {
            #expect(Self.error(Array(bytes[..<cut])) != nil, "a file cut at byte \(cut) was accepted")
        }
    }

    @Test func mutatedFilesDecodeOrThrowButNeverCrash() {
        let bytes = Array(Self.stravaGPX(points: 4).utf8)
        for mutant in XMLReaderTests.mutants(of: bytes, count: 800, seed: 13) {
            do {
                _ = try GPXDecoder.decode(mutant)
            } catch is ActivityFileError {
            } catch {
                Issue.record("threw something other than ActivityFileError: \(error)")
            }
        }
    }

    @Test func aThreeHourOneHertzFileDecodesQuickly() throws {
        let xml = Array(Self.stravaGPX(points: 10_800).utf8)
        let clock = ContinuousClock()
        var file: DecodedActivityFile?
        let elapsed = try clock.measure { file = try GPXDecoder.decode(xml) }
        #expect(file?.activities.first?.samples.count == 10_800)
        // The figure that matters is measured in release (see the report); a debug build is several times
        // slower, so this bound only catches something accidentally quadratic.
        #expect(elapsed < .seconds(5), "\(xml.count) bytes took \(elapsed)")
    }
}
