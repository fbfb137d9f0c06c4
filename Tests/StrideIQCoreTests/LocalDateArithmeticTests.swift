import Foundation
import Testing

@testable import StrideIQCore

/// `LocalDate`'s day arithmetic against Foundation's Gregorian calendar, which it replaces from 1600 on.
@Suite struct LocalDateArithmeticTests {
    static let utc = TimeZone(identifier: "UTC")!

    static func calendarDay(_ instant: Date, _ zone: TimeZone) -> (Int, Int, Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day], from: instant)
        return (c.year!, c.month!, c.day!)
    }

    @Test func daysMatchTheCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Self.utc
        // Every day from 1600 to 2400 in steps of 13 (leap years, centuries, 2000), and its neighbours.
        var date = LocalDate(year: 1600, month: 1, day: 1)!
        var checked = 0
        while date.year < 2400 {
            let midnight = calendar.date(from: DateComponents(year: date.year, month: date.month, day: date.day))!
            for step in [-1, 1, 13, 400, -400] {
                let expected = calendar.dateComponents(
                    [.year, .month, .day], from: calendar.date(byAdding: .day, value: step, to: midnight)!)
                let got = date.adding(days: step)
                #expect((got.year, got.month, got.day) == (expected.year!, expected.month!, expected.day!), "\(date) + \(step)")
                #expect(date.days(until: got) == step)
            }
            let weekday = calendar.component(.weekday, from: midnight)
            #expect(date.weekdayIndexFromMonday == (weekday + 5) % 7, "\(date)")
            date = date.adding(days: 13)
            checked += 1
        }
        #expect(checked > 20_000)
    }

    @Test func instantsMatchTheCalendarInEveryZone() {
        let zones =
            ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", "Pacific/Kiritimati"]
            .map { TimeZone(identifier: $0)! } + [TimeZone(secondsFromGMT: -12 * 3600)!, TimeZone(secondsFromGMT: 14 * 3600)!]
        // Every 7 h 13 min from 1990 to 2040, across DST changes.
        var t = 631_152_000.0
        while t < 2_208_988_800 {
            let instant = Date(timeIntervalSince1970: t)
            for zone in zones {
                let got = LocalDate(instant, in: zone)
                #expect((got.year, got.month, got.day) == Self.calendarDay(instant, zone), "\(instant) in \(zone.identifier)")
            }
            t += 7 * 3600 + 13 * 60
        }
        // Before 1600 the calendar is still used (Julian before 1582, as Foundation does).
        let old = LocalDate(Date(timeIntervalSince1970: -12_219_292_800 - 86_400), in: Self.utc)
        #expect((old.year, old.month, old.day) == Self.calendarDay(Date(timeIntervalSince1970: -12_219_292_800 - 86_400), Self.utc))
    }
}
