import Checker
import Foundation
import Testing

@Suite("JSONValue")
struct JSONValueTests {
    @Test("round trip keeps key order and integer flags")
    func roundTripKeepsOrder() throws {
        let text = """
            {"zeta": 1, "alpha": [1, 2.0, -3, 4e2], "mid": {"b": true, "a": null, "c": "x"},
             "empty": {}, "none": []}
            """
        let value = try JSONValue.parse(text)
        #expect(value.keys == ["zeta", "alpha", "mid", "empty", "none"])
        #expect(value["mid"]?.keys == ["b", "a", "c"])

        guard case let .array(items)? = value["alpha"] else {
            Issue.record("alpha is not an array: \(String(describing: value["alpha"]))")
            return
        }
        let flags = items.map { item -> Bool? in
            guard case let .number(_, isInteger) = item else { return nil }
            return isInteger
        }
        #expect(flags == [true, false, true, false])

        let reparsed = try JSONValue.parse(value.serialized())
        #expect(reparsed.isIdentical(to: value), "serialized: \(value.serialized())")
        #expect(reparsed.serialized() == value.serialized())
    }

    @Test("integers serialize without a fraction")
    func integersStayIntegers() throws {
        let value = try JSONValue.parse("[0, -7, 8999999999999998, 3.0, 1e3]")
        #expect(value.serialized() == "[0, -7, 8999999999999998, 3.0, 1000.0]")
    }

    // NOTE: the serializer writes integers of magnitude 9e15 or more through
    // Double's description ("1.152921504606847e+18"), which reads back as a
    // non-integer.
    @Test("large integer stays an integer")
    func largeIntegerStaysInteger() throws {
        let value = try JSONValue.parse("1152921504606846976")
        let reparsed = try JSONValue.parse(value.serialized())
        #expect(reparsed.isIdentical(to: value), "serialized: \(value.serialized())")
    }

    @Test(
        "doubles round trip bit for bit",
        arguments: [
            0.1, 1.0 / 3.0, -2.5e-8, 1e22, 5e-324, 2.2250738585072014e-308,
            1.7976931348623157e308, -0.0, 1.4142135623730951, 0.30000000000000004,
        ])
    func doublesRoundTrip(x: Double) throws {
        let value = JSONValue.object([("x", .number(x, isInteger: false))])
        let text = value.serialized()
        let reparsed = try JSONValue.parse(text)
        guard case let .number(y, isInteger)? = reparsed["x"] else {
            Issue.record("x is not a number in \(text)")
            return
        }
        #expect(y.bitPattern == x.bitPattern, "\(x) serialized as \(text)")
        #expect(!isInteger, "\(x) serialized as \(text)")
    }

    @Test("strings with escapes round trip")
    func stringEscapes() throws {
        let original = "quote \" backslash \\ slash / tab \t newline \n bell \u{07} é 😀"
        let value = JSONValue.string(original)
        let text = value.serialized()
        #expect(text.contains("\\u0007"), "control characters use \\u escapes: \(text)")
        #expect(try JSONValue.parse(text) == value)
        #expect(try JSONValue.parse(#""\u00e9\/\b\f\r""#) == .string("é/\u{08}\u{0C}\r"))
    }

    // RFC 8259 section 7 writes characters outside the Basic Multilingual
    // Plane as a UTF-16 surrogate pair of \u escapes.
    @Test("surrogate pair escape")
    func surrogatePair() throws {
        let value = try JSONValue.parse(#""\ud83d\ude00""#)
        #expect(value == .string("😀"))
    }

    @Test("duplicate keys rejected with position")
    func duplicateKeys() throws {
        let error = try #require(throws: JSONSyntaxError.self) {
            try JSONValue.parse("{\"a\": 1,\n \"a\": 2}")
        }
        #expect(error.line == 2)
        // The second "a" spans columns 2 to 4, and the parser reports the
        // column just past its closing quote.
        #expect((2...5).contains(error.column), "column \(error.column)")
        #expect(error.message == "duplicate key \"a\"")
        #expect(error.description.hasPrefix("invalid JSON at line 2, column \(error.column): "))
    }

    @Test("nested duplicate keys rejected")
    func nestedDuplicateKeys() throws {
        let error = try #require(throws: JSONSyntaxError.self) {
            try JSONValue.parse(#"{"a": {"x": 1, "x": 1}}"#)
        }
        #expect(error.message == "duplicate key \"x\"")
    }

    struct SyntaxCase: Sendable, CustomTestStringConvertible {
        var text: String
        var line: Int
        var column: Int
        var message: String
        var testDescription: String { message }
    }

    @Test(
        "syntax errors carry line and column",
        arguments: [
            SyntaxCase(text: "{\n  \"a\": tru\n}", line: 2, column: 8, message: "expected true"),
            SyntaxCase(text: "{\n\"a\": 1,\n\"b\": [1, 2,, 3]\n}", line: 3, column: 12,
                       message: "expected a value"),
            SyntaxCase(text: "[1, 2", line: 1, column: 6, message: "unexpected end of input in an array"),
            SyntaxCase(text: "{\"a\" 1}", line: 1, column: 6, message: "expected ':'"),
            SyntaxCase(text: "{\"a\": 1 \"b\": 2}", line: 1, column: 9, message: "expected ',' or '}'"),
            SyntaxCase(text: "{\"a\": 1,}", line: 1, column: 9, message: "expected a key string"),
            SyntaxCase(text: "[1,]", line: 1, column: 4, message: "expected a value"),
            SyntaxCase(text: "{}\n\n  x", line: 3, column: 3, message: "unexpected text after the document"),
            SyntaxCase(text: "\"abc", line: 1, column: 5, message: "unterminated string"),
            SyntaxCase(text: "\"a\tb\"", line: 1, column: 4, message: "control character in a string"),
            SyntaxCase(text: "\"\\x\"", line: 1, column: 4, message: "invalid escape"),
            SyntaxCase(text: "", line: 1, column: 1, message: "unexpected end of input"),
            SyntaxCase(text: "[NaN]", line: 1, column: 2, message: "expected a value"),
            SyntaxCase(text: "[1e999]", line: 1, column: 2, message: "expected a value"),
        ])
    func syntaxErrors(testCase: SyntaxCase) throws {
        let error = try #require(throws: JSONSyntaxError.self) {
            try JSONValue.parse(testCase.text)
        }
        #expect(error.message == testCase.message, "input \(testCase.text.debugDescription)")
        #expect(error.line == testCase.line, "input \(testCase.text.debugDescription)")
        #expect(error.column == testCase.column, "input \(testCase.text.debugDescription)")
    }

    // RFC 8259 section 6: a number has an optional minus sign, no leading
    // zeros and at least one digit on each side of the decimal point.
    @Test("numbers outside the RFC 8259 grammar", arguments: ["+1", "01", "-01", ".5", "1.", "1.e3"])
    func nonStandardNumbers(text: String) throws {
        #expect(throws: JSONSyntaxError.self, "\(text) parsed") {
            try JSONValue.parse("[\(text)]")
        }
    }

    @Test("setting replaces in place or appends")
    func settingKeys() throws {
        let value = try JSONValue.parse(#"{"a": 1, "b": 2}"#)
        let replaced = value.setting("a", to: .string("x"))
        #expect(replaced.keys == ["a", "b"])
        #expect(replaced["a"] == .string("x"))
        let appended = value.setting("c", to: .null)
        #expect(appended.keys == ["a", "b", "c"])
        #expect(JSONValue.array([]).setting("a", to: .null) == .array([]))
    }

    @Test("equality ignores the integer flag")
    func equalityIgnoresIntegerFlag() {
        #expect(JSONValue.number(1, isInteger: true) == .number(1, isInteger: false))
        #expect(JSONValue.object([("a", .null), ("b", .null)]) != .object([("b", .null), ("a", .null)]))
    }
}
