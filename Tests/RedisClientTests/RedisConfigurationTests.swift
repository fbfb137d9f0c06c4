import RedisClient
import Testing

@Suite("REDIS_URL parsing and configuration")
struct RedisConfigurationTests {
    @Test("host only: default port 6379, database 0, no credentials")
    func hostOnly() throws {
        let configuration = try RedisConfiguration(url: "redis://localhost")
        #expect(configuration.host == "localhost")
        #expect(configuration.port == 6379)
        #expect(configuration.database == 0)
        #expect(configuration.username == nil)
        #expect(configuration.password == nil)
    }

    @Test("host, port and database")
    func hostPortDatabase() throws {
        let configuration = try RedisConfiguration(url: "redis://10.0.0.5:6380/2")
        #expect(configuration.host == "10.0.0.5")
        #expect(configuration.port == 6380)
        #expect(configuration.database == 2)
        #expect(try RedisConfiguration(url: "redis://h:1/").database == 0)
        #expect(try RedisConfiguration(url: "REDIS://h").host == "h")
    }

    @Test("password only (AUTH password)")
    func passwordOnly() throws {
        let configuration = try RedisConfiguration(url: "redis://:s3cret@cache:6379/0")
        #expect(configuration.username == nil)
        #expect(configuration.password == "s3cret")
        #expect(configuration.host == "cache")
    }

    @Test("user and password (AUTH user password), percent-decoded")
    func userAndPassword() throws {
        let configuration = try RedisConfiguration(url: "redis://app%2Duser:p%40ss%3Aw%2Fd@cache:7000/5")
        #expect(configuration.username == "app-user")
        #expect(configuration.password == "p@ss:w/d")
        #expect(configuration.host == "cache")
        #expect(configuration.port == 7000)
        #expect(configuration.database == 5)
    }

    @Test("IPv6 literal")
    func ipv6() throws {
        let configuration = try RedisConfiguration(url: "redis://[::1]:7001/1")
        #expect(configuration.host == "::1")
        #expect(configuration.port == 7001)
        #expect(configuration.database == 1)
        #expect(try RedisConfiguration(url: "redis://[::1]").port == 6379)
    }

    @Test(
        "malformed or unsupported URLs are rejected with invalidConfiguration, never echoing the password",
        arguments: [
            "localhost:6379", "http://h", "rediss://h", "unix:///tmp/redis.sock", "redis://", "redis://:6379",
            "redis://h:0", "redis://h:65536", "redis://h:port", "redis://h/x", "redis://h/-1", "redis://h/1/2",
            "redis://user@h", "redis://:@h", "redis://:%zz@h", "redis://h?db=1", "redis://[::1", "redis://[::1]x",
        ])
    func rejected(url: String) {
        #expect {
            _ = try RedisConfiguration(url: url)
        } throws: { error in
            guard case RedisError.invalidConfiguration(let reason) = error else { return false }
            return !reason.contains("%zz")
        }
    }

    @Test("description is safe for logs")
    func descriptionRedactsPassword() throws {
        let configuration = try RedisConfiguration(url: "redis://alice:hunter2@cache:6379/3")
        #expect(configuration.description == "redis://alice:***@cache:6379/3")
        #expect(!"\(configuration)".contains("hunter2"))
        #expect(try RedisConfiguration(url: "redis://[::1]:1").description == "redis://[::1]:1/0")
    }

    @Test("invalid settings are rejected when the client is created")
    func invalidSettings() {
        var configuration = RedisConfiguration()
        configuration.maximumConnections = 0
        #expect(throws: RedisError.self) { _ = try RedisClient(configuration: configuration) }
        configuration = RedisConfiguration()
        configuration.commandTimeout = .zero
        #expect(throws: RedisError.self) { _ = try RedisClient(configuration: configuration) }
        configuration = RedisConfiguration(username: "alice")
        #expect(throws: RedisError.self) { _ = try RedisClient(configuration: configuration) }
    }

    @Test("expirations from Duration round up to whole milliseconds, at least 1")
    func expirationFromDuration() {
        #expect(RedisExpiration.after(.seconds(2)) == .milliseconds(2000))
        #expect(RedisExpiration.after(.microseconds(1500)) == .milliseconds(2))
        #expect(RedisExpiration.after(.zero) == .milliseconds(1))
        #expect(RedisExpiration.after(.seconds(-5)) == .milliseconds(1))
    }
}
