import Foundation

/// An activity's streams back out as GPX 1.1, with heart rate and cadence in Garmin's TrackPointExtension, the
/// form other apps import. GPX requires a position on every point, so samples without one are left out; an
/// activity with no position at all (a treadmill) is a track with no points.
public enum GPXWriter {
    public static func write(
        name: String, sport: Sport, startTime: Double, streams: ActivityStreams, creator: String = "StrideIQ"
    ) -> String {
        var out = ""
        out.reserveCapacity(256 + streams.count * 200)
        out += #"<?xml version="1.0" encoding="UTF-8"?>"#
        out += "\n"
        out += #"<gpx version="1.1" creator=""# + escaped(creator) + "\""
        out += #" xmlns="http://www.topografix.com/GPX/1/1""#
        out += #" xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1""#
        out += #" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance""#
        out += #" xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd"#
        out += #" http://www.garmin.com/xmlschemas/TrackPointExtension/v1 http://www.garmin.com/xmlschemas/TrackPointExtensionv1.xsd">"#
        out += "\n <metadata>\n  <name>" + escaped(name) + "</name>\n  <time>" + timestamp(startTime) + "</time>\n </metadata>\n"
        out += " <trk>\n  <name>" + escaped(name) + "</name>\n  <type>" + gpxType(sport) + "</type>\n  <trkseg>\n"

        // TrackPointExtension's cad is revolutions per minute: for a foot sport one foot's strides, half the
        // steps per minute the streams hold (GPXDecoder doubles it back).
        let cadenceDivisor = sport.countsSteps ? 2.0 : 1.0
        let streams = streams.normalized()
        if let latitude = streams.latitude, let longitude = streams.longitude {
            for i in 0..<streams.count {
                guard let lat = latitude[i], let lon = longitude[i], lat.isFinite, lon.isFinite, abs(lat) <= 90, abs(lon) <= 180
                else { continue }
                out += "   <trkpt lat=\"" + decimal(lat, places: 7) + "\" lon=\"" + decimal(lon, places: 7) + "\">"
                if let ele = streams.altitude?[i], ele.isFinite, abs(ele) < 1e7 {
                    out += "<ele>" + decimal(ele, places: 1) + "</ele>"
                }
                out += "<time>" + timestamp(startTime + streams.time[i]) + "</time>"
                let hr = streams.heartRate?[i].flatMap(byteValue)
                let cadence = streams.cadence?[i].flatMap { byteValue($0 / cadenceDivisor) }
                if hr != nil || cadence != nil {
                    out += "<extensions><gpxtpx:TrackPointExtension>"
                    if let hr { out += "<gpxtpx:hr>\(hr)</gpxtpx:hr>" }
                    if let cadence { out += "<gpxtpx:cad>\(cadence)</gpxtpx:cad>" }
                    out += "</gpxtpx:TrackPointExtension></extensions>"
                }
                out += "</trkpt>\n"
            }
        }
        out += "  </trkseg>\n </trk>\n</gpx>\n"
        return out
    }

    /// The `trk/type` values Garmin Connect writes, which `GPXDecoder` reads back to the same sport.
    static func gpxType(_ sport: Sport) -> String {
        switch sport {
        case .run: "running"
        case .walking: "walking"
        case .hiking: "hiking"
        case .cycling: "cycling"
        case .swimming: "swimming"
        case .strength: "strength_training"
        case .flexibility: "yoga"
        case .other: "other"
        }
    }

    /// The TrackPointExtension's hr and cad are xsd:unsignedByte.
    static func byteValue(_ value: Double) -> Int? {
        guard value.isFinite, value >= 0 else { return nil }
        return Int(min(255, value.rounded()))
    }

    /// Text and attribute values: the five characters XML reserves, and control characters XML 1.0 forbids dropped.
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A fixed-point decimal without trailing zeros, built from integers (no locale, no `String(format:)`).
    static func decimal(_ value: Double, places: Int) -> String {
        var scale: Int64 = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = (value * Double(scale)).rounded()
        guard scaled.isFinite, abs(scaled) < 9e15 else { return "0" }
        let units = Int64(scaled)
        let negative = units < 0
        let magnitude = negative ? -units : units
        var fraction = magnitude % scale
        var digits = places
        while digits > 0 && fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        var text = (negative ? "-" : "") + String(magnitude / scale)
        if digits > 0 {
            let fractionText = String(fraction)
            text += "." + String(repeating: "0", count: digits - fractionText.count) + fractionText
        }
        return text
    }

    /// ISO 8601 in UTC, with milliseconds only when the time has a fraction of a second.
    static func timestamp(_ seconds: Double) -> String {
        guard seconds.isFinite, abs(seconds) < 1e13 else { return "1970-01-01T00:00:00Z" }
        let millis = Int64((seconds * 1000).rounded())
        var days = millis / 86_400_000
        var rest = millis % 86_400_000
        if rest < 0 {
            rest += 86_400_000
            days -= 1
        }
        let (year, month, day) = civil(daysSince1970: days)
        let secondOfDay = rest / 1000
        let ms = rest % 1000
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var text = "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))"
        if ms != 0 { text += "." + String(String(ms + 1000).dropFirst()) }
        return text + "Z"
    }

    /// Gregorian year, month, day from days since 1970-01-01, counting in 400-year eras (146,097 days each),
    /// with years starting on 1 March so the leap day falls at the end.
    static func civil(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468  // days since 0000-03-01
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // 0 = March
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
