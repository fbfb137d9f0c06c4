import Foundation

extension LocalDate {
    /// Days since 1970-01-01, by arithmetic (Hinnant's days-from-civil): the plan code compares many dates and the
    /// calendar-based `days(until:)` is slow in bulk.
    var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Same as `days(until:)`.
    func dayGap(to other: LocalDate) -> Int { other.dayNumber - dayNumber }

    /// Same as `weekdayIndexFromMonday` (Monday = 0); 1970-01-01 was a Thursday.
    var weekday0: Int { ((dayNumber % 7) + 7 + 3) % 7 }
}

extension LocalDate {
    /// The day `n` days after 1970-01-01 (Hinnant's civil-from-days).
    init(dayNumber n: Int) {
        let z = n + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        // Valid by construction, so the calendar round trip of `init(year:month:day:)` is skipped.
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    /// Same as `adding(days:)`, by arithmetic.
    func plus(days: Int) -> LocalDate { LocalDate(dayNumber: dayNumber + days) }
}
