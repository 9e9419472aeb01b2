/// The dictionary at the start of a NumPy `.npy` file, such as
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }`.
///
/// The header is a Python literal written by `repr`, so this parser accepts
/// dictionaries, tuples, lists, quoted strings, integers (with an optional
/// Python 2 `L` suffix), `True`, `False` and `None`, and nothing else.
/// - SeeAlso: the format description in `numpy/lib/_format_impl.py`
///   (NumPy 2.x).
struct NPYHeader {
    /// The dtype, which is a plain string such as `<f8` for simple dtypes.
    var descr: PythonLiteral
    var fortranOrder: Bool
    var shape: [Int]

    /// Parses the header text, which is ASCII for simple dtypes.
    /// - Throws: `NPYHeaderError` naming the first problem found.
    init(parsing bytes: ArraySlice<UInt8>) throws {
        var parser = PythonLiteralParser(bytes: bytes)
        let literal = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.isAtEnd else {
            throw NPYHeaderError(reason: "unexpected text after the header dictionary")
        }
        guard case let .dictionary(entries) = literal else {
            throw NPYHeaderError(reason: "the header is not a dictionary")
        }
        func value(_ key: String) throws -> PythonLiteral {
            guard let entry = entries.first(where: { $0.key == key }) else {
                throw NPYHeaderError(reason: "missing key '\(key)'")
            }
            return entry.value
        }

        descr = try value("descr")
        guard case let .boolean(fortranOrder) = try value("fortran_order") else {
            throw NPYHeaderError(reason: "'fortran_order' is not True or False")
        }
        self.fortranOrder = fortranOrder
        guard case let .tuple(dimensions) = try value("shape") else {
            throw NPYHeaderError(reason: "'shape' is not a tuple")
        }
        shape = try dimensions.map {
            guard case let .integer(size) = $0, size >= 0 else {
                throw NPYHeaderError(reason: "'shape' contains \($0), not a non-negative integer")
            }
            return size
        }
    }
}

struct NPYHeaderError: Error {
    var reason: String
}

/// A Python literal value as it appears in a `.npy` header.
indirect enum PythonLiteral: Equatable, CustomStringConvertible {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dictionary([DictionaryEntry])

    struct DictionaryEntry: Equatable {
        var key: String
        var value: PythonLiteral
    }

    /// The value written back in Python syntax, for error messages.
    var description: String {
        switch self {
        case let .string(text): return "'\(text)'"
        case let .integer(value): return String(value)
        case let .boolean(value): return value ? "True" : "False"
        case .none: return "None"
        case let .tuple(items):
            let inner = items.map(\.description).joined(separator: ", ")
            return items.count == 1 ? "(\(inner),)" : "(\(inner))"
        case let .list(items):
            return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case let .dictionary(entries):
            let inner = entries.map { "'\($0.key)': \($0.value)" }.joined(separator: ", ")
            return "{" + inner + "}"
        }
    }
}

/// A recursive-descent parser for the Python literals in `PythonLiteral`.
private struct PythonLiteralParser {
    let bytes: ArraySlice<UInt8>
    var position: Int

    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    var isAtEnd: Bool { position >= bytes.endIndex }

    mutating func skipWhitespace() {
        while !isAtEnd, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) {
            position += 1
        }
    }

    mutating func parseValue() throws -> PythonLiteral {
        skipWhitespace()
        guard !isAtEnd else { throw NPYHeaderError(reason: "the header ends early") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            return try parseDictionary()
        case UInt8(ascii: "("):
            return .tuple(try parseSequence(closing: UInt8(ascii: ")")))
        case UInt8(ascii: "["):
            return .list(try parseSequence(closing: UInt8(ascii: "]")))
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .integer(try parseInteger())
        default:
            return try parseKeyword()
        }
    }

    private mutating func expect(_ byte: UInt8) throws {
        skipWhitespace()
        guard !isAtEnd, bytes[position] == byte else {
            let expected = Character(Unicode.Scalar(byte))
            throw NPYHeaderError(reason: "expected '\(expected)' at byte \(offset)")
        }
        position += 1
    }

    /// Consumes `byte` after optional whitespace if it is next.
    private mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard !isAtEnd, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    /// The position as an offset from the start of the header text.
    private var offset: Int { position - bytes.startIndex }

    private mutating func parseDictionary() throws -> PythonLiteral {
        try expect(UInt8(ascii: "{"))
        var entries: [PythonLiteral.DictionaryEntry] = []
        while !consume(UInt8(ascii: "}")) {
            guard case let .string(key) = try parseValue() else {
                throw NPYHeaderError(reason: "a dictionary key is not a string")
            }
            try expect(UInt8(ascii: ":"))
            entries.append(.init(key: key, value: try parseValue()))
            if !consume(UInt8(ascii: ",")) {
                try expect(UInt8(ascii: "}"))
                break
            }
        }
        return .dictionary(entries)
    }

    /// Parses the items of a tuple or list, allowing a trailing comma.
    private mutating func parseSequence(closing: UInt8) throws -> [PythonLiteral] {
        position += 1
        var items: [PythonLiteral] = []
        while !consume(closing) {
            items.append(try parseValue())
            if !consume(UInt8(ascii: ",")) {
                try expect(closing)
                break
            }
        }
        return items
    }

    /// Parses a quoted string. A backslash keeps the next character as is,
    /// which is enough for the dtype and field names NumPy writes.
    private mutating func parseString() throws -> String {
        let quote = bytes[position]
        position += 1
        var text: [UInt8] = []
        while !isAtEnd, bytes[position] != quote {
            if bytes[position] == UInt8(ascii: "\\") {
                position += 1
                guard !isAtEnd else { break }
            }
            text.append(bytes[position])
            position += 1
        }
        guard !isAtEnd else { throw NPYHeaderError(reason: "a string is not closed") }
        position += 1
        return String(decoding: text, as: UTF8.self)
    }

    private mutating func parseInteger() throws -> Int {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        while !isAtEnd, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
            position += 1
        }
        let digits = String(decoding: bytes[start..<position], as: UTF8.self)
        if !isAtEnd, bytes[position] == UInt8(ascii: "L") { position += 1 }
        guard let value = Int(digits) else {
            throw NPYHeaderError(reason: "'\(digits)' is not an integer that fits in 64 bits")
        }
        return value
    }

    private mutating func parseKeyword() throws -> PythonLiteral {
        let start = position
        while !isAtEnd, Character(Unicode.Scalar(bytes[position])).isLetter {
            position += 1
        }
        switch String(decoding: bytes[start..<position], as: UTF8.self) {
        case "True": return .boolean(true)
        case "False": return .boolean(false)
        case "None": return .none
        default:
            throw NPYHeaderError(reason: "unexpected text at byte \(start - bytes.startIndex)")
        }
    }
}
