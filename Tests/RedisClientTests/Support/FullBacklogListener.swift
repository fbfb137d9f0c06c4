#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A loopback port where TCP connects hang: a listening socket with a backlog of 0 that never accepts, its one
/// queue slot already taken. Further SYNs are dropped, as with a host that is down behind a firewall or a
/// dead container, so a client can only give up through its connect timeout.
final class FullBacklogListener {
    let port: Int
    private let listener: Int32
    private let filler: Int32

    init() throws {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)

        #if canImport(Glibc)
            let streamType = Int32(SOCK_STREAM.rawValue)
        #else
            let streamType = SOCK_STREAM
        #endif
        let listener = socket(AF_INET, streamType, 0)
        let filler = socket(AF_INET, streamType, 0)
        self.listener = listener
        self.filler = filler
        guard listener >= 0, filler >= 0 else {
            port = 0
            throw TestFailure("socket() failed")
        }
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(listener, generic, length) == 0
                    && listen(listener, 0) == 0
                    && getsockname(listener, generic, &length) == 0
                    && connect(filler, generic, length) == 0
            }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        guard bound else { throw TestFailure("could not set up a listener with a full backlog") }
    }

    deinit {
        close(filler)
        close(listener)
    }
}
