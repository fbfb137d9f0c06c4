import Foundation

/// A calendar day with no time zone attached (`YYYY-MM-DD`), e.g. a check-in date or a planned workout's day.
///
/// Stored and sent as its ISO string; the string form sorts chronologically, so it is also what the database keeps.
public struct LocalDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), (1...31).contains(day) else { return nil }
        if year >= LocalDate.arithmeticFromYear {
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            guard day <= lengths[month - 1] else { return nil }
            self.year = year
            self.month = month
            self.day = day
            return
        }
        var components = DateComponents()
        components.year = year
        components.month = month
        components.day = day
        // Round-trip through the Gregorian calendar rejects 2026-02-30 and friends.
        guard let date = LocalDate.utcCalendar.date(from: components) else { return nil }
        let back = LocalDate.utcCalendar.dateComponents([.year, .month, .day], from: date)
        guard back.year == year, back.month == month, back.day == day else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses exactly `YYYY-MM-DD`.
    public init?(_ string: String) {
        // The common case, read byte by byte (thousands of stored days are parsed per analytics recompute).
        if let parsed = string.utf8.withContiguousStorageIfAvailable({ bytes -> (Int, Int, Int)? in
            guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
            func number(_ range: Range<Int>) -> Int? {
                var value = 0
                for i in range {
                    let digit = Int(bytes[i]) - 48
                    guard (0...9).contains(digit) else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else { return nil }
            return (y, m, d)
        }) {
            guard let (y, m, d) = parsed else { return nil }
            self.init(year: y, month: m, day: d)
            return
        }
        let parts = string.split(separator: "-", omittingEmptySubsequences: false)
        guard string.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The calendar day that `instant` falls on in `timeZone`.
    public init(_ instant: Date, in timeZone: TimeZone) {
        // The zone's offset at that instant, then day arithmetic: what the calendar computes, without building
        // one per call (the analytics job converts every activity of a five-year history).
        let seconds = instant.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: instant))
        if seconds.isFinite, abs(seconds) < 1e13 {
            let fast = LocalDate(daysSinceEpoch: Int((seconds / 86_400).rounded(.down)))
            if fast.year >= LocalDate.arithmeticFromYear {
                self = fast
                return
            }
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: instant)
        self.year = c.year!
        self.month = c.month!
        self.day = c.day!
    }

    public var description: String {
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        if lhs.year != rhs.year { return lhs.year < rhs.year }
        if lhs.month != rhs.month { return lhs.month < rhs.month }
        return lhs.day < rhs.day
    }

    public func adding(days: Int) -> LocalDate {
        if year >= LocalDate.arithmeticFromYear {
            let result = LocalDate(daysSinceEpoch: daysSinceEpoch + days)
            if result.year >= LocalDate.arithmeticFromYear { return result }
        }
        let date = LocalDate.utcCalendar.date(byAdding: .day, value: days, to: utcMidnight)!
        return LocalDate(date, in: TimeZone(identifier: "UTC")!)
    }

    /// Whole days from `self` to `other` (positive when `other` is later).
    public func days(until other: LocalDate) -> Int {
        if year >= LocalDate.arithmeticFromYear, other.year >= LocalDate.arithmeticFromYear {
            return other.daysSinceEpoch - daysSinceEpoch
        }
        return LocalDate.utcCalendar.dateComponents([.day], from: utcMidnight, to: other.utcMidnight).day!
    }

    /// The instant this day starts in `timeZone` (handles DST: the first instant of the local day).
    public func start(in timeZone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var c = DateComponents()
        c.year = year
        c.month = month
        c.day = day
        return calendar.startOfDay(for: calendar.date(from: c)!)
    }

    /// Monday = 0 … Sunday = 6.
    public var weekdayIndexFromMonday: Int {
        if year >= LocalDate.arithmeticFromYear {
            // 1970-01-01 was a Thursday (index 3).
            return ((daysSinceEpoch + 3) % 7 + 7) % 7
        }
        let weekday = LocalDate.utcCalendar.component(.weekday, from: utcMidnight)  // Sunday = 1
        return (weekday + 5) % 7
    }

    /// From this year on, days are computed with the proleptic Gregorian arithmetic below, which is what
    /// Foundation's Gregorian calendar does there; before it Foundation switches to the Julian calendar (before
    /// October 1582), so older days keep going through `Calendar`.
    static let arithmeticFromYear = 1600

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`, proleptic Gregorian).
    var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The day `days` after 1970-01-01 (`civil_from_days`). Callers keep the result only from
    /// `arithmeticFromYear` on.
    init(daysSinceEpoch days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }

    private var utcMidnight: Date {
        var c = DateComponents()
        c.year = year
        c.month = month
        c.day = day
        return LocalDate.utcCalendar.date(from: c)!
    }

    private static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        guard let value = LocalDate(string) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a date as YYYY-MM-DD")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
