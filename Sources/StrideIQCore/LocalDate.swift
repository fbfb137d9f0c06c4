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
        let parts = string.split(separator: "-", omittingEmptySubsequences: false)
        guard string.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The calendar day that `instant` falls on in `timeZone`.
    public init(_ instant: Date, in timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: instant)
        self.year = c.year!
        self.month = c.month!
        self.day = c.day!
    }

    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public func adding(days: Int) -> LocalDate {
        let date = LocalDate.utcCalendar.date(byAdding: .day, value: days, to: utcMidnight)!
        return LocalDate(date, in: TimeZone(identifier: "UTC")!)
    }

    /// Whole days from `self` to `other` (positive when `other` is later).
    public func days(until other: LocalDate) -> Int {
        LocalDate.utcCalendar.dateComponents([.day], from: utcMidnight, to: other.utcMidnight).day!
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
        let weekday = LocalDate.utcCalendar.component(.weekday, from: utcMidnight)  // Sunday = 1
        return (weekday + 5) % 7
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
