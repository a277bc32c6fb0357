import CLZ4

/// Decompresses LZ4 frames with liblz4, never trusting a declared size beyond a cap.
///
/// Input comes from disks that rot and sticks that pass through many hands, so the decoder
/// checks the frame magic itself, refuses a declared content size above `maxOutput` before
/// allocating anything, bounds frames that declare no size by growing its buffer only up to
/// the cap, and reports truncation and trailing bytes as distinct errors.
///
/// An instance keeps one liblz4 decompression context for reuse; it is not thread-safe, so
/// give each reader its own. The static helpers create a fresh one per call.
public final class LZ4FrameDecompressor {
    /// The cap used when the caller names none: 64 MiB of output per frame.
    public static let defaultMaxOutput = 64 << 20

    private let context: OpaquePointer?

    /// Creates a decompressor with its own liblz4 context.
    public init() {
        var created: OpaquePointer?
        let status = LZ4F_createDecompressionContext(&created, UInt32(LZ4F_VERSION))
        context = LZ4F_isError(status) != 0 ? nil : created
    }

    deinit {
        if let context { _ = LZ4F_freeDecompressionContext(context) }
    }

    /// Decompresses exactly one LZ4 frame that fills all of `input`.
    ///
    /// - Parameters:
    ///   - input: the frame bytes, nothing before or after.
    ///   - maxOutput: the most output accepted; a larger declared or actual size is an error.
    /// - Returns: the decompressed bytes.
    /// - Throws: `LZ4Error` with `.malformedFrame`, `.truncatedFrame`, `.outputTooLarge`
    ///   or `.trailingBytes`.
    public func decompressFrame(_ input: UnsafeRawBufferPointer, maxOutput: Int = defaultMaxOutput) throws(LZ4Error) -> [UInt8] {
        let (output, consumed) = try decompressFirstFrame(input, maxOutput: maxOutput)
        guard consumed == input.count else {
            throw LZ4Error(.trailingBytes, "\(input.count - consumed) bytes follow the frame", offset: consumed)
        }
        return output
    }

    /// Decompresses the LZ4 frame at the start of `input` and says how many bytes it used.
    ///
    /// - Returns: the output and the number of input bytes the frame occupied.
    public func decompressFirstFrame(
        _ input: UnsafeRawBufferPointer, maxOutput: Int = defaultMaxOutput
    ) throws(LZ4Error) -> (output: [UInt8], consumed: Int) {
        guard let context, let base = input.baseAddress else {
            throw LZ4Error(.truncatedFrame, "no input", offset: 0)
        }
        guard input.count >= 4 else { throw LZ4Error(.truncatedFrame, "input shorter than a frame magic", offset: 0) }
        let magic = UInt32(input[0]) | UInt32(input[1]) << 8 | UInt32(input[2]) << 16 | UInt32(input[3]) << 24
        guard magic == LZ4FrameCompressor.frameMagic else {
            throw LZ4Error(.malformedFrame, "not an LZ4 frame magic", offset: 0)
        }
        LZ4F_resetDecompressionContext(context)
        var info = LZ4F_frameInfo_t()
        var headerSize = input.count
        let hint = LZ4F_getFrameInfo(context, &info, base, &headerSize)
        if LZ4F_isError(hint) != 0 {
            LZ4F_resetDecompressionContext(context)
            let name = String(cString: LZ4F_getErrorName(hint))
            if name.contains("incomplete") || name.contains("srcSize") {
                throw LZ4Error(.truncatedFrame, "frame header incomplete", offset: 0)
            }
            throw LZ4Error(.malformedFrame, "bad frame header (\(name))", offset: 0)
        }
        if info.contentSize > UInt64(maxOutput) {
            LZ4F_resetDecompressionContext(context)
            throw LZ4Error(.outputTooLarge, "frame declares \(info.contentSize) bytes, cap is \(maxOutput)", offset: 0)
        }
        if info.contentSize > 0 {
            return try decodeDeclared(
                base, count: input.count, from: headerSize, declared: Int(info.contentSize),
                blockMaximum: Self.blockMaximum(info.blockSizeID))
        }
        var capacity = min(maxOutput, max(1 << 16, input.count * 4))
        var output = [UInt8](repeating: 0, count: capacity)
        var produced = 0
        var consumed = headerSize
        while true {
            var dstSize = capacity - produced
            var srcSize = input.count - consumed
            let status = output.withUnsafeMutableBytes { out in
                LZ4F_decompress(context, out.baseAddress.map { $0 + produced }, &dstSize, base + consumed, &srcSize, nil)
            }
            if LZ4F_isError(status) != 0 {
                LZ4F_resetDecompressionContext(context)
                let name = String(cString: LZ4F_getErrorName(status))
                throw LZ4Error(.malformedFrame, "corrupt frame (\(name))", offset: consumed)
            }
            produced += dstSize
            consumed += srcSize
            if status == 0 { break }
            if produced == capacity {
                guard capacity < maxOutput else {
                    LZ4F_resetDecompressionContext(context)
                    throw LZ4Error(.outputTooLarge, "frame output exceeds \(maxOutput) bytes", offset: consumed)
                }
                capacity = min(maxOutput, capacity * 2)
                output.append(contentsOf: repeatElement(0, count: capacity - output.count))
            } else if consumed == input.count {
                LZ4F_resetDecompressionContext(context)
                throw LZ4Error(.truncatedFrame, "input ends inside the frame", offset: consumed)
            }
        }
        output.removeSubrange(produced...)
        return (output, consumed)
    }

    /// Decodes a frame whose header declared its size (already checked against the cap).
    ///
    /// The buffer is the declared size rounded up to whole LZ4 blocks, so liblz4 decodes every
    /// block straight into it rather than through its own buffer and a copy; nothing is written
    /// past the buffer, and any output beyond the declared size is an error.
    private func decodeDeclared(
        _ base: UnsafeRawPointer, count: Int, from start: Int, declared: Int, blockMaximum: Int
    ) throws(LZ4Error) -> (output: [UInt8], consumed: Int) {
        guard let context else { throw LZ4Error(.malformedFrame, "no decompression context") }
        let capacity = (declared + blockMaximum - 1) / blockMaximum * blockMaximum
        var failure: LZ4Error?
        var consumed = start
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            var produced = 0
            initialized = 0
            while true {
                var dstSize = capacity - produced
                var srcSize = count - consumed
                let status = LZ4F_decompress(context, buffer.baseAddress.map { $0 + produced }, &dstSize, base + consumed, &srcSize, nil)
                if LZ4F_isError(status) != 0 {
                    failure = LZ4Error(.malformedFrame, "corrupt frame (\(String(cString: LZ4F_getErrorName(status))))", offset: consumed)
                    return
                }
                produced += dstSize
                consumed += srcSize
                if produced > declared {
                    failure = LZ4Error(.malformedFrame, "frame produced more than its declared \(declared) bytes", offset: consumed)
                    return
                }
                if status == 0 { break }
                if consumed == count && dstSize == 0 {
                    failure = LZ4Error(.truncatedFrame, "input ends inside the frame", offset: consumed)
                    return
                }
                if dstSize == 0 && srcSize == 0 {
                    failure = LZ4Error(.malformedFrame, "frame makes no progress", offset: consumed)
                    return
                }
            }
            guard produced == declared else {
                failure = LZ4Error(.malformedFrame, "frame produced \(produced) bytes, declared \(declared)", offset: consumed)
                return
            }
            initialized = produced
        }
        if let failure {
            LZ4F_resetDecompressionContext(context)
            throw failure
        }
        return (output, consumed)
    }

    /// The largest LZ4 block a frame with this block-size id may hold.
    private static func blockMaximum(_ id: LZ4F_blockSizeID_t) -> Int {
        switch id {
        case LZ4F_max256KB: 256 << 10
        case LZ4F_max1MB: 1 << 20
        case LZ4F_max4MB: 4 << 20
        default: 64 << 10
        }
    }

    /// Decompresses a stream of LZ4 frames and skippable frames, as `lz4 -dc` does.
    ///
    /// Skippable frames are stepped over; the outputs of the data frames are concatenated.
    /// - Parameter maxOutput: the cap on the total output.
    public func decompressStream(_ input: UnsafeRawBufferPointer, maxOutput: Int = defaultMaxOutput) throws(LZ4Error) -> [UInt8] {
        var output = [UInt8]()
        var offset = 0
        while offset < input.count {
            let rest = UnsafeRawBufferPointer(rebasing: input[offset...])
            if let skippable = LZ4SkippableFrame.parseHeader(rest) {
                let end = LZ4SkippableFrame.headerSize + Int(skippable.payloadSize)
                guard end <= rest.count else { throw LZ4Error(.truncatedFrame, "skippable frame runs past the end", offset: offset) }
                offset += end
                continue
            }
            let frame: (output: [UInt8], consumed: Int)
            do throws(LZ4Error) {
                frame = try decompressFirstFrame(rest, maxOutput: maxOutput - output.count)
            } catch {
                throw LZ4Error(error.code, error.message, offset: offset + (error.offset ?? 0))
            }
            output.append(contentsOf: frame.output)
            offset += frame.consumed
        }
        return output
    }

    /// Decompresses one whole frame with a fresh context; see ``decompressFrame(_:maxOutput:)``.
    public static func decompressFrame(_ input: [UInt8], maxOutput: Int = defaultMaxOutput) throws(LZ4Error) -> [UInt8] {
        let decompressor = LZ4FrameDecompressor()
        return try withBytes(input) { raw throws(LZ4Error) in try decompressor.decompressFrame(raw, maxOutput: maxOutput) }
    }

    /// Decompresses a stream of frames with a fresh context; see ``decompressStream(_:maxOutput:)``.
    public static func decompressStream(_ input: [UInt8], maxOutput: Int = defaultMaxOutput) throws(LZ4Error) -> [UInt8] {
        let decompressor = LZ4FrameDecompressor()
        return try withBytes(input) { raw throws(LZ4Error) in try decompressor.decompressStream(raw, maxOutput: maxOutput) }
    }

    private static func withBytes(
        _ input: [UInt8], _ body: (UnsafeRawBufferPointer) throws(LZ4Error) -> [UInt8]
    ) throws(LZ4Error) -> [UInt8] {
        let result: Result<[UInt8], LZ4Error> = input.withUnsafeBytes { raw in
            do throws(LZ4Error) { return .success(try body(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
