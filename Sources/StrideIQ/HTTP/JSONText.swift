/// Hand-written JSON text, for the one place that builds JSON without an encoder: the coach's per-delta
/// frames (hot path).
enum JSONText {
    /// Appends `text` escaped as the inside of a JSON string (RFC 8259): quote, backslash, control characters.
    static func appendEscaped(_ text: String, to out: inout String) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
    }
}
