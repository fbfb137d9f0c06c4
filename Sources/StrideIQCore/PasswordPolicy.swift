/// Password rules: 8–72 bytes (bcrypt reads 72), not a well-known password, not the account's email.
///
/// Length beats composition rules (NIST SP 800-63B), so there is no "one upper, one digit" requirement;
/// a blocklist of the passwords attackers try first does more.
public enum PasswordPolicy {
    public static func problems(password: String, email: String) -> [String] {
        var problems: [String] = []
        let bytes = password.utf8.count
        if bytes < Limits.Password.bytes.lowerBound {
            problems.append("must be at least \(Limits.Password.bytes.lowerBound) characters")
        }
        if bytes > Limits.Password.bytes.upperBound {
            problems.append("must be at most \(Limits.Password.bytes.upperBound) bytes")
        }
        let folded = password.lowercased()
        if CommonPasswords.all.contains(folded) {
            problems.append("is too common; choose a less guessable password")
        }
        let normalizedEmail = email.lowercased()
        if !normalizedEmail.isEmpty && (folded == normalizedEmail || folded == normalizedEmail.split(separator: "@").first.map(String.init))
        {
            problems.append("must not be your email address")
        }
        return problems
    }
}

/// The most common leaked passwords of 8+ characters (lower-cased), from public breach-frequency lists.
enum CommonPasswords {
    static let all: Set<String> = [
        "password", "password1", "password12", "password123", "password1234", "passw0rd", "p@ssw0rd", "p@ssword",
        "12345678", "123456789", "1234567890", "12345678910", "87654321", "11111111", "00000000", "88888888",
        "123123123", "1q2w3e4r", "1q2w3e4r5t", "1qaz2wsx", "qwertyuiop", "qwerty123", "qwerty12", "qwertyui",
        "asdfghjkl", "asdfasdf", "zxcvbnm1", "iloveyou", "iloveyou1", "sunshine", "sunshine1", "princess",
        "princess1", "football", "football1", "baseball", "basketball", "superman", "batman123", "starwars",
        "trustno1", "whatever", "welcome1", "welcome123", "letmein1", "letmein123", "changeme", "changeme1",
        "abc12345", "abcd1234", "abcdefgh", "aa123456", "monkey123", "dragon123", "master123", "michael1",
        "jennifer", "jordan23", "liverpool", "chelsea1", "charlie1", "computer", "internet", "samsung1",
        "shadow12", "mustang1", "access14", "administrator", "admin123", "admin1234", "qazwsxedc", "q1w2e3r4",
        "zaq12wsx", "987654321", "123qweasd", "1234qwer", "qwer1234", "11223344", "12341234", "12121212",
        "running1", "runner123", "marathon", "marathon1", "strideiq", "strideiq1", "strideiq123",
        "testpassword", "testpassword123", "test1234", "test12345", "secret123", "pokemon1", "soccer12",
        "hello123", "freedom1", "lovely123", "babygirl1", "butterfly", "loveme12", "flower123", "cookie123",
    ]
}
