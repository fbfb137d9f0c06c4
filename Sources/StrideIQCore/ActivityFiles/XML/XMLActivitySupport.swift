import Foundation

// Pieces the GPX and TCX decoders share: reading numbers and ISO 8601 times out of element text, naming the
// sport, and putting samples in time order.

/// A time from a GPX or TCX file: seconds since 1970 UTC, and the UTC offset it was written with when it was
/// written with one (`Z` or no zone gives nil: that says the time is UTC, not where the run happened).
struct XMLTimestamp: Equatable {
    var time: Double
    var utcOffsetS: Int?
}

enum XMLValues {
    /// A finite number, surrounding whitespace allowed. `nan`, `inf` and garbage give nil.
    static func double(_ text: String) -> Double? {
        if let value = plainDecimal(text) { return value }
        var text = Substring(text)
        if let first = text.utf8.first, let last = text.utf8.last, isSpace(first) || isSpace(last) {
            text = text.drop { $0.isWhitespace }
            while let end = text.last, end.isWhitespace { text = text.dropLast() }
        }
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    private static let powersOfTen: [Double] = (0...15).map { pow(10, Double($0)) }

    /// The common case, `-0.1234567` with at most 15 digits and no exponent, without a trip through strtod:
    /// the digits are an exact integer and 10^k is exact, so one division is correctly rounded, the same value
    /// strtod gives. Anything else returns nil and goes the general way.
    private static func plainDecimal(_ text: String) -> Double? {
        var mantissa: Int64 = 0
        var digits = 0
        var fractionDigits = 0
        var seenPoint = false
        var negative = false
        var first = true
        for byte in text.utf8 {
            defer { first = false }
            if byte >= 0x30 && byte <= 0x39 {
                mantissa = mantissa * 10 + Int64(byte - 0x30)
                digits += 1
                if seenPoint { fractionDigits += 1 }
                if digits > 15 { return nil }
            } else if byte == UInt8(ascii: ".") && !seenPoint {
                seenPoint = true
            } else if byte == UInt8(ascii: "-") && first {
                negative = true
            } else {
                return nil
            }
        }
        guard digits > 0 else { return nil }
        let value = Double(mantissa) / powersOfTen[fractionDigits]
        return negative ? -value : value
    }

    static func trimmed(_ text: String) -> String? {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value
    }

    /// ISO 8601 as GPX and TCX write it: `2024-03-10T07:59:30Z`, with or without fractional seconds, with `Z`, an
    /// offset (`+02:00`, `-0600`, `+02`) or no zone at all (both schemas say UTC, so that is read as UTC).
    /// A space instead of `T` is accepted. Anything else gives nil.
    static func timestamp(_ text: String) -> XMLTimestamp? {
        var text = text
        return text.withUTF8 { timestamp(utf8: $0) }
    }

    private static func timestamp(utf8 whole: UnsafeBufferPointer<UInt8>) -> XMLTimestamp? {
        var end = whole.count
        while end > 0 && isSpace(whole[end - 1]) { end -= 1 }
        let utf8 = UnsafeBufferPointer(rebasing: whole[..<end])
        var i = 0
        while i < utf8.count && isSpace(utf8[i]) { i += 1 }

        func digits(_ n: Int) -> Int? {
            guard i + n <= utf8.count else { return nil }
            var value = 0
            for k in i..<(i + n) {
                let byte = utf8[k]
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            i += n
            return value
        }
        func expect(_ char: Character) -> Bool {
            guard i < utf8.count, utf8[i] == char.asciiValue else { return false }
            i += 1
            return true
        }

        guard let year = digits(4), expect("-"), let month = digits(2), expect("-"), let day = digits(2) else { return nil }
        guard i < utf8.count, utf8[i] == UInt8(ascii: "T") || utf8[i] == UInt8(ascii: "t") || utf8[i] == 0x20 else { return nil }
        i += 1
        guard let hour = digits(2), expect(":"), let minute = digits(2), expect(":"), let second = digits(2) else { return nil }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour <= 23, minute <= 59,
            second <= 60
        else { return nil }
        var fraction = 0.0
        if i < utf8.count && (utf8[i] == UInt8(ascii: ".") || utf8[i] == UInt8(ascii: ",")) {
            i += 1
            var scale = 0.1
            let start = i
            while i < utf8.count, utf8[i] >= 0x30 && utf8[i] <= 0x39 {
                fraction += Double(utf8[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        var offset: Int?
        if i < utf8.count {
            let sign = utf8[i]
            if sign == UInt8(ascii: "Z") || sign == UInt8(ascii: "z") {
                i += 1
            } else if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                i += 1
                guard let hours = digits(2) else { return nil }
                var minutes = 0
                if i < utf8.count {
                    _ = expect(":")
                    guard let value = digits(2) else { return nil }
                    minutes = value
                }
                guard hours <= 18, minutes <= 59 else { return nil }
                let magnitude = hours * 3600 + minutes * 60
                offset = sign == UInt8(ascii: "-") ? -magnitude : magnitude
            } else {
                return nil
            }
        }
        guard i == utf8.count else { return nil }
        let days = daysSince1970(year: year, month: month, day: day)
        let local = Double(days * 86_400 + hour * 3600 + minute * 60 + second) + fraction
        return XMLTimestamp(time: local - Double(offset ?? 0), utcOffsetS: offset)
    }

    /// Days from 1970-01-01 to a date in the proleptic Gregorian calendar (counted in 400-year eras, each
    /// 146,097 days, starting each year in March so that February's leap day falls at a year's end).
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthFromMarch = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// The sport a GPX `type` or TCX `Sport` names. Apps write these freely (Garmin: `running`, `trail_running`,
    /// `road_biking`; TCX: `Running`, `Biking`; Strava's older GPX: a number, 9 for a run and 1 for a ride), so
    /// the match is on words within the value. Something present but not recognised is `.other`.
    static func sport(_ value: String) -> Sport {
        let lowered = value.lowercased()
        switch lowered.trimmingCharacters(in: .whitespaces) {
        case "9": return .run
        case "1": return .cycling
        default: break
        }
        if lowered.contains("run") || lowered.contains("jog") { return .run }
        if lowered.contains("hik") { return .hiking }
        if lowered.contains("walk") { return .walking }
        if lowered.contains("cycl") || lowered.contains("bik") || lowered.contains("ride") { return .cycling }
        if lowered.contains("swim") { return .swimming }
        if lowered.contains("strength") || lowered.contains("weight") { return .strength }
        if lowered.contains("yoga") || lowered.contains("pilates") || lowered.contains("stretch") || lowered.contains("flexib") {
            return .flexibility
        }
        return .other
    }

    /// Samples in time order with one sample per timestamp. Points sharing a time are merged: a later point fills
    /// in what an earlier one lacked (a device that writes position and heart rate as two points at one second).
    static func ordered(_ samples: [RecordedSample]) -> [RecordedSample] {
        var sorted = samples
        var inOrder = true
        for k in sorted.indices.dropFirst() where sorted[k].time < sorted[k - 1].time {
            inOrder = false
            break
        }
        if !inOrder {
            // Sort by time, keeping file order among equal times (the index breaks ties).
            sorted = samples.enumerated().sorted { a, b in
                a.element.time != b.element.time ? a.element.time < b.element.time : a.offset < b.offset
            }.map(\.element)
        }
        var merged: [RecordedSample] = []
        merged.reserveCapacity(sorted.count)
        for sample in sorted {
            guard let last = merged.last, last.time == sample.time else {
                merged.append(sample)
                continue
            }
            var combined = last
            combined.latitude = last.latitude ?? sample.latitude
            combined.longitude = last.latitude == nil ? sample.longitude : last.longitude
            combined.distanceM = last.distanceM ?? sample.distanceM
            combined.altitudeM = last.altitudeM ?? sample.altitudeM
            combined.heartRate = last.heartRate ?? sample.heartRate
            combined.cadence = last.cadence ?? sample.cadence
            combined.speedMS = last.speedMS ?? sample.speedMS
            merged[merged.count - 1] = combined
        }
        return merged
    }
}

extension Sport {
    /// Foot sports, whose cadence the files count per foot and the model holds in steps per minute.
    var countsSteps: Bool { self == .run || self == .walking || self == .hiking }
}
