/// Wraps an existential conversation so the generic session driver can run it.
struct AnyConversation: SyncConversation {
    var base: any SyncConversation

    mutating func start() async throws -> ConversationStep { try await base.start() }

    mutating func receive(_ message: [UInt8]) async throws -> ConversationStep { try await base.receive(message) }

    mutating func pull() async throws -> ConversationStep { try await base.pull() }

    var logSummary: [String: String] { base.logSummary }
}
