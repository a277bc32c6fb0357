// libFuzzer harness: the sync message decoder (Specs/sync-protocol.md §2-4).
// The stream decoder must give the same messages whatever the chunking, and every decoded
// message must survive encode → decode unchanged.
import LedgerSync

/// libFuzzer's entry point: byte 0 picks a chunk size, the rest is the stream.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSyncMessage(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let chunk = Int(data[0] % 16) + 1
    let stream = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    var limits = SyncLimits()
    limits.maxMessageBytes = 1 << 20
    var whole = SyncMessageDecoder(limits: limits)
    let wholeMessages = try? whole.feed(stream)
    var pieces = SyncMessageDecoder(limits: limits)
    var pieceMessages: [SyncMessage] = []
    var failed = false
    var index = 0
    while index < stream.count {
        let end = min(stream.count, index + chunk)
        do { pieceMessages += try pieces.feed(stream[index..<end]) } catch { failed = true; break }
        index = end
    }
    if let wholeMessages, !failed, wholeMessages != pieceMessages {
        fatalError("the decoder's output depends on how the stream is split")
    }
    for message in pieceMessages {
        guard let again = try? SyncMessageCodec.decode(frame: SyncMessageCodec.encode(message), limits: limits),
              again == message else {
            fatalError("a decoded message does not survive encode → decode")
        }
    }
    return 0
}
