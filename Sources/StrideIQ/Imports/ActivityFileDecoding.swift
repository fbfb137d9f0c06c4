import Foundation
import NIOCore
import StrideIQCore

/// One activity file's bytes to decoded activities: recognised by content (never by name alone), gunzipped
/// (bounded) when it is a `.gz`, then handed to the decoder for its format. Archives are not files: the import
/// opens them (`ImportArchive`) and calls this per entry. CPU work: call it off the event loop.
public enum ActivityFileDecoding {
    /// Decodes `bytes`; a gzip layer may inflate to at most `maxInflatedBytes` (and 100× its size is the usual
    /// `IMPORT_MAX_INFLATE_RATIO` bound the caller folds into that figure). Throws only `ActivityFileError`.
    public static func decode(_ bytes: [UInt8], maxInflatedBytes: Int) throws -> DecodedActivityFile {
        switch ActivityFileSniffer.sniff(bytes) {
        case .activity(let format):
            return try decode(bytes, as: format)
        case .gzip:
            let inflated = try gunzip(bytes, limit: maxInflatedBytes)
            switch ActivityFileSniffer.sniff(inflated) {
            case .activity(let format): return try decode(inflated, as: format)
            case .gzip, .zip:
                throw ActivityFileError(.unsupportedFormat, "a compressed archive inside a .gz file is not imported")
            case .unknown:
                throw ActivityFileError(.unsupportedFormat, "the .gz file does not hold a FIT, GPX or TCX file")
            }
        case .zip:
            throw ActivityFileError(.unsupportedFormat, "an archive inside an archive is not imported")
        case .unknown:
            throw ActivityFileError(.unsupportedFormat, "not a FIT, GPX or TCX file")
        }
    }

    static func decode(_ bytes: [UInt8], as format: ActivityFileFormat) throws -> DecodedActivityFile {
        switch format {
        case .fit: try FITDecoder.decode(bytes)
        case .gpx: try GPXDecoder.decode(bytes)
        case .tcx: try TCXDecoder.decode(bytes)
        }
    }

    /// Unwraps a gzip layer (what Strava's export does to each file), up to `limit` bytes out.
    public static func gunzip(_ bytes: [UInt8], limit: Int) throws -> [UInt8] {
        do {
            var out = try BoundedInflater.inflate(ByteBuffer(bytes: bytes), algorithm: .gzip, limit: limit)
            return out.readBytes(length: out.readableBytes) ?? []
        } catch .tooLarge {
            throw ActivityFileError(.tooLarge, "the .gz file expands past the import's size limit")
        } catch {
            throw ActivityFileError(.corrupt, "the .gz file is corrupt or cut short")
        }
    }
}
