import AsyncHTTPClient
import Foundation
import NIOCore

/// What an LLM call is for; each purpose has its own settings and timeout defaults.
public enum LLMPurpose: String, Sendable, Equatable, CaseIterable {
    case briefing
    case coach

    /// Prefix of the per-purpose environment variables (`BRIEFING_`, `COACH_`).
    public var environmentPrefix: String { self.rawValue.uppercased() + "_" }
}

/// The timeouts applied to every call (see `OpenAICompatibleProvider` for where each one acts).
public struct LLMTimeouts: Sendable, Equatable {
    /// TCP/TLS connect (HTTP client configuration).
    public var connect: Duration
    /// From request start to the first content token of a stream.
    public var firstToken: Duration
    /// Longest silence between two reads of a stream once the first token arrived.
    public var idle: Duration
    /// Total time for one provider call (client level: passed to the HTTP client as the request deadline and
    /// enforced around the call); the caller's deadline, when earlier, wins.
    public var request: Duration

    public init(connect: Duration, firstToken: Duration, idle: Duration, request: Duration) {
        self.connect = connect
        self.firstToken = firstToken
        self.idle = idle
        self.request = request
    }

    /// Briefing: fits the 12 s provider timeout inside the 15 s job deadline.
    public static let briefing = LLMTimeouts(connect: .seconds(3), firstToken: .seconds(10), idle: .seconds(8), request: .seconds(12))
    /// Coach: a streamed answer of up to 120 s.
    public static let coach = LLMTimeouts(connect: .seconds(3), firstToken: .seconds(30), idle: .seconds(30), request: .seconds(120))

    public static func defaults(for purpose: LLMPurpose) -> LLMTimeouts {
        switch purpose {
        case .briefing: .briefing
        case .coach: .coach
        }
    }
}

/// Settings of one provider for one purpose. `description`, `debugDescription` and reflection (`dump`)
/// never show the API key.
public struct LLMSettings: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var provider: LLMProviderKind
    /// OpenAI-compatible: including its version path (`https://api.openai.com/v1`); Anthropic: the host
    /// (`https://api.anthropic.com`). Empty for offline.
    public var baseURL: String
    public var apiKey: String?
    public var model: String
    public var timeouts: LLMTimeouts

    public init(provider: LLMProviderKind, baseURL: String, apiKey: String?, model: String, timeouts: LLMTimeouts) {
        self.provider = provider
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.model = model
        self.timeouts = timeouts
    }

    public static func offline(purpose: LLMPurpose) -> LLMSettings {
        LLMSettings(provider: .offline, baseURL: "", apiKey: nil, model: OfflineProvider.modelName, timeouts: .defaults(for: purpose))
    }

    public static func defaultBaseURL(for kind: LLMProviderKind) -> String {
        switch kind {
        case .offline: ""
        case .openai: "https://api.openai.com/v1"
        case .anthropic: "https://api.anthropic.com"
        }
    }

    /// `baseURL`, or the default for `kind` when it is empty (settings made in code rather than read from
    /// the environment, which always fills it in).
    func baseURL(orDefaultFor kind: LLMProviderKind) -> String {
        self.baseURL.isEmpty ? Self.defaultBaseURL(for: kind) : self.baseURL
    }

    public var description: String {
        let key = (self.apiKey?.isEmpty ?? true) ? "none" : "set"
        let base = self.baseURL.isEmpty ? "" : ", baseURL: \(self.baseURL)"
        return "LLMSettings(provider: \(self.provider.rawValue), model: \(self.model)\(base), apiKey: \(key), "
            + "timeouts: connect \(self.timeouts.connect.secondsDescription), first token \(self.timeouts.firstToken.secondsDescription), "
            + "idle \(self.timeouts.idle.secondsDescription), request \(self.timeouts.request.secondsDescription))"
    }

    public var debugDescription: String { self.description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "provider": self.provider,
                "baseURL": self.baseURL,
                "apiKey": (self.apiKey?.isEmpty ?? true) ? "none" : "[redacted]",
                "model": self.model,
                "timeouts": self.timeouts,
            ]
        )
    }
}

extension LLMSettings {
    /// Reads the settings for `purpose` from environment variables.
    ///
    /// `{P}LLM_PROVIDER`, `{P}LLM_BASE_URL`, `{P}LLM_API_KEY`, `{P}LLM_MODEL` (P = `BRIEFING_` or `COACH_`),
    /// each inheriting `LLM_*` when unset or empty. Timeouts: `{P}LLM_CONNECT_TIMEOUT_S`,
    /// `{P}LLM_FIRST_TOKEN_TIMEOUT_S`, `{P}LLM_IDLE_TIMEOUT_S` (inheriting `LLM_*_TIMEOUT_S`), and the request
    /// timeout from `BRIEFING_PROVIDER_TIMEOUT_S` (briefing) or `COACH_STREAM_TIMEOUT_S` (coach).
    ///
    /// Returns usable settings in every case (offline when the configuration is invalid) plus every problem
    /// found, worded for an operator; `problems` is empty when the configuration is valid.
    public static func resolve(
        purpose: LLMPurpose,
        environment: [String: String]
    ) -> (settings: LLMSettings, problems: [String]) {
        var problems: [String] = []
        let variables = Variables(purpose: purpose, environment: environment)

        func seconds(_ variable: String, inherit: Bool, default fallback: Duration) -> Duration {
            let found = inherit ? variables.lookup(variable) : variables.exact(variable)
            guard let found else { return fallback }
            guard let number = Double(found.value), number.isFinite, number > 0, number <= 86_400 else {
                problems.append("\(found.name): expected a positive number of seconds, got \"\(found.value)\"")
                return fallback
            }
            return .milliseconds(Int64((number * 1000).rounded()))
        }

        // Provider.
        var kind = LLMProviderKind.offline
        if let found = variables.lookup("LLM_PROVIDER") {
            if let parsed = LLMProviderKind(rawValue: found.value.lowercased()) {
                kind = parsed
            } else {
                let names = LLMProviderKind.allCases.map(\.rawValue).joined(separator: ", ")
                problems.append("\(found.name): unknown provider \"\(found.value)\" (expected one of: \(names))")
            }
        }

        // Timeouts.
        let defaults = LLMTimeouts.defaults(for: purpose)
        let requestVariable = purpose == .briefing ? "BRIEFING_PROVIDER_TIMEOUT_S" : "COACH_STREAM_TIMEOUT_S"
        let timeouts = LLMTimeouts(
            connect: seconds("LLM_CONNECT_TIMEOUT_S", inherit: true, default: defaults.connect),
            firstToken: seconds("LLM_FIRST_TOKEN_TIMEOUT_S", inherit: true, default: defaults.firstToken),
            idle: seconds("LLM_IDLE_TIMEOUT_S", inherit: true, default: defaults.idle),
            request: seconds(requestVariable, inherit: false, default: defaults.request)
        )

        var offline = LLMSettings.offline(purpose: purpose)
        offline.timeouts = timeouts
        guard kind != .offline else { return (offline, problems) }
        let settings = variables.modelProvider(kind, stem: "LLM_", role: "provider", timeouts: timeouts, problems: &problems)
        return (problems.isEmpty ? settings : offline, problems)
    }

    /// Reads the fallback of `purpose`: a second model provider, tried when `primary` fails before its first token
    /// (`FallbackChain`). `{P}LLM_FALLBACK_PROVIDER`, `{P}LLM_FALLBACK_BASE_URL`, `{P}LLM_FALLBACK_API_KEY`,
    /// `{P}LLM_FALLBACK_MODEL`, each inheriting `LLM_FALLBACK_*` when unset or empty, as the primary's settings
    /// inherit `LLM_*` (nothing is inherited from the primary: a fallback is another provider with its own key).
    /// Unset or `none` means no fallback. It uses the primary's timeouts and shares the caller's deadline.
    ///
    /// `nil` when there is no fallback or its settings are invalid (every problem is returned).
    public static func resolveFallback(
        purpose: LLMPurpose,
        environment: [String: String],
        primary: LLMSettings
    ) -> (settings: LLMSettings?, problems: [String]) {
        var problems: [String] = []
        let variables = Variables(purpose: purpose, environment: environment)
        let prefix = purpose.environmentPrefix
        guard let found = variables.lookup("LLM_FALLBACK_PROVIDER") else {
            // A per-purpose setting without a provider is a mistake; a global one may serve the other purpose only.
            let settingsWithoutProvider = ["LLM_FALLBACK_BASE_URL", "LLM_FALLBACK_API_KEY", "LLM_FALLBACK_MODEL"]
            let stray = settingsWithoutProvider.compactMap { variables.exact(prefix + $0)?.name }
            if let name = stray.first {
                problems.append("\(name) is set but \(prefix)LLM_FALLBACK_PROVIDER (or LLM_FALLBACK_PROVIDER) is not")
            }
            return (nil, problems)
        }
        let value = found.value.lowercased()
        if value == "none" { return (nil, problems) }
        guard let kind = LLMProviderKind(rawValue: value), kind != .offline else {
            let expected = "expected openai, anthropic, or none for no fallback"
            problems.append("\(found.name): \"\(found.value)\" cannot be a fallback (\(expected))")
            return (nil, problems)
        }
        // An unknown primary is reported by `resolve`; an offline one has nothing to fall back from.
        let primaryNamed = variables.lookup("LLM_PROVIDER")?.value.lowercased() ?? LLMProviderKind.offline.rawValue
        if primaryNamed == LLMProviderKind.offline.rawValue {
            problems.append(
                "\(found.name) is set but the \(purpose.rawValue) provider is offline: set \(prefix)LLM_PROVIDER "
                    + "(or LLM_PROVIDER) first, or \(prefix)LLM_FALLBACK_PROVIDER=none")
        }
        let settings = variables.modelProvider(
            kind, stem: "LLM_FALLBACK_", role: "fallback provider", timeouts: primary.timeouts,
            problems: &problems)
        return (problems.isEmpty ? settings : nil, problems)
    }

    /// The environment as one purpose reads it: `{P}NAME`, else `NAME`, an empty value counting as unset.
    private struct Variables {
        let purpose: LLMPurpose
        let environment: [String: String]

        var prefix: String { purpose.environmentPrefix }

        func exact(_ name: String) -> (name: String, value: String)? {
            guard let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
            return (name, value)
        }

        func lookup(_ name: String) -> (name: String, value: String)? {
            exact(prefix + name) ?? exact(name)
        }

        /// Base URL, model and key of a model provider from `{P}{stem}BASE_URL`, `…MODEL`, `…API_KEY`.
        func modelProvider(
            _ kind: LLMProviderKind, stem: String, role: String, timeouts: LLMTimeouts,
            problems: inout [String]
        ) -> LLMSettings {
            var baseURL = LLMSettings.defaultBaseURL(for: kind)
            if let found = lookup(stem + "BASE_URL") {
                if let normalised = normaliseBaseURL(found.value) {
                    baseURL = normalised
                } else {
                    problems.append("\(found.name): \"\(found.value)\" is not an http(s) URL with a host (e.g. https://api.openai.com/v1)")
                }
            }

            let model = lookup(stem + "MODEL")?.value ?? ""
            if model.isEmpty {
                problems.append(
                    "\(prefix)\(stem)MODEL (or \(stem)MODEL) is required when the \(purpose.rawValue) \(role) is \(kind.rawValue)")
            }

            // Key: Anthropic needs one; local OpenAI-compatible servers (Ollama, llama.cpp) do not.
            let apiKey = lookup(stem + "API_KEY")?.value
            if kind == .anthropic, apiKey == nil {
                problems.append("\(prefix)\(stem)API_KEY (or \(stem)API_KEY) is required when the \(purpose.rawValue) \(role) is anthropic")
            }
            if kind == .openai, apiKey == nil, let host = URLComponents(string: baseURL)?.host?.lowercased(),
                host.hasSuffix("openai.com") || host.hasSuffix("googleapis.com")
            {
                problems.append(
                    "\(prefix)\(stem)API_KEY (or \(stem)API_KEY) is required for \(host) (only local servers work without a key)")
            }
            return LLMSettings(provider: kind, baseURL: baseURL, apiKey: apiKey, model: model, timeouts: timeouts)
        }
    }

    static func normaliseBaseURL(_ text: String) -> String? {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty,
            components.query == nil, components.fragment == nil
        else { return nil }
        var normalised = text
        while normalised.hasSuffix("/") { normalised.removeLast() }
        return normalised
    }

    /// A configuration for the ONE shared `HTTPClient` the app creates and passes to the factory: the
    /// connect timeout is the largest of the given settings', the read (idle) timeout a backstop above
    /// every per-call timeout (the per-call ones are enforced by the providers themselves), up to
    /// `maxConnectionsPerHost` HTTP/1.1 connections per host (AsyncHTTPClient's default of 8 would queue the
    /// 9th concurrent stream to a local server), no redirects, and a refused connection fails at once
    /// instead of being retried until the connect timeout.
    public static func httpClientConfiguration(
        for settings: [LLMSettings],
        maxConnectionsPerHost: Int = 256
    ) -> HTTPClient.Configuration {
        let all = settings.isEmpty ? [LLMSettings.offline(purpose: .briefing)] : settings
        let connect = all.map(\.timeouts.connect).max() ?? .seconds(3)
        let read = all.map { max($0.timeouts.request, $0.timeouts.idle, $0.timeouts.firstToken) }.max() ?? .seconds(120)
        var configuration = HTTPClient.Configuration(
            timeout: .init(connect: connect.timeAmount, read: read.timeAmount + .seconds(1))
        )
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60),
            concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, maxConnectionsPerHost)
        )
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }
}

extension Duration {
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = self.components
        let clamped = min(max(seconds, 0), 1_000_000_000)
        return .nanoseconds(clamped * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
