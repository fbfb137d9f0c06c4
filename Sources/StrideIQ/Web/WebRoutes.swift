import Vapor

/// Serves the web app (docs/web-app.md): the same page for every path the app routes on the client, and its
/// files under `/assets/<version>/`. These are pages, not API operations, so the OpenAPI document leaves them out.
struct WebRoutes: RouteCollection {
    let assets: WebAssets

    /// The paths that answer the app's page. Routing is client-side; the server only has to know the first segment.
    static let pagePaths: [[PathComponent]] = [
        [], ["signin"], ["signup"], ["checkin"], ["activities"], ["activities", "**"], ["plan"], ["plan", "**"], ["coach"],
        ["settings"], ["progress"],
    ]
    /// The page must be revalidated on every load: it names the release's asset version.
    static let pageCacheControl = "no-cache"
    /// A versioned asset never changes under its URL.
    static let versionedCacheControl = "public, max-age=31536000, immutable"

    func boot(routes: any RoutesBuilder) throws {
        for path in Self.pagePaths {
            routes.get(path) { req in Self.respond(assets.page, to: req, cacheControl: Self.pageCacheControl) }
        }
        routes.get("assets", "**") { req in
            let segments = req.parameters.getCatchall()
            guard segments.count >= 2, let file = assets.files[segments.dropFirst().joined(separator: "/")] else {
                throw APIError.notFound("Asset")
            }
            // Another release's URL (a page loaded before an upgrade) gets today's file, but never cached for long.
            let current = segments[0] == assets.version
            return Self.respond(file, to: req, cacheControl: current ? Self.versionedCacheControl : Self.pageCacheControl)
        }
    }

    static func respond(_ file: WebAssets.File, to req: Request, cacheControl: String) -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .eTag, value: file.etag)
        headers.replaceOrAdd(name: .cacheControl, value: cacheControl)
        if matches(req.headers[.ifNoneMatch], etag: file.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers.contentType = file.contentType
        return Response(status: .ok, headers: headers, body: .init(buffer: file.body))
    }

    /// `If-None-Match`: a list of (possibly weak) entity tags, or `*`.
    static func matches(_ values: [String], etag: String) -> Bool {
        values.lazy.flatMap { $0.split(separator: ",") }.contains { candidate in
            let tag = candidate.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == "W/" + etag
        }
    }
}
