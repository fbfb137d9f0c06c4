/// Which wire format a request used (from its path).
public enum FakeWireFormat: String, Sendable, Equatable {
    case openAI = "openai"
    case anthropic
    case unknown
}

/// A request the fake server received.
public struct FakeRequest: Sendable {
    /// 0-based order of arrival on this server.
    public var index: Int
    public var connectionID: Int
    public var method: String
    public var path: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    public var receivedAt: ContinuousClock.Instant
    public var wireFormat: FakeWireFormat
    /// `stream: true` in the JSON body.
    public var isStreaming: Bool
    /// `model` in the JSON body.
    public var model: String?
    /// Streaming: content chunks written so far (each counted once the connection took it; a client that
    /// stops reading makes this stop growing).
    public var chunksSent = 0

    /// First header of that name (case-insensitive).
    public func header(_ name: String) -> String? {
        self.headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public var bodyText: String { String(decoding: self.body, as: UTF8.self) }
}

/// Who ended a connection.
public enum FakeCloser: String, Sendable, Equatable {
    /// The client closed it (or reset it) while the server had not decided to close.
    case client
    /// The server closed it (a fault such as reset/close-early, or shutdown).
    case server
}

/// A TCP connection the fake server accepted.
public struct FakeConnection: Sendable {
    public var id: Int
    public var openedAt: ContinuousClock.Instant
    public var closedAt: ContinuousClock.Instant?
    public var closedBy: FakeCloser?
    /// Indices of the requests received on this connection.
    public var requestIndices: [Int]
}
