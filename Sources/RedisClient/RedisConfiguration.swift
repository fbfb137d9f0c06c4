import NIOCore

/// Where Redis is and how the client behaves when it is slow or gone.
///
/// The defaults are chosen for a cache that the app treats as optional (it fails open): every call either
/// succeeds or fails within about `connectTimeout + commandTimeout`, and while Redis is down or hung calls fail
/// at once (see `RedisClient`) instead of each waiting out a timeout.
public struct RedisConfiguration: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// ACL user (Redis ≥ 6). With a password but no username, `AUTH password` is sent (the `default` user).
    public var username: String?
    public var password: String?
    /// `SELECT`ed on every new connection when not 0.
    public var database: Int

    /// Upper bound on open connections. Redis executes commands one at a time, so a few connections suffice to
    /// keep it busy; more mostly add memory on both sides.
    public var maximumConnections: Int = 8
    /// TCP connect, including DNS. Only matters when the host does not answer at all (a refused connection
    /// fails immediately, and a hung server's kernel still completes the handshake). A connect on a local
    /// network takes well under a millisecond; Linux resends a lost SYN only after 1 s, so waiting that long
    /// mostly waits for a host that is gone.
    public var connectTimeout: Duration = .milliseconds(500)
    /// Per command: from writing it to its reply; also bounds the wait for a free pooled connection and each
    /// step of the handshake (AUTH, SELECT). The commands this client is meant for (GET, SET, INCR, short Lua
    /// scripts) take microseconds on the server and about a millisecond round trip. The margin is for the
    /// client's own event loop, which the reply waits for: on a saturated two-core machine running the
    /// parallel debug test suite, loopback connects and small commands were seen to exceed 250 ms, and every
    /// false timeout here means a check that fails open. Half a second keeps that margin while a hung server
    /// costs only the first few calls a timeout: after them the circuit breaker fails calls at once.
    public var commandTimeout: Duration = .milliseconds(500)
    /// Opens after repeated failures so that a hung server stops costing a timeout per call; nil turns the
    /// breaker off (every call then goes to the pool, which still backs off reconnects to a refusing server).
    public var circuitBreaker: RedisCircuitBreakerPolicy? = RedisCircuitBreakerPolicy()
    /// After a failed connect the client does not try again before this delay, which doubles with each further
    /// failure up to `maximumReconnectDelay`. Commands issued meanwhile fail immediately.
    public var initialReconnectDelay: Duration = .milliseconds(100)
    public var maximumReconnectDelay: Duration = .seconds(2)

    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Parses `redis://[[user]:password@]host[:port][/db]`.
    ///
    /// User and password may be percent-encoded (`%40` for `@`). The host may be an IPv6 literal in brackets.
    /// `rediss://` (TLS), unix sockets and query options are rejected rather than ignored, so a URL never means
    /// something other than what it says.
    public init(url: String) throws {
        self.init()
        func invalid(_ reason: String) -> RedisError {
            // Never echo the URL itself: it may hold the password.
            .invalidConfiguration("REDIS_URL: \(reason)")
        }
        guard let schemeEnd = url.firstRange(of: "://") else { throw invalid("expected redis://host:port[/db]") }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "redis" else {
            throw invalid(scheme == "rediss" ? "TLS (rediss://) is not supported" : "unsupported scheme \"\(scheme)\"")
        }
        var rest = url[schemeEnd.upperBound...]
        guard !rest.contains("?"), !rest.contains("#") else { throw invalid("query options are not supported") }

        // Authority ends at the first "/" after the userinfo (a password may contain "/" only percent-encoded).
        var path = Substring("")
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var hostPort = rest
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            hostPort = rest[rest.index(after: at)...]
            guard let colon = userInfo.firstIndex(of: ":") else {
                throw invalid("credentials need a password (redis://user:password@host or redis://:password@host)")
            }
            let user = try Self.percentDecoded(userInfo[..<colon], invalid)
            let password = try Self.percentDecoded(userInfo[userInfo.index(after: colon)...], invalid)
            guard !password.isEmpty else { throw invalid("empty password") }
            self.username = user.isEmpty ? nil : user
            self.password = password
        }

        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw invalid("unterminated IPv6 address") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let afterHost = hostPort[hostPort.index(after: close)...]
            if !afterHost.isEmpty {
                guard afterHost.hasPrefix(":") else { throw invalid("unexpected characters after the IPv6 address") }
                port = try Self.port(afterHost.dropFirst(), invalid)
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            port = try Self.port(hostPort[hostPort.index(after: colon)...], invalid)
        } else {
            host = String(hostPort)
        }
        guard !host.isEmpty else { throw invalid("missing host") }

        if !path.isEmpty {
            guard let db = Int(path), db >= 0 else { throw invalid("the path must be a database number, e.g. /0") }
            database = db
        }
    }

    private static func port(_ text: Substring, _ invalid: (String) -> RedisError) throws -> Int {
        guard let port = Int(text), (1...65535).contains(port) else { throw invalid("invalid port") }
        return port
    }

    private static func percentDecoded(_ text: Substring, _ invalid: (String) -> RedisError) throws -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw invalid("invalid percent-encoding in the credentials")
            }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The target without credentials, safe for logs: `redis://host:port/db` (`***@` when a password is set).
    public var description: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let credentials = password == nil ? "" : "\(username ?? ""):***@"
        return "redis://\(credentials)\(hostPart):\(port)/\(database)"
    }

    func validate() throws {
        guard maximumConnections >= 1 else { throw RedisError.invalidConfiguration("maximumConnections must be ≥ 1") }
        guard (1...65535).contains(port) else { throw RedisError.invalidConfiguration("invalid port \(port)") }
        guard database >= 0 else { throw RedisError.invalidConfiguration("invalid database \(database)") }
        guard username == nil || password != nil else {
            throw RedisError.invalidConfiguration("a username needs a password")
        }
        for (name, value) in [
            ("connectTimeout", connectTimeout), ("commandTimeout", commandTimeout),
            ("initialReconnectDelay", initialReconnectDelay),
            ("maximumReconnectDelay", maximumReconnectDelay),
        ] where value <= .zero {
            throw RedisError.invalidConfiguration("\(name) must be positive")
        }
        if let breaker = circuitBreaker {
            guard breaker.failureThreshold >= 1 else {
                throw RedisError.invalidConfiguration("circuitBreaker.failureThreshold must be ≥ 1")
            }
            guard breaker.cooldown > .zero else { throw RedisError.invalidConfiguration("circuitBreaker.cooldown must be positive") }
        }
    }
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}

extension Duration {
    /// NIO's time type; clamps at the bounds instead of trapping on absurd values.
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        let (secondsAsNanos, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, overflow2) = secondsAsNanos.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflow || overflow2 { return .nanoseconds(seconds < 0 ? .min : .max) }
        return .nanoseconds(total)
    }
}
