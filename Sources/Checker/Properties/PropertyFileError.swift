/// A property file that cannot be used: unreadable, not JSON, or with a
/// key that is unknown, missing, of the wrong type or out of range.
public struct PropertyFileError: Error, CustomStringConvertible, Equatable {
    public let file: String
    /// The property id when it was readable.
    public let propertyID: String?
    /// The dotted key path, for example `profiles.ci.widths`.
    public let key: String?
    public let message: String

    public init(file: String, propertyID: String?, key: String?, message: String) {
        self.file = file
        self.propertyID = propertyID
        self.key = key
        self.message = message
    }

    public var description: String {
        var parts = [file]
        if let propertyID { parts.append("property \(propertyID)") }
        if let key { parts.append("key \(key)") }
        return parts.joined(separator: ": ") + ": " + message
    }
}

/// A JSON object read strictly: unknown keys are rejected by name, and
/// every value is checked for type and range with an error that names the
/// file, property and key.
struct StrictObject {
    let pairs: [(String, JSONValue)]
    let path: String
    let file: String
    var propertyID: String?

    init(_ pairs: [(String, JSONValue)], path: String, file: String, propertyID: String?) {
        self.pairs = pairs
        self.path = path
        self.file = file
        self.propertyID = propertyID
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ key: String?, _ message: String) -> PropertyFileError {
        PropertyFileError(file: file, propertyID: propertyID, key: key.map(keyPath), message: message)
    }

    /// Rejects keys outside `allowed`, naming the allowed set.
    func rejectUnknownKeys(allowed: [String]) throws {
        for (key, _) in pairs where !allowed.contains(key) {
            throw error(key, "unknown key; allowed keys are \(allowed.sorted().joined(separator: ", "))")
        }
    }

    func has(_ key: String) -> Bool { value(key) != nil }

    func value(_ key: String) -> JSONValue? { pairs.first { $0.0 == key }?.1 }

    private func raw(_ key: String) throws -> JSONValue {
        guard let value = value(key) else { throw error(key, "missing required key") }
        return value
    }

    func string(_ key: String) throws -> String {
        guard case let .string(s) = try raw(key) else { throw error(key, "expected a string") }
        return s
    }

    func string(_ key: String, oneOf allowed: [String]) throws -> String {
        let s = try string(key)
        guard allowed.contains(s) else {
            throw error(key, "invalid value \"\(s)\"; allowed values are \(allowed.joined(separator: ", "))")
        }
        return s
    }

    func double(_ key: String, in range: ClosedRange<Double>, exclusiveLower: Bool = false) throws -> Double {
        try Self.checkedDouble(try raw(key), key: key, range: range, exclusiveLower: exclusiveLower, owner: self)
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws -> Int {
        try Self.checkedInt(try raw(key), key: key, range: range, owner: self)
    }

    func intArray(_ key: String, in range: ClosedRange<Int>) throws -> [Int] {
        guard case let .array(items) = try raw(key) else { throw error(key, "expected an array of integers") }
        if items.isEmpty { throw error(key, "expected at least one value") }
        return try items.enumerated().map { try Self.checkedInt($1, key: "\(key)[\($0)]", range: range, owner: self) }
    }

    func doubleArray(_ key: String, in range: ClosedRange<Double>, exclusiveLower: Bool = false) throws -> [Double] {
        guard case let .array(items) = try raw(key) else { throw error(key, "expected an array of numbers") }
        if items.isEmpty { throw error(key, "expected at least one value") }
        return try items.enumerated().map {
            try Self.checkedDouble($1, key: "\(key)[\($0)]", range: range, exclusiveLower: exclusiveLower, owner: self)
        }
    }

    func object(_ key: String) throws -> StrictObject {
        guard case let .object(inner) = try raw(key) else { throw error(key, "expected an object") }
        return StrictObject(inner, path: keyPath(key), file: file, propertyID: propertyID)
    }

    func objectArray(_ key: String) throws -> [StrictObject] {
        guard case let .array(items) = try raw(key), !items.isEmpty else {
            throw error(key, "expected a non-empty array of objects")
        }
        return try items.enumerated().map { index, element in
            guard case let .object(inner) = element else { throw error("\(key)[\(index)]", "expected an object") }
            return StrictObject(inner, path: keyPath("\(key)[\(index)]"), file: file, propertyID: propertyID)
        }
    }

    private static func checkedDouble(_ value: JSONValue, key: String, range: ClosedRange<Double>,
                                      exclusiveLower: Bool, owner: StrictObject) throws -> Double {
        guard case let .number(x, _) = value else { throw owner.error(key, "expected a number") }
        let lowerOK = exclusiveLower ? x > range.lowerBound : x >= range.lowerBound
        guard lowerOK, x <= range.upperBound else {
            let open = exclusiveLower ? "(" : "["
            throw owner.error(key, "value \(x) is out of range; allowed range is \(open)\(range.lowerBound), \(range.upperBound)]")
        }
        return x
    }

    private static func checkedInt(_ value: JSONValue, key: String, range: ClosedRange<Int>,
                                   owner: StrictObject) throws -> Int {
        guard case let .number(x, isInteger) = value, isInteger, abs(x) < 9e15 else {
            throw owner.error(key, "expected an integer")
        }
        let n = Int(x)
        guard range.contains(n) else {
            throw owner.error(key, "value \(n) is out of range; allowed range is \(range.lowerBound)...\(range.upperBound)")
        }
        return n
    }
}
