import Theory

extension MatrixFile {
    /// Parses comma-separated decimal numbers into a matrix, one line per row.
    ///
    /// - Lines end in LF or CRLF, and a UTF-8 byte order mark is skipped.
    /// - Spaces and tabs around a field are trimmed.
    /// - The first line is a header, and is skipped, when none of its fields
    ///   is a number. Any other non-numeric field is an error, so a typo in
    ///   the first data line is reported instead of being taken as a header.
    /// - Blank lines at the end are ignored. A blank line before the last
    ///   data line is an error.
    /// - Every line has as many fields as the first line.
    /// - Fields are not unquoted, so `"1.5"` is not a number.
    ///
    /// Numbers are decimal, parsed by `Double.init?(_:)` (so `1e-3` and `+2`
    /// are accepted). Hexadecimal forms such as `0x10` are rejected as
    /// non-numeric. The `nan` and `inf` spellings parse but are rejected as
    /// non-finite.
    /// - Throws: `MatrixFileError` with 1-based physical line numbers.
    static func parseCSV(_ bytes: [UInt8], path: String) throws -> Matrix {
        var lines = splitLines(bytes)
        while let last = lines.last, trimmed(last).isEmpty {
            lines.removeLast()
        }

        var storage: [Double] = []
        var expectedFieldCount: Int?
        var rowCount = 0
        for (index, line) in lines.enumerated() {
            let lineNumber = index + 1
            if trimmed(line).isEmpty {
                throw MatrixFileError.blankLine(path: path, row: lineNumber)
            }
            let fields = line.split(separator: comma, omittingEmptySubsequences: false)
                .map(trimmed)
            if let expected = expectedFieldCount, fields.count != expected {
                throw MatrixFileError.raggedRow(
                    path: path, row: lineNumber, fieldCount: fields.count, expected: expected)
            }
            expectedFieldCount = fields.count

            let values = fields.map { field -> Double? in
                let text = String(decoding: field, as: UTF8.self)
                return text.contains(where: { $0 == "x" || $0 == "X" }) ? nil : Double(text)
            }
            if index == 0 && values.allSatisfy({ $0 == nil }) {
                continue  // A header line.
            }
            for (fieldIndex, value) in values.enumerated() {
                let column = fieldIndex + 1
                guard let value else {
                    let text = String(decoding: fields[fieldIndex], as: UTF8.self)
                    throw MatrixFileError.nonNumericField(
                        path: path, row: lineNumber, column: column, text: text)
                }
                guard value.isFinite else {
                    throw MatrixFileError.nonFiniteValue(
                        path: path, row: lineNumber, column: column, value: value)
                }
                storage.append(value)
            }
            rowCount += 1
        }

        guard rowCount > 0, let columns = expectedFieldCount else {
            throw MatrixFileError.empty(path: path)
        }
        return Matrix(rows: rowCount, columns: columns, storage: storage)
    }
}

private let comma = UInt8(ascii: ",")
private let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

/// Splits `bytes` at each LF, dropping one CR before it, after skipping a
/// UTF-8 byte order mark.
private func splitLines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
    var body = bytes[...]
    if body.starts(with: byteOrderMark) {
        body = body.dropFirst(byteOrderMark.count)
    }
    return body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map {
        $0.last == UInt8(ascii: "\r") ? $0.dropLast() : $0
    }
}

private func trimmed(_ field: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
    guard let first = field.firstIndex(where: { !isSpace($0) }),
          let last = field.lastIndex(where: { !isSpace($0) }) else {
        return field[field.endIndex...]
    }
    return field[first...last]
}
