// swift-tools-version:6.0
import PackageDescription

// Thin executable (`strideiq`), fat app library (`StrideIQ`), Vapor-free domain (`StrideIQCore`)
// and LLM client layer (`LLM`). See README "Architecture".
let package = Package(
    name: "strideiq",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "strideiq", targets: ["strideiq"])
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.0"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        // Its C module sets `PRAGMA synchronous` on every connection (`SQLiteSynchronous`).
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/jwt.git", from: "5.2.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/mattpolzin/OpenAPIKit.git", from: "6.4.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
    ],
    targets: [
        .target(
            name: "StrideIQCore",
            swiftSettings: swiftSettings
        ),
        // One copy each of the small helpers every module needs: Duration units, the call-site deadline, locks.
        .target(
            name: "StrideIQSupport",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LLM",
            dependencies: [
                "StrideIQSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // In-process fake LLM server (both wire formats, fault modes) for tests and benchmarks.
        .target(
            name: "LLMFakeServer",
            dependencies: [
                "StrideIQSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Small RESP2 client on SwiftNIO (no Redis package is available to depend on).
        .target(
            name: "RedisClient",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StrideIQ",
            dependencies: [
                "StrideIQCore",
                "StrideIQSupport",
                "LLM",
                "RedisClient",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "JWT", package: "jwt"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "OpenAPIKit", package: "OpenAPIKit"),
                // zlib for gzip/deflate request bodies (RequestDecompressionMiddleware).
                .product(name: "CompressNIO", package: "compress-nio"),
                // Export archives (Strava's, Garmin's, any zip of activity files) read entry by entry, and the
                // athlete's own export written the same way.
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                // Multipart uploads parsed as a stream from the spooled body (never the whole body in memory).
                .product(name: "MultipartKit", package: "multipart-kit"),
            ],
            // The web app (plain HTML, CSS, JS modules) ships with the binary; `WebAssets` finds it at boot.
            resources: [.copy("Web/app")],
            swiftSettings: swiftSettings
        ),
        // `strideiq latency-check`: a client (no app, no database), so it lives apart from the Vapor app.
        .target(
            name: "LatencyCheck",
            dependencies: [
                "StrideIQSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "strideiq",
            dependencies: [
                "StrideIQ",
                "LatencyCheck",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // `fake-llm`: the fake provider as a process, for benchmarks and the topology test.
        .executableTarget(
            name: "fake-llm",
            dependencies: ["LLMFakeServer"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrideIQCoreTests",
            dependencies: ["StrideIQCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrideIQSupportTests",
            dependencies: ["StrideIQSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LLMTests",
            dependencies: [
                "LLM",
                "StrideIQSupport",
                "LLMFakeServer",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RedisClientTests",
            dependencies: [
                "RedisClient",
                "StrideIQSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LatencyCheckTests",
            dependencies: [
                "LatencyCheck",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrideIQTests",
            dependencies: [
                "StrideIQ",
                "StrideIQSupport",
                "LatencyCheck",
                "LLM",
                "LLMFakeServer",
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "NIOCore", package: "swift-nio"),
                // Compresses the request bodies of the decompression tests.
                .product(name: "CompressNIO", package: "compress-nio"),
                // Builds the archives the import tests upload, and reads the export.
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)

var swiftSettings: [SwiftSetting] {
    [.enableUpcomingFeature("ExistentialAny")]
}
