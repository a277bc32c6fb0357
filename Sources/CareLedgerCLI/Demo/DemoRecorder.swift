import Foundation

/// One step of the demo as it ran: whether its expected outcome held, and what it showed.
struct DemoStep: Encodable {
    let name: String
    let title: String
    let ok: Bool
    let lines: [String]
    let durationMs: Int
}

/// What a step's body hands back: whether the expected outcome held and the lines to narrate.
struct DemoOutcome {
    var ok: Bool
    var lines: [String]

    init(_ ok: Bool, _ lines: [String]) {
        self.ok = ok
        self.lines = lines
    }
}

/// A step whose body failed outright (the demo cannot go on after it).
struct DemoAbort: Error {
    let step: String
    let message: String
}

/// Runs the demo's steps in order, times them, and narrates each in a line or two
/// (nothing is printed with `--json`: the summary object is printed once at the end).
final class DemoRecorder {
    private let json: Bool
    private let total: Int
    private(set) var steps: [DemoStep] = []

    init(json: Bool, total: Int) {
        self.json = json
        self.total = total
    }

    /// Every step so far held its expected outcome.
    var allOK: Bool { steps.allSatisfy(\.ok) }

    /// Prints a line for people (not with `--json`).
    func say(_ line: String) {
        if !json { print(line) }
    }

    /// Runs one step; a thrown error becomes a failed step and stops the demo (`DemoAbort`).
    func step(_ name: String, _ title: String, _ body: () async throws -> DemoOutcome) async throws {
        let start = Date()
        let outcome: DemoOutcome
        do {
            outcome = try await body()
        } catch {
            let message = Self.oneLine(error)
            record(DemoStep(name: name, title: title, ok: false, lines: ["failed: \(message)"], durationMs: Self.ms(since: start)))
            throw DemoAbort(step: name, message: message)
        }
        record(DemoStep(name: name, title: title, ok: outcome.ok, lines: outcome.lines, durationMs: Self.ms(since: start)))
    }

    private func record(_ step: DemoStep) {
        steps.append(step)
        guard !json else { return }
        let head = "[\(steps.count)/\(total)] \(step.title)"
        let mark = step.ok ? "ok" : "FAILED"
        let dots = String(repeating: ".", count: max(2, 64 - head.count))
        print("\(head) \(dots) \(mark) (\(step.durationMs) ms)")
        for line in step.lines { print("      \(line)") }
    }

    /// An error as one line for people, without stack traces or payload bytes.
    static func oneLine(_ error: any Error) -> String {
        let text = (error as? CLIFailure)?.message ?? String(describing: error)
        return text.split(separator: "\n").first.map(String.init) ?? text
    }

    static func ms(since start: Date) -> Int { Int(Date().timeIntervalSince(start) * 1000) }
}
