import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// What a run measures against, taken from validated options.
struct RunSettings: Sendable {
    var baseURL: String
    var email: String
    var password: String
    var samples: Int
    var concurrency: Int
    var warmup: Int
    var timeout: Duration
}

/// The outcome of a run, before any comparison.
struct RunReport: Sendable {
    var endpoints: [Baseline.Endpoint]
    var sessionsOpened: Int
    var sessionsClosed: Int
    var logoutFailures: [String: Int]
    /// False when no login succeeded, so GET /v1/home could not be measured at all.
    var homeMeasured: Bool
}

/// Measures the three endpoints in order, then closes every session it opened.
struct LatencyRun: Sendable {
    static let health = "GET /v1/health"
    static let login = "POST /v1/auth/login"
    static let home = "GET /v1/home"

    let client: HTTPClient
    let settings: RunSettings
    let output: @Sendable (String) -> Void

    init(client: HTTPClient, settings: RunSettings, output: @escaping @Sendable (String) -> Void) {
        self.client = client
        self.settings = settings
        self.output = output
    }

    func run() async -> RunReport {
        let gate = AuthRateGate(announce: output)
        let ledger = SessionLedger()

        for _ in 0..<settings.warmup { _ = await healthSample() }
        let health = await runWorkers(count: settings.samples, concurrency: settings.concurrency) { _ in
            await healthSample()
        }

        for _ in 0..<settings.warmup { _ = await loginSample(gate: gate, ledger: ledger) }
        let login = await runWorkers(count: settings.samples, concurrency: settings.concurrency) { _ in
            await loginSample(gate: gate, ledger: ledger)
        }

        // One session stays open for the home phase: a server may well revoke the access token together
        // with its refresh token, and home must not be measured against a logged-out session.
        let sessions = ledger.all
        let homeSession = sessions.last
        var logoutFailures = await logout(Array(sessions.dropLast()), gate: gate)

        let home: [Sample]
        if let token = homeSession?.accessToken {
            for _ in 0..<settings.warmup { _ = await homeSample(token: token) }
            home = await runWorkers(count: settings.samples, concurrency: settings.concurrency) { _ in
                await homeSample(token: token)
            }
        } else {
            home = Array(repeating: Sample(durationMs: 0, failure: "no access token"), count: settings.samples)
        }
        if let homeSession {
            logoutFailures.append(contentsOf: await logout([homeSession], gate: gate))
        }

        return RunReport(
            endpoints: [
                Baseline.Endpoint(name: Self.health, samples: health),
                Baseline.Endpoint(name: Self.login, samples: login),
                Baseline.Endpoint(name: Self.home, samples: home),
            ],
            sessionsOpened: sessions.count,
            sessionsClosed: sessions.count - logoutFailures.count,
            logoutFailures: logoutFailures.reduce(into: [:]) { $0[$1, default: 0] += 1 },
            homeMeasured: homeSession != nil
        )
    }

    // MARK: samples

    private func healthSample() async -> Sample {
        let exchange = await send(makeRequest("/v1/health"))
        return Sample(durationMs: exchange.durationMs, failure: Self.failure(exchange, expecting: .ok))
    }

    private func homeSample(token: String) async -> Sample {
        var request = makeRequest("/v1/home")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let exchange = await send(request)
        return Sample(durationMs: exchange.durationMs, failure: Self.failure(exchange, expecting: .ok))
    }

    private struct TokenPair: Decodable {
        var access_token: String
        var refresh_token: String
    }

    private func loginSample(gate: AuthRateGate, ledger: SessionLedger) async -> Sample {
        let ticket = await gate.waitForTurn()
        let request = makeRequest("/v1/auth/login", json: ["email": settings.email, "password": settings.password])
        let exchange = await send(request)
        await gate.finished(ticket, exchange.headers)
        if let failure = Self.failure(exchange, expecting: .ok) {
            return Sample(durationMs: exchange.durationMs, failure: failure)
        }
        guard case .success(let response) = exchange.result,
            let tokens = try? JSONDecoder().decode(TokenPair.self, from: Data(response.body.readableBytesView))
        else {
            return Sample(durationMs: exchange.durationMs, failure: "200 without tokens")
        }
        ledger.record(Session(accessToken: tokens.access_token, refreshToken: tokens.refresh_token))
        return Sample(durationMs: exchange.durationMs)
    }

    /// Logs sessions out (unmeasured) and returns one failure reason per session that stayed open.
    /// A 429 is retried once after the pause it announces: these logouts share the login's rate limit, and
    /// a run of 50 samples would otherwise leave most of its sessions behind.
    private func logout(_ sessions: [Session], gate: AuthRateGate) async -> [String] {
        let outcomes = await runWorkers(count: sessions.count, concurrency: settings.concurrency) { index in
            var failure: String?
            for attempt in 1...2 {
                let ticket = await gate.waitForTurn()
                let request = makeRequest("/v1/auth/logout", json: ["refresh_token": sessions[index].refreshToken])
                let exchange = await send(request)
                await gate.finished(ticket, exchange.headers)
                if case .success(let response) = exchange.result, response.status == .tooManyRequests, attempt == 1 {
                    continue
                }
                failure = Self.failure(exchange, expecting: .noContent)
                break
            }
            return failure
        }
        return outcomes.compactMap { $0 }
    }

    // MARK: helpers

    private func send(_ request: HTTPClientRequest) async -> TimedExchange {
        await client.timedExchange(request, timeout: settings.timeout)
    }

    /// A GET, or a POST of `json` when given.
    private func makeRequest(_ path: String, json: [String: String]? = nil) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: settings.baseURL + path)
        request.headers.add(name: "User-Agent", value: "strideiq-latency-check")
        request.headers.add(name: "Accept", value: "application/json")
        if let json {
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            // Encoding a [String: String] cannot fail.
            let data = (try? JSONEncoder().encode(json)) ?? Data()
            request.body = .bytes(ByteBuffer(bytes: data))
        }
        return request
    }

    /// nil when the exchange succeeded with `status`; otherwise the reason counted for the sample.
    private static func failure(_ exchange: TimedExchange, expecting status: HTTPResponseStatus) -> String? {
        switch exchange.result {
        case .success(let response):
            return response.status == status ? nil : String(response.status.code)
        case .failure(let failure):
            return failure.reason
        }
    }
}
