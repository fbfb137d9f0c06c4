import AsyncHTTPClient
import Logging

/// Builds providers from settings. The app owns ONE `HTTPClient` (configured with
/// `LLMSettings.httpClientConfiguration(for:)`) and passes it in; this library creates no client and no
/// global state.
public enum LLMProviderFactory {
    public static func make(
        settings: LLMSettings,
        httpClient: HTTPClient,
        logger: Logger = Logger(label: "strideiq.llm")
    ) -> any LLMProvider {
        switch settings.provider {
        case .offline:
            OfflineProvider()
        case .openai:
            OpenAICompatibleProvider(settings: settings, httpClient: httpClient, logger: logger)
        case .anthropic:
            AnthropicProvider(settings: settings, httpClient: httpClient, logger: logger)
        }
    }

    /// `settings` as primary, then `fallbacks`, then — when `offlineLast` and the chain does not already
    /// end offline — the offline provider, all inside one deadline.
    public static func makeChain(
        primary settings: LLMSettings,
        fallbacks: [LLMSettings] = [],
        offlineLast: Bool,
        httpClient: HTTPClient,
        logger: Logger = Logger(label: "strideiq.llm")
    ) -> FallbackChain {
        var providers = ([settings] + fallbacks).map { self.make(settings: $0, httpClient: httpClient, logger: logger) }
        if offlineLast, providers.last?.descriptor.kind != .offline {
            providers.append(OfflineProvider(reason: "llm_failed"))
        }
        return FallbackChain(providers, logger: logger)
    }
}
