/// Text from outside (file names, prompts, error messages that quote them) escaped so that it can
/// never become structure: a newline in a file name must not start a new systemd notify assignment
/// (`WATCHDOG_USEC=1`) or a new journal line. Control characters (C0, DEL, C1), line and paragraph
/// separators and invisible format characters (bidi overrides, zero-width) are written as
/// `\n`, `\r`, `\t`, `\xHH` or `\u{HHHH}`; everything else, backslashes included, is unchanged.
public enum ControlEscaping {
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                let hex = String(scalar.value, radix: 16)
                result += scalar.value < 0x100 ? "\\x" + (hex.count == 1 ? "0" : "") + hex : "\\u{" + hex + "}"
            }
        }
        return result
    }

    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) { return true }
        if scalar.value < 0x7F { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }
}
