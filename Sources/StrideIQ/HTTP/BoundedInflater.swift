import CompressNIO
import NIOCore

/// zlib inflation with a ceiling on the output, for compressed request bodies and gzipped activity files: a
/// small input that inflates without end (a "zip bomb") stops at `limit` instead of filling memory.
enum BoundedInflater {
    enum Failure: Error {
        /// The output would pass the limit.
        case tooLarge
        /// Not a valid stream: corrupt, truncated, or with trailing bytes.
        case corrupt
        /// zlib could not be set up.
        case unavailable
    }

    private static let chunkSize = 16 * 1024

    static func inflate(_ compressed: ByteBuffer, algorithm: ZlibAlgorithm, limit: Int) throws(Failure) -> ByteBuffer {
        var input = compressed
        let decompressor: ZlibDecompressor
        do {
            decompressor = try ZlibDecompressor(algorithm: algorithm)
        } catch {
            throw .unavailable
        }
        guard input.readableBytes > 0 else { throw .corrupt }
        var output = ByteBuffer()
        var chunk = ByteBuffer()
        while true {
            chunk.clear(minimumCapacity: chunkSize)
            var full = false
            do {
                try decompressor.inflate(from: &input, to: &chunk)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                full = true  // the chunk is full and more output follows
            } catch {
                // Corrupt data; or (`inputBufferOverflow`) no input left and no progress: a truncated stream.
                throw .corrupt
            }
            if output.readableBytes + chunk.readableBytes > limit { throw .tooLarge }
            output.writeBuffer(&chunk)
            if full { continue }
            // zlib stopped with room to spare: either the stream ended, or the input ran out first. Bytes left
            // over mean the former, with trailing garbage no input we accept has.
            if input.readableBytes > 0 { throw .corrupt }
            // With no input left, zlib answers "stream end" only if the stream really ended, and "no progress"
            // (inputBufferOverflow) if it was cut short.
            chunk.clear(minimumCapacity: chunkSize)
            do {
                try decompressor.inflate(from: &input, to: &chunk)
            } catch {
                throw .corrupt
            }
            return output
        }
    }
}
