import Foundation
import Testing

@testable import StrideIQCore

@Suite("TCX decoder")
struct TCXDecoderTests {
    static func decode(_ xml: String) throws -> DecodedActivityFile {
        try TCXDecoder.decode(Array(xml.utf8))
    }

    static func error(_ bytes: [UInt8]) -> ActivityFileError? {
        do {
            _ = try TCXDecoder.decode(bytes)
            return nil
        } catch let error as ActivityFileError {
            return error
        } catch {
            Issue.record("threw something other than ActivityFileError: \(error)")
            return nil
        }
    }

    /// 2023-10-01T06:00:00Z.
    static let start = 1_696_140_000.0

    static func document(_ activities: String, author: String = "") -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <TrainingCenterDatabase
          xsi:schemaLocation="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2 http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd"
          xmlns:ns5="http://www.garmin.com/xmlschemas/ActivityGoals/v1"
          xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2"
          xmlns:ns2="http://www.garmin.com/xmlschemas/UserProfile/v2"
          xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
          <Activities>
        \(activities)
          </Activities>
        \(author)
        </TrainingCenterDatabase>
        """
    }

    static let creator = """
            <Creator xsi:type="Device_t">
              <Name>Forerunner 255</Name>
              <UnitId>3442216289</UnitId>
              <ProductID>3992</ProductID>
              <Version><VersionMajor>19</VersionMajor><VersionMinor>18</VersionMinor></Version>
            </Creator>
        """

    /// A Garmin running lap: trackpoints every second with position, the ActivityExtension's Speed and
    /// RunCadence, and the lap's LX extension.
    static func garminLap(startOffset: Double, seconds: Int, distanceAtStart: Double, avgHR: Int, maxHR: Int) -> String {
        var xml = """
                  <Lap StartTime="\(GPXDecoderTests.iso(start + startOffset))">
                    <TotalTimeSeconds>\(seconds)</TotalTimeSeconds>
                    <DistanceMeters>\(Double(seconds) * 3)</DistanceMeters>
                    <MaximumSpeed>3.4</MaximumSpeed>
                    <Calories>\(seconds / 5)</Calories>
                    <AverageHeartRateBpm><Value>\(avgHR)</Value></AverageHeartRateBpm>
                    <MaximumHeartRateBpm><Value>\(maxHR)</Value></MaximumHeartRateBpm>
                    <Intensity>Active</Intensity>
                    <TriggerMethod>Manual</TriggerMethod>
                    <Track>

            """
        for i in 0..<seconds {
            xml += """
                          <Trackpoint>
                            <Time>\(GPXDecoderTests.iso(start + startOffset + Double(i)))</Time>
                            <Position>
                              <LatitudeDegrees>\(47.6 + Double(i) * 0.00002)</LatitudeDegrees>
                              <LongitudeDegrees>-122.3</LongitudeDegrees>
                            </Position>
                            <AltitudeMeters>\(30 + i)</AltitudeMeters>
                            <DistanceMeters>\(distanceAtStart + Double(i) * 3)</DistanceMeters>
                            <HeartRateBpm><Value>\(avgHR + i % 3)</Value></HeartRateBpm>
                            <Extensions>
                              <ns3:TPX>
                                <ns3:Speed>3.0</ns3:Speed>
                                <ns3:RunCadence>\(84 + i % 2)</ns3:RunCadence>
                              </ns3:TPX>
                            </Extensions>
                          </Trackpoint>

                """
        }
        xml += """
                    </Track>
                    <Extensions>
                      <ns3:LX>
                        <ns3:AvgSpeed>3.0</ns3:AvgSpeed>
                        <ns3:AvgRunCadence>84</ns3:AvgRunCadence>
                        <ns3:MaxRunCadence>90</ns3:MaxRunCadence>
                      </ns3:LX>
                    </Extensions>
                  </Lap>
            """
        return xml
    }

    static func garminRun() -> String {
        document(
            """
                <Activity Sport="Running">
                  <Id>\(GPXDecoderTests.iso(start))</Id>
            \(garminLap(startOffset: 0, seconds: 4, distanceAtStart: 0, avgHR: 140, maxHR: 150))
            \(garminLap(startOffset: 4, seconds: 2, distanceAtStart: 12, avgHR: 160, maxHR: 171))
            \(creator)
                </Activity>
            """,
            author: """
                <Author xsi:type="Application_t"><Name>Connect Api</Name><LangID>en</LangID><PartNumber>006-D2449-00</PartNumber></Author>
                """)
    }

    @Test func multiLapRunWithRunCadenceExtensions() throws {
        let file = try Self.decode(Self.garminRun())
        #expect(file.format == .tcx)
        #expect(file.device == "Forerunner 255")
        let run = try #require(file.activities.first)
        #expect(file.activities.count == 1)
        #expect(run.sport == .run)
        #expect(run.startTime == Self.start)
        #expect(run.utcOffsetS == nil)
        #expect(run.samples.map(\.time) == (0..<6).map { Self.start + Double($0) })
        #expect(run.samples.map(\.distanceM) == [0, 3, 6, 9, 12, 15])
        #expect(run.samples.map(\.cadence) == [168, 170, 168, 170, 168, 170])
        #expect(run.samples.allSatisfy { $0.speedMS == 3.0 && $0.longitude == -122.3 })
        #expect(run.samples[1].latitude == 47.60002)
        #expect(run.samples[5].altitudeM == 31 && run.samples[5].heartRate == 161)
        #expect(
            run.laps == [
                RecordedLap(
                    startTime: Self.start,
                    totals: DeviceTotals(distanceM: 12, movingTimeS: 4, avgHeartRate: 140, maxHeartRate: 150, avgCadence: 168)),
                RecordedLap(
                    startTime: Self.start + 4,
                    totals: DeviceTotals(distanceM: 6, movingTimeS: 2, avgHeartRate: 160, maxHeartRate: 171, avgCadence: 168)),
            ])
        // Lap averages weighted by lap time: (140×4 + 160×2) / 6.
        #expect(
            run.totals == DeviceTotals(distanceM: 18, movingTimeS: 6, avgHeartRate: 880.0 / 6, maxHeartRate: 171, avgCadence: 168))
    }

    @Test func treadmillRunWithoutPosition() throws {
        let xml = Self.document(
            """
                <Activity Sport="Running">
                  <Id>2023-10-01T06:00:00.000Z</Id>
                  <Lap StartTime="2023-10-01T06:00:00.000Z">
                    <TotalTimeSeconds>2.0</TotalTimeSeconds>
                    <DistanceMeters>5.5</DistanceMeters>
                    <Track>
                      <Trackpoint><Time>2023-10-01T06:00:00.000Z</Time><DistanceMeters>0.0</DistanceMeters>
                        <HeartRateBpm><Value>120</Value></HeartRateBpm><Cadence>80</Cadence></Trackpoint>
                      <Trackpoint><Time>2023-10-01T06:00:01.000Z</Time><DistanceMeters>2.7</DistanceMeters>
                        <HeartRateBpm><Value>121</Value></HeartRateBpm><Cadence>81</Cadence></Trackpoint>
                      <Trackpoint><Time>2023-10-01T06:00:02.000Z</Time><DistanceMeters>5.5</DistanceMeters></Trackpoint>
                    </Track>
                  </Lap>
                  <Creator xsi:type="Device_t"><Name>Polar Vantage</Name></Creator>
                </Activity>
            """)
        let file = try Self.decode(xml)
        #expect(file.device == "Polar Vantage")
        let run = try #require(file.activities.first)
        #expect(run.samples.count == 3)
        #expect(run.samples.allSatisfy { $0.latitude == nil && $0.longitude == nil && $0.altitudeM == nil })
        #expect(run.samples.map(\.distanceM) == [0, 2.7, 5.5])
        #expect(run.samples.map(\.heartRate) == [120, 121, nil])
        // A running `Cadence` counts one foot, like RunCadence.
        #expect(run.samples.map(\.cadence) == [160, 162, nil])
        #expect(run.totals.distanceM == 5.5 && run.totals.movingTimeS == 2 && run.totals.avgHeartRate == nil)
    }

    @Test func severalActivitiesAndABikeKeepsCrankCadence() throws {
        let xml = Self.document(
            """
                <Activity Sport="Biking">
                  <Id>2023-10-01T06:00:00Z</Id>
                  <Lap StartTime="2023-10-01T06:00:00Z"><TotalTimeSeconds>1</TotalTimeSeconds><Cadence>88</Cadence><Track>
                    <Trackpoint><Time>2023-10-01T06:00:00Z</Time><Cadence>90</Cadence></Trackpoint>
                  </Track></Lap>
                </Activity>
                <Activity Sport="Other">
                  <Id>2023-10-01T07:00:00Z</Id>
                  <Lap StartTime="2023-10-01T07:00:00Z"><Track>
                    <Trackpoint><Time>2023-10-01T07:00:00Z</Time></Trackpoint>
                  </Track></Lap>
                </Activity>
            """,
            author: "<Author><Name>Some Exporter</Name></Author>")
        let file = try Self.decode(xml)
        #expect(file.device == "Some Exporter")
        #expect(file.activities.map(\.sport) == [.cycling, .other])
        #expect(file.activities.map(\.startTime) == [Self.start, Self.start + 3600])
        #expect(file.activities[0].samples[0].cadence == 90)
        #expect(file.activities[0].laps[0].totals.avgCadence == 88)
        #expect(file.activities[0].totals.distanceM == nil)
    }

    @Test func multiSportSessionActivitiesAreFound() throws {
        let xml = """
            <TrainingCenterDatabase><Activities><MultiSportSession><Id>2023-10-01T06:00:00Z</Id>
            <FirstSport><Activity Sport="Biking"><Id>2023-10-01T06:00:00Z</Id><Lap StartTime="2023-10-01T06:00:00Z"><Track>
              <Trackpoint><Time>2023-10-01T06:00:00Z</Time></Trackpoint></Track></Lap></Activity></FirstSport>
            <NextSport><Activity Sport="Running"><Id>2023-10-01T07:00:00Z</Id><Lap StartTime="2023-10-01T07:00:00Z"><Track>
              <Trackpoint><Time>2023-10-01T07:00:00Z</Time></Trackpoint></Track></Lap></Activity></NextSport>
            </MultiSportSession></Activities></TrainingCenterDatabase>
            """
        #expect(try Self.decode(xml).activities.map(\.sport) == [.cycling, .run])
    }

    // 23:59:59 to 00:00:02 local on the night US clocks went back (UTC−4 to UTC−5 at 06:00 UTC): UTC is
    // continuous, the start time is the Id, the offset is the Id's.
    @Test func midnightAndADSTChangeWithOffsets() throws {
        let xml = Self.document(
            """
                <Activity Sport="Running">
                  <Id>2024-11-03T01:59:59-04:00</Id>
                  <Lap StartTime="2024-11-03T01:59:59-04:00"><Track>
                    <Trackpoint><Time>2024-11-03T01:59:59-04:00</Time></Trackpoint>
                    <Trackpoint><Time>2024-11-03T01:00:00-05:00</Time></Trackpoint>
                    <Trackpoint><Time>2024-11-03T06:00:01Z</Time></Trackpoint>
                  </Track></Lap>
                </Activity>
            """)
        let run = try #require(try Self.decode(xml).activities.first)
        let change = 1_730_613_599.0
        #expect(run.startTime == change)
        #expect(run.utcOffsetS == -14_400)
        #expect(run.samples.map(\.time) == [change, change + 1, change + 2])
        #expect(run.laps.map(\.startTime) == [change])
    }

    @Test func noTrackpointsIsNoData() {
        let laps = Self.document(
            """
            <Activity Sport="Running"><Id>2023-10-01T06:00:00Z</Id><Lap StartTime="2023-10-01T06:00:00Z">
            <TotalTimeSeconds>60</TotalTimeSeconds></Lap></Activity>
            """)
        #expect(Self.error(Array(laps.utf8))?.kind == .noData)
        let timeless = Self.document(
            "<Activity Sport=\"Running\"><Lap><Track><Trackpoint><DistanceMeters>1</DistanceMeters></Trackpoint></Track></Lap></Activity>")
        #expect(Self.error(Array(timeless.utf8))?.kind == .noData)
    }

    @Test func notATCXRootIsUnsupportedAndADoctypeIsRefused() {
        #expect(Self.error(Array("<gpx/>".utf8))?.kind == .unsupportedFormat)
        let bomb = """
            <!DOCTYPE TrainingCenterDatabase [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
            <TrainingCenterDatabase><Activities><Activity Sport="&b;"/></Activities></TrainingCenterDatabase>
            """
        #expect(
            Self.error(Array(bomb.utf8)) == ActivityFileError(.unsupportedFormat, "XML with a document type declaration is not accepted"))
        let deep = "<TrainingCenterDatabase>" + String(repeating: "<Extensions>", count: 1000)
        #expect(Self.error(Array(deep.utf8))?.kind == .tooLarge)
    }

    @Test func mutatedFilesDecodeOrThrowButNeverCrash() {
        let bytes = Array(Self.garminRun().utf8)
        for mutant in XMLReaderTests.mutants(of: bytes, count: 400, seed: 31) {
            do {
                _ = try TCXDecoder.decode(mutant)
            } catch is ActivityFileError {
            } catch {
                Issue.record("threw something other than ActivityFileError: \(error)")
            }
        }
    }

    @Test func aFileCutAtAnyPointThrowsAndNeverCrashes() {
        let bytes = Array(Self.garminRun().utf8)
        var cut = 0
        while cut < bytes.count - 1 {
            #expect(Self.error(Array(bytes[..<cut])) != nil, "a file cut at byte \(cut) was accepted")
            cut += 7
        }
    }
}
