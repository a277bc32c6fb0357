import Logging

/// The log handler Hummingbird's per-request loggers use: the server's handler, with the
/// metadata kept aside and handed to it only when a line is logged.
///
/// Why: Hummingbird copies its logger for every request and sets `hb.request.id` on the copy;
/// swift-log's `StreamLogHandler` formats its whole metadata again on every such set (a sort
/// and a string per request, about 1 % of the server's CPU per consult), though at serve's
/// `info` level no per-request line of Hummingbird's is ever written. Here a set is one
/// dictionary store; a line that is logged gets the same metadata and the same text from the
/// wrapped handler as before.
struct RequestLogHandler: LogHandler {
    /// The server's handler (serve's `StreamLogHandler`).
    private var wrapped: any LogHandler
    /// The metadata, the wrapped handler's own at first.
    var metadata: Logger.Metadata

    init(wrapping handler: any LogHandler) {
        wrapped = handler
        metadata = handler.metadata
    }

    var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { wrapped.metadataProvider }
        set { wrapped.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var handler = wrapped
        handler.metadata = metadata
        handler.log(event: event)
    }
}

extension Logger {
    /// This logger with its handler wrapped in a ``RequestLogHandler``.
    var withRequestLogHandler: Logger {
        var logger = self
        logger.handler = RequestLogHandler(wrapping: handler)
        return logger
    }
}
