import Foundation

/// A small structured logger with the shape of swift-log's `Logger`: a
/// level, a constant message and dotted metadata. swift-log itself is an
/// outside package this project cannot depend on.
public struct Logger: Sendable {
    public enum Level: Int, Comparable, Sendable, CaseIterable {
        case debug, info, warning, error
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        var name: String { ["debug", "info", "warning", "error"][rawValue] }
    }

    public typealias Metadata = [String: String]

    /// A destination for entries.
    public enum Sink: Sendable {
        /// Plain `time level message key=value` lines on standard error.
        case standardError
        /// One JSON object per line appended to a file.
        case jsonLines(path: String)
        /// Entries kept in memory, for tests.
        case memory(LogMemory)
        /// Entries dropped.
        case none
    }

    public var label: String
    public var minimumLevel: Level
    public var sinks: [Sink]

    public init(label: String, minimumLevel: Level = .info, sinks: [Sink] = [.standardError]) {
        self.label = label
        self.minimumLevel = minimumLevel
        self.sinks = sinks
    }

    public func debug(_ message: String, metadata: Metadata = [:]) { log(.debug, message, metadata) }
    public func info(_ message: String, metadata: Metadata = [:]) { log(.info, message, metadata) }
    public func warning(_ message: String, metadata: Metadata = [:]) { log(.warning, message, metadata) }
    public func error(_ message: String, metadata: Metadata = [:]) { log(.error, message, metadata) }

    public func log(_ level: Level, _ message: String, _ metadata: Metadata) {
        guard level >= minimumLevel else { return }
        let time = ISO8601DateFormatter().string(from: Date())
        for sink in sinks {
            switch sink {
            case .standardError:
                let fields = metadata.keys.sorted().map { "\($0)=\(metadata[$0]!)" }.joined(separator: " ")
                ProgressLine.shared.printAbove("\(time) \(level.name) \(label): \(message)\(fields.isEmpty ? "" : " " + fields)")
            case let .jsonLines(path):
                var object: [(String, JSONValue)] = [("time", .string(time)), ("level", .string(level.name)),
                                                      ("label", .string(label)), ("message", .string(message))]
                for key in metadata.keys.sorted() { object.append((key, .string(metadata[key]!))) }
                let line = JSONValue.object(object).serialized().replacingOccurrences(of: "\n", with: "") + "\n"
                appendLine(line, to: path)
            case let .memory(memory):
                memory.append(LogEntry(level: level, message: message, metadata: metadata))
            case .none:
                break
            }
        }
    }

    private func appendLine(_ line: String, to path: String) {
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil)
        }
        if let handle = FileHandle(forWritingAtPath: path) {
            handle.seekToEndOfFile()
            handle.write(Data(line.utf8))
            handle.closeFile()
        }
    }
}

public struct LogEntry: Sendable, Equatable {
    public let level: Logger.Level
    public let message: String
    public let metadata: Logger.Metadata
}

/// Log entries captured in memory.
public final class LogMemory: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [LogEntry] = []

    public init() {}

    public var entries: [LogEntry] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }

    func append(_ entry: LogEntry) {
        lock.lock()
        storage.append(entry)
        lock.unlock()
    }
}
