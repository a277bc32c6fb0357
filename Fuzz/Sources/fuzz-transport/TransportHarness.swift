// libFuzzer harness: the transport's frame decoder, Noise XX responder and record layer
// (Specs/sync-transport.md §3, §5). Data frames are encrypted with a fixed test key before
// the record layer opens them, so the fuzzer reaches record parsing past the AEAD.
import Crypto
import FuzzLedgerNet
import NIOCore

/// libFuzzer's entry point: frames from the input; handshake frames feed a responder, data
/// frames (sealed under the fixed key) feed a record layer.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTransport(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var buffer = ByteBufferAllocator().buffer(capacity: size)
    buffer.writeBytes(UnsafeRawBufferPointer(start: data, count: size))
    let key = (0..<32).map { UInt8($0) }
    var sealer = NoiseCipherState(key: key)
    var records = RecordLayer(sender: NoiseCipherState(key: key), receiver: NoiseCipherState(key: key),
                              maximumFrameLength: 65_536, maximumMessageSize: 1 << 20)
    guard let responderStatic = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: [UInt8](repeating: 0x44, count: 32)) else {
        fatalError("fixed test key rejected")
    }
    var handshake = NoiseXXHandshake(role: .responder, localStatic: responderStatic, prologue: Array("CareLedger".utf8))
    var recordsFailed = false
    while true {
        let frame: Frame
        do {
            guard let next = try FrameDecoder.decodeFrame(from: &buffer, maximumFrameLength: 65_536) else { break }
            frame = next
        } catch { break }
        switch frame.kind {
        case .handshake:
            if !handshake.isOurTurn, !handshake.isComplete {
                if (try? handshake.readMessage(frame.body)) == nil { continue }
                if handshake.isOurTurn { _ = try? handshake.writeMessage() }
            }
        case .abort:
            _ = CloseCode(bytes: frame.body)
        case .data:
            guard !recordsFailed, let sealed = try? sealer.encrypt(ad: [], plaintext: frame.body) else { continue }
            do { _ = try records.open(Frame(kind: .data, body: sealed)) } catch { recordsFailed = true }
        }
    }
    return 0
}
