import Vapor

/// `GET /openapi.json`: the OpenAPI 3.1 document of every route (`OpenAPIDocument`, encoded once).
struct OpenAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("openapi.json", use: document)
    }

    func document(req: Request) async throws -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(data: OpenAPIDocument.json))
    }
}
