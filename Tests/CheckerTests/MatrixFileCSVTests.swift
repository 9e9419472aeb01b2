import Foundation
import Testing
import Theory
import Checker

@Suite("MatrixFile CSV")
struct MatrixFileCSVTests {
    /// Writes `text` to a temporary file named `name` and reads it back.
    private func read(_ text: String, named name: String = "matrix.csv") throws -> Matrix {
        try InputTestSupport.withTemporaryDirectory { folder in
            let path = try InputTestSupport.write(text, named: name, in: folder)
            return try MatrixFile.read(path: path)
        }
    }

    @Test("plain numbers")
    func plainNumbers() throws {
        let matrix = try read("1,2,3\n4.5,-5e-1,6\n")
        #expect(matrix == Matrix([[1, 2, 3], [4.5, -0.5, 6]]))
    }

    @Test("no final newline")
    func noFinalNewline() throws {
        #expect(try read("1,2\n3,4") == Matrix([[1, 2], [3, 4]]))
    }

    @Test("header line skipped")
    func headerSkipped() throws {
        let matrix = try read("x, y ,z\n1,2,3\n4,5,6\n")
        #expect(matrix == Matrix([[1, 2, 3], [4, 5, 6]]))
    }

    @Test("partly numeric first line is an error")
    func partlyNumericFirstLine() throws {
        try InputTestSupport.withTemporaryDirectory { folder in
            let path = try InputTestSupport.write("1,2,x\n4,5,6\n", named: "typo.csv", in: folder)
            #expect(throws: MatrixFileError.nonNumericField(path: path, row: 1, column: 3, text: "x")) {
                try MatrixFile.read(path: path)
            }
        }
    }

    @Test("hexadecimal field rejected")
    func hexadecimalRejected() throws {
        try InputTestSupport.withTemporaryDirectory { folder in
            let path = try InputTestSupport.write("1,2\n0x10,3\n", named: "hex.csv", in: folder)
            #expect(throws: MatrixFileError.nonNumericField(path: path, row: 2, column: 1, text: "0x10")) {
                try MatrixFile.read(path: path)
            }
        }
    }

    @Test("CRLF, spaces and trailing blank lines")
    func lineEndingsAndWhitespace() throws {
        let matrix = try read(" 1 ,\t2\r\n3,  4 \r\n\r\n  \n\n")
        #expect(matrix == Matrix([[1, 2], [3, 4]]))
    }

    @Test("byte order mark")
    func byteOrderMark() throws {
        #expect(try read("\u{FEFF}a,b\n1,2\n") == Matrix([[1, 2]]))
        #expect(try read("\u{FEFF}1,2\n") == Matrix([[1, 2]]))
    }

    @Test("single column")
    func singleColumn() throws {
        #expect(try read("1\n2\n3\n") == Matrix(rows: 3, columns: 1, storage: [1, 2, 3]))
    }

    @Test("extensions txt and CSV", arguments: ["matrix.txt", "MATRIX.CSV", "a.b.Txt"])
    func otherExtensions(name: String) throws {
        #expect(try read("1,2\n", named: name) == Matrix([[1, 2]]))
    }

    @Test("missing file")
    func missingFile() throws {
        let path = "/nonexistent-\(UUID().uuidString)/matrix.csv"
        #expect(throws: MatrixFileError.fileNotFound(path: path)) {
            try MatrixFile.read(path: path)
        }
        let description = MatrixFileError.fileNotFound(path: path).description
        #expect(description.contains(path))
        #expect(description.contains("not found"))
    }

    @Test("directory is unreadable")
    func directory() throws {
        try InputTestSupport.withTemporaryDirectory { folder in
            let path = folder + "/folder.csv"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            #expect(throws: MatrixFileError.unreadable(path: path, reason: "it is a directory")) {
                try MatrixFile.read(path: path)
            }
        }
    }

    @Test("unsupported extension", arguments: [("matrix.json", "json"), ("matrix", "")])
    func unsupportedExtension(name: String, pathExtension: String) throws {
        let error = MatrixFileError.unsupportedExtension(path: name, pathExtension: pathExtension)
        #expect(throws: error) { try MatrixFile.read(path: name) }
        #expect(error.description.contains(".npy"))
    }

    @Test("empty files", arguments: ["", "\n\n", " \r\n", "x,y\n", "x,y\n\n"])
    func emptyFiles(text: String) throws {
        try InputTestSupport.withTemporaryDirectory { folder in
            let path = try InputTestSupport.write(text, named: "empty.csv", in: folder)
            #expect(throws: MatrixFileError.empty(path: path)) { try MatrixFile.read(path: path) }
        }
    }

    @Test("ragged row counts physical lines")
    func raggedRow() throws {
        try InputTestSupport.withTemporaryDirectory { folder in
            let path = try InputTestSupport.write(
                "a,b,c\n1,2,3\n4,5\n", named: "ragged.csv", in: folder)
            let expected = MatrixFileError.raggedRow(path: path, row: 3, fieldCount: 2, expected: 3)
            #expect(throws: expected) { try MatrixFile.read(path: path) }
            #expect(expected.description.contains("line 3 has 2 fields, expected 3"))
            #expect(expected.description.contains(path))
        }
    }

    @Test("ragged header")
    func raggedHeader() throws {
        try InputTestSupport.withTemporaryDirectory { folder in
            let path = try InputTestSupport.write("a,b\n1,2,3\n", named: "ragged.csv", in: folder)
            #expect(throws: MatrixFileError.raggedRow(
                path: path, row: 2, fieldCount: 3, expected: 2)) {
                try MatrixFile.read(path: path)
            }
        }
    }

    @Test("non-numeric field after first line", arguments: [
        ("1,2\n3,x\n", 2, 2, "x"),
        ("a,b\n1,2\n3,4\nfive,6\n", 4, 1, "five"),
        ("1,2\r\n3,\r\n", 2, 2, ""),
        ("1,2\n3,\"4\"\n", 2, 2, "\"4\""),
    ])
    func nonNumericField(text: String, row: Int, column: Int, field: String) throws {
        try InputTestSupport.withTemporaryDirectory { folder in
            let path = try InputTestSupport.write(text, named: "bad.csv", in: folder)
            let error = #expect(throws: MatrixFileError.self) { try MatrixFile.read(path: path) }
            guard case let .nonNumericField(errorPath, errorRow, errorColumn, errorText)? = error
            else {
                Issue.record("expected nonNumericField, got \(String(describing: error))")
                return
            }
            #expect(errorPath == path)
            #expect(errorRow == row)
            #expect(errorColumn == column)
            #expect(errorText == field)
        }
    }

    @Test("trailing comma is an empty field")
    func trailingComma() throws {
        try InputTestSupport.withTemporaryDirectory { folder in
            let path = try InputTestSupport.write("1,2,\n", named: "comma.csv", in: folder)
            // The empty third field is not a number, and the line is not a
            // header because its other fields are numbers.
            #expect(throws: MatrixFileError.nonNumericField(path: path, row: 1, column: 3, text: "")) {
                try MatrixFile.read(path: path)
            }
        }
    }

    @Test("non-numeric message")
    func nonNumericMessage() {
        let error = MatrixFileError.nonNumericField(path: "m.csv", row: 4, column: 2, text: "abc")
        #expect(error.description.contains("m.csv"))
        #expect(error.description.contains("line 4, field 2 is 'abc'"))
        let empty = MatrixFileError.nonNumericField(path: "m.csv", row: 4, column: 2, text: "")
        #expect(empty.description.contains("field 2 is empty"))
    }

    @Test("NaN and infinity rejected",
          arguments: ["nan", "NaN", "inf", "-inf", "infinity", "1e999"])
    func nonFinite(field: String) throws {
        try InputTestSupport.withTemporaryDirectory { folder in
            let path = try InputTestSupport.write(
                "h1,h2\n1,2\n3,\(field)\n", named: "nan.csv", in: folder)
            let error = #expect(throws: MatrixFileError.self) { try MatrixFile.read(path: path) }
            guard case let .nonFiniteValue(errorPath, row, column, value)? = error else {
                Issue.record("expected nonFiniteValue, got \(String(describing: error))")
                return
            }
            #expect(errorPath == path)
            #expect(row == 3)
            #expect(column == 2)
            #expect(!value.isFinite)
        }
    }

    @Test("NaN on the first line is not a header")
    func nonFiniteFirstLine() throws {
        try InputTestSupport.withTemporaryDirectory { folder in
            let path = try InputTestSupport.write("1,nan\n2,3\n", named: "nan.csv", in: folder)
            let error = #expect(throws: MatrixFileError.self) { try MatrixFile.read(path: path) }
            guard case let .nonFiniteValue(_, row, column, _)? = error else {
                Issue.record("expected nonFiniteValue, got \(String(describing: error))")
                return
            }
            #expect(row == 1)
            #expect(column == 2)
        }
    }

    @Test("blank line between rows")
    func blankLineInside() throws {
        try InputTestSupport.withTemporaryDirectory { folder in
            let path = try InputTestSupport.write("1,2\n\n3,4\n", named: "blank.csv", in: folder)
            #expect(throws: MatrixFileError.blankLine(path: path, row: 2)) {
                try MatrixFile.read(path: path)
            }
        }
    }
}
