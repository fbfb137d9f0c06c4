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

    /// What a call site asks: the primary alone, or with `fallbacks` a `FallbackChain` of them all inside one
    /// deadline. `wrap` receives each provider before it joins the chain (the app measures every attempt there,
    /// under the provider that was actually called).
    public static func make(
        primary settings: LLMSettings,
        fallbacks: [LLMSettings],
        httpClient: HTTPClient,
        logger: Logger = Logger(label: "strideiq.llm"),
        wrap: (any LLMProvider) -> any LLMProvider = { $0 }
    ) -> any LLMProvider {
        let providers = ([settings] + fallbacks).map { wrap(self.make(settings: $0, httpClient: httpClient, logger: logger)) }
        return providers.count == 1 ? providers[0] : FallbackChain(providers, logger: logger)
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
