// libFuzzer harness: the LZ4 frame decoder (Specs/segment-format.md §3, LZ4Codec).
// Any input must either decode within the output cap or throw LZ4Error; never trap or overrun.
import LZ4Codec

/// libFuzzer's entry point: decodes the input as one frame and as a frame stream.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLZ4(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let decompressor = LZ4FrameDecompressor()
    let cap = 1 << 20
    if let out = try? decompressor.decompressFrame(bytes, maxOutput: cap), out.count > cap {
        fatalError("decompressFrame returned \(out.count) bytes, over the cap of \(cap)")
    }
    if let out = try? decompressor.decompressStream(bytes, maxOutput: cap), out.count > cap {
        fatalError("decompressStream returned \(out.count) bytes, over the cap of \(cap)")
    }
    return 0
}
