import Foundation

/// The one live status line on a terminal. Log lines are printed above it.
final class ProgressLine: @unchecked Sendable {
    static let shared = ProgressLine()
    private let lock = NSLock()
    private var current = ""
    let isTerminal = isatty(STDERR_FILENO) == 1

    func printAbove(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        if isTerminal && !current.isEmpty { FileHandle.standardError.write(Data("\r\u{1b}[2K".utf8)) }
        FileHandle.standardError.write(Data((line + "\n").utf8))
        if isTerminal && !current.isEmpty { FileHandle.standardError.write(Data(current.utf8)) }
    }

    func show(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        current = String(line.prefix(120))
        FileHandle.standardError.write(Data(("\r\u{1b}[2K" + current).utf8))
    }

    func clear() {
        lock.lock()
        defer { lock.unlock() }
        if isTerminal && !current.isEmpty { FileHandle.standardError.write(Data("\r\u{1b}[2K".utf8)) }
        current = ""
    }
}

/// Reports progress of long work: a live line on a terminal, otherwise a
/// plain log line at most every `plainInterval` seconds.
public final class ProgressReporter: @unchecked Sendable {
    public let logger: Logger
    private var scope = ""
    private var count = 0
    private var started = Date()
    private var lastPlain = Date.distantPast
    private let plainInterval: TimeInterval
    private let live: Bool

    public init(logger: Logger, live: Bool? = nil, plainInterval: TimeInterval = 20) {
        self.logger = logger
        self.live = live ?? ProgressLine.shared.isTerminal
        self.plainInterval = plainInterval
    }

    /// Starts a new scope, for example one property.
    public func begin(_ name: String) {
        scope = name
        count = 0
        started = Date()
    }

    /// Records one finished unit of work.
    public func advance(_ detail: String) {
        count += 1
        let elapsed = Date().timeIntervalSince(started)
        let text = "\(scope): \(detail) (\(count) done, \(String(format: "%.0f", elapsed)) s)"
        if live {
            ProgressLine.shared.show(text)
        } else if Date().timeIntervalSince(lastPlain) >= plainInterval {
            lastPlain = Date()
            logger.info("progress", metadata: ["property.id": scope, "progress.detail": detail,
                                               "progress.done": "\(count)"])
        }
    }

    public func finish() {
        if live { ProgressLine.shared.clear() }
    }
}
