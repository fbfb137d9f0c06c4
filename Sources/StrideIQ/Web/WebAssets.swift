import Foundation
import Vapor

/// The web app's files, read once at boot (the whole app is well under 200 KB) so serving them touches no
/// disk. `index.html` is a template: the server fills in the release's version and one link per stylesheet
/// and module, so the browser fetches every module in parallel instead of discovering imports one by one.
///
/// The version is a hash of every file: asset URLs are `/assets/<version>/<path>` and can be cached forever,
/// while the page itself is revalidated on every load. A browser therefore never runs a script from an
/// older release against a newer server. See docs/web-app.md.
struct WebAssets: Sendable {
    struct File: Sendable {
        let body: ByteBuffer
        let contentType: HTTPMediaType
        let etag: String
    }

    let version: String
    let page: File
    let files: [String: File]
    let directory: String

    /// Where the app's files are: `WEB_DIR` when set, else the resource bundle SwiftPM puts next to the binary
    /// (or the test runner), else the source tree this binary was built from (a binary copied elsewhere on the
    /// build machine). nil when none has an `index.html`.
    static func locate(configured: String?) -> URL? {
        if let configured { return URL(fileURLWithPath: configured, isDirectory: true) }
        let bundleName = "strideiq_StrideIQ.resources"
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            candidates.append(executable.deletingLastPathComponent().appendingPathComponent(bundleName))
        }
        candidates.append(Bundle.main.bundleURL.appendingPathComponent(bundleName))
        candidates = candidates.map { $0.appendingPathComponent("app", isDirectory: true) }
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("app", isDirectory: true))
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("index.html").path) }
    }

    /// Reads every file under `directory` (hidden files skipped). Throws when `index.html` is missing.
    static func load(from directory: URL) throws -> WebAssets {
        let root = directory.standardizedFileURL.resolvingSymlinksInPath()
        guard
            let enumerator = FileManager.default.enumerator(
                at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { throw WebAssetsError.unreadable(root.path) }
        var contents: [String: Data] = [:]
        for case let url as URL in enumerator {
            guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
            let path = String(url.resolvingSymlinksInPath().path.dropFirst(root.path.count + 1))
            contents[path] = try Data(contentsOf: url)
        }
        guard let template = contents.removeValue(forKey: "index.html") else { throw WebAssetsError.noIndex(root.path) }

        var hasher = SHA256()
        for path in contents.keys.sorted() {
            hasher.update(data: Data(path.utf8))
            hasher.update(data: contents[path]!)
        }
        hasher.update(data: template)
        let version = hasher.finalize().prefix(6).map { String(format: "%02x", $0) }.joined()

        var files: [String: File] = [:]
        for (path, data) in contents {
            files[path] = File(body: ByteBuffer(data: data), contentType: mediaType(of: path), etag: etag(of: data))
        }
        let page = Data(render(template: String(decoding: template, as: UTF8.self), version: version, paths: Array(contents.keys)).utf8)
        return WebAssets(
            version: version, page: File(body: ByteBuffer(data: page), contentType: .html, etag: etag(of: page)),
            files: files, directory: root.path)
    }

    /// Fills the page template: the version, the stylesheets (`css/app.css` first) and a modulepreload per module.
    static func render(template: String, version: String, paths: [String]) -> String {
        let styles = paths.filter { $0.hasPrefix("css/") && $0.hasSuffix(".css") }
            .sorted { ($0 == "css/app.css" ? "" : $0) < ($1 == "css/app.css" ? "" : $1) }
            .map { "<link rel=\"stylesheet\" href=\"/assets/\(version)/\($0)\">" }
        let modules = paths.filter { $0.hasPrefix("js/") && $0.hasSuffix(".js") && $0 != "js/main.js" }.sorted()
            .map { "<link rel=\"modulepreload\" href=\"/assets/\(version)/\($0)\">" }
        return
            template
            .replacingOccurrences(of: "<!-- STYLES -->", with: styles.joined(separator: "\n  "))
            .replacingOccurrences(of: "<!-- MODULEPRELOAD -->", with: modules.joined(separator: "\n  "))
            .replacingOccurrences(of: "{{VERSION}}", with: version)
    }

    /// Total bytes of the JavaScript and CSS (the budget is 150 KB uncompressed).
    var scriptAndStyleBytes: Int {
        files.filter { $0.key.hasSuffix(".js") || $0.key.hasSuffix(".css") }.reduce(0) { $0 + $1.value.body.readableBytes }
    }

    private static func etag(of data: Data) -> String {
        "\"" + SHA256.hash(data: data).prefix(10).map { String(format: "%02x", $0) }.joined() + "\""
    }

    private static func mediaType(of path: String) -> HTTPMediaType {
        switch (path as NSString).pathExtension.lowercased() {
        case "js", "mjs": HTTPMediaType(type: "text", subType: "javascript", parameters: ["charset": "utf-8"])
        case "css": HTTPMediaType(type: "text", subType: "css", parameters: ["charset": "utf-8"])
        case "html": .html
        case "svg": HTTPMediaType(type: "image", subType: "svg+xml")
        case "png": .png
        case "ico": HTTPMediaType(type: "image", subType: "x-icon")
        case "json": .json
        case "webmanifest": HTTPMediaType(type: "application", subType: "manifest+json")
        case "txt": .plainText
        default: HTTPMediaType(type: "application", subType: "octet-stream")
        }
    }
}

enum WebAssetsError: Error, CustomStringConvertible {
    case unreadable(String)
    case noIndex(String)

    var description: String {
        switch self {
        case .unreadable(let path): "the web app directory \(path) cannot be read"
        case .noIndex(let path): "the web app directory \(path) has no index.html"
        }
    }
}
