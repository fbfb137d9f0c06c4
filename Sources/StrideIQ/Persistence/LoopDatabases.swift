import Fluent
import Vapor

/// One database handle per event loop, made on first use and then shared by the requests on that loop.
///
/// `request.db` makes a new handle on every call (the driver lookup, a context, the driver's wrappers): a few
/// percent of an authenticated request, whose one statement is the athlete lookup. A handle holds no
/// connection (each statement leases one from the loop's pool), so sharing it between requests is what
/// `app.db` does for everything that is not a request. Its logger is the application's: the driver's own debug
/// lines for these statements carry no request id.
final class LoopDatabases: Sendable {
    private let handles = PerEventLoop<any Database>()

    /// The default database's handle for the request's event loop.
    func database(for request: Request) -> any Database {
        handles.value(for: request.eventLoop) {
            request.application.databases.database(logger: request.application.logger, on: request.eventLoop)!
        }
    }
}
