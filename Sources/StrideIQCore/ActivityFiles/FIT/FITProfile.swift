// The few numbers of Garmin's FIT profile that the decoder reads: message and field numbers, base types and
// their invalid values, and the enum values that become a sport, a pause or a device name. Everything else in a
// FIT file is skipped by size, so a field this table does not name costs nothing.

enum FITProfile {
    /// FIT time 0 is 1989-12-31T00:00:00Z; this many seconds after 1970.
    static let epochOffset: Double = 631_065_600

    /// Field 253 is the timestamp in every message that has one (the compressed-timestamp headers count from it).
    static let timestampField: UInt8 = 253

    enum Message {
        static let fileID: UInt16 = 0
        static let sport: UInt16 = 12
        static let session: UInt16 = 18
        static let lap: UInt16 = 19
        static let record: UInt16 = 20
        static let event: UInt16 = 21
        static let activity: UInt16 = 34
    }

    enum FileID {
        static let type: UInt8 = 0
        static let manufacturer: UInt8 = 1
        static let product: UInt8 = 2
        static let productName: UInt8 = 8
        /// `file` enum: activity = 4 (settings, course, workout… are other kinds of file).
        static let activityFile = 4
    }

    enum SportMessage {
        static let sport: UInt8 = 0
        static let subSport: UInt8 = 1
    }

    /// Session (18) and lap (19) carry the same totals under different field numbers.
    struct SummaryFields: Sendable {
        var startTime: UInt8
        var elapsed: UInt8
        var timer: UInt8
        var distance: UInt8
        var avgHeartRate: UInt8
        var maxHeartRate: UInt8
        var avgCadence: UInt8
        var ascent: UInt8
        var descent: UInt8
        var sport: UInt8
        var subSport: UInt8
        var avgFractionalCadence: UInt8

        func reads(_ number: UInt8) -> Bool {
            number == startTime || number == elapsed || number == timer || number == distance
                || number == avgHeartRate || number == maxHeartRate || number == avgCadence || number == ascent
                || number == descent || number == sport || number == subSport || number == avgFractionalCadence
        }
    }

    static let session = SummaryFields(
        startTime: 2, elapsed: 7, timer: 8, distance: 9, avgHeartRate: 16, maxHeartRate: 17, avgCadence: 18,
        ascent: 22, descent: 23, sport: 5, subSport: 6, avgFractionalCadence: 92)
    static let lap = SummaryFields(
        startTime: 2, elapsed: 7, timer: 8, distance: 9, avgHeartRate: 15, maxHeartRate: 16, avgCadence: 17,
        ascent: 21, descent: 22, sport: 25, subSport: 39, avgFractionalCadence: 80)

    enum Record {
        static let positionLat: UInt8 = 0
        static let positionLong: UInt8 = 1
        static let altitude: UInt8 = 2
        static let heartRate: UInt8 = 3
        static let cadence: UInt8 = 4
        static let distance: UInt8 = 5
        static let speed: UInt8 = 6
        static let fractionalCadence: UInt8 = 53
        static let enhancedSpeed: UInt8 = 73
        static let enhancedAltitude: UInt8 = 78
    }

    enum Event {
        static let event: UInt8 = 0
        static let eventType: UInt8 = 1
        /// `event` enum: timer = 0 (the start/stop button and auto-pause).
        static let timer = 0
        /// `event_type` enum: start = 0; stop = 1, stop_all = 4, stop_disable = 8, stop_disable_all = 9.
        static let start = 0
        static func isStop(_ type: Int) -> Bool { type == 1 || type == 4 || type == 8 || type == 9 }
    }

    enum Activity {
        static let localTimestamp: UInt8 = 5
    }

    /// Whether the decoder reads field `number` of message `global` (the timestamp is read from every message).
    static func reads(global: UInt16, field number: UInt8) -> Bool {
        if number == timestampField { return true }
        switch global {
        case Message.record:
            switch number {
            case Record.positionLat, Record.positionLong, Record.altitude, Record.heartRate, Record.cadence,
                Record.distance, Record.speed, Record.fractionalCadence, Record.enhancedSpeed,
                Record.enhancedAltitude:
                return true
            default: return false
            }
        case Message.event: return number == Event.event || number == Event.eventType
        case Message.session: return session.reads(number)
        case Message.lap: return lap.reads(number)
        case Message.fileID:
            return number == FileID.type || number == FileID.manufacturer || number == FileID.product
                || number == FileID.productName
        case Message.sport: return number == SportMessage.sport || number == SportMessage.subSport
        case Message.activity: return number == Activity.localTimestamp
        default: return false
        }
    }

    /// `sport` and `sub_sport` enums → our vocabulary.
    static func sport(_ sport: Int?, subSport: Int?) -> Sport {
        switch sport {
        case 1: return .run  // running (road, trail, treadmill, track are sub-sports)
        case 2: return .cycling
        case 5: return .swimming
        case 11: return .walking
        case 17: return .hiking
        case 10:  // training
            switch subSport {
            case 20: return .strength  // strength_training
            case 19, 43: return .flexibility  // flexibility_training, yoga
            default: return .other
            }
        case 4:  // fitness_equipment: the treadmill and the indoor bike are sub-sports of it on older watches
            switch subSport {
            case 1: return .run  // treadmill
            case 6: return .cycling  // indoor_cycling
            default: return .other
            }
        default: return .other
        }
    }

    /// Names for the manufacturers an athlete's file is likely to come from; the rest are "manufacturer N".
    static func manufacturerName(_ id: Int) -> String? {
        switch id {
        case 1: return "garmin"
        case 13: return "dynastream oem"
        case 15: return "dynastream"
        case 23: return "suunto"
        case 32: return "wahoo"
        case 71: return "tomtom"
        case 89: return "tacx"
        case 95: return "stryd"
        case 123: return "polar"
        case 255: return "development"
        case 260: return "zwift"
        case 265: return "strava"
        case 267: return "bryton"
        case 289: return "hammerhead"
        case 294: return "coros"
        default: return nil
        }
    }
}

/// A FIT base type: the low five bits of the definition's base-type byte name it.
enum FITBaseType {
    static let string: UInt8 = 7

    /// Bytes per element, or 0 for a number this decoder does not know.
    static func size(_ baseType: UInt8) -> Int {
        switch baseType & 0x1F {
        case 0, 1, 2, 7, 10, 13: return 1
        case 3, 4, 11: return 2
        case 5, 6, 8, 12: return 4
        case 9, 14, 15, 16: return 8
        default: return 0
        }
    }
}
