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
