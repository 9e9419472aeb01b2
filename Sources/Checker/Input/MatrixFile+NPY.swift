import Theory

extension MatrixFile {
    /// Parses a NumPy `.npy` file into a matrix.
    ///
    /// The file starts with the magic string `\x93NUMPY`, a major and a minor
    /// version byte, and a little-endian header length: 2 bytes in version
    /// 1.0, 4 bytes in versions 2.0 and 3.0. The header dictionary and the
    /// raw array data follow.
    ///
    /// Accepted dtypes are `<f8`, `>f8`, `<f4` and `>f4`. Float32 entries are
    /// widened to `Double` exactly. The array must be in C order with shape
    /// `(n,)`, read as n×1, or `(n, d)`, and the data must have exactly the
    /// size the shape requires.
    /// - Throws: `MatrixFileError` for a bad magic string, an unsupported
    ///   version, dtype, order or shape, a malformed header, a data size
    ///   mismatch, no entries, or a NaN or infinite entry.
    /// - SeeAlso: the format description in `numpy/lib/_format_impl.py`
    ///   (NumPy 2.x).
    static func parseNPY(_ bytes: [UInt8], path: String) throws -> Matrix {
        let (header, dataStart) = try readNPYHeader(bytes, path: path)

        guard case let .string(descr) = header.descr,
              let dtype = NPYFloatType(descr: descr) else {
            throw MatrixFileError.unsupportedDType(path: path, descr: header.descr.description)
        }
        if header.fortranOrder {
            throw MatrixFileError.fortranOrder(path: path)
        }
        let rows: Int
        let columns: Int
        switch header.shape.count {
        case 1: (rows, columns) = (header.shape[0], 1)
        case 2: (rows, columns) = (header.shape[0], header.shape[1])
        default: throw MatrixFileError.unsupportedShape(path: path, shape: header.shape)
        }

        let (count, countOverflow) = rows.multipliedReportingOverflow(by: columns)
        let (byteCount, byteOverflow) = count.multipliedReportingOverflow(by: dtype.byteWidth)
        if countOverflow || byteOverflow {
            let shape = MatrixFileError.pythonTuple(header.shape)
            throw MatrixFileError.malformedHeader(
                path: path, reason: "shape \(shape) needs more bytes than an Int can count")
        }
        let actualBytes = bytes.count - dataStart
        if actualBytes < byteCount {
            throw MatrixFileError.truncatedData(
                path: path, expectedBytes: byteCount, actualBytes: actualBytes)
        }
        if actualBytes > byteCount {
            throw MatrixFileError.trailingData(
                path: path, expectedBytes: byteCount, actualBytes: actualBytes)
        }
        if count == 0 {
            throw MatrixFileError.empty(path: path)
        }

        let storage = bytes.withUnsafeBytes { raw in
            (0..<count).map { dtype.load(from: raw, at: dataStart + $0 * dtype.byteWidth) }
        }
        if let index = storage.firstIndex(where: { !$0.isFinite }) {
            throw MatrixFileError.nonFiniteValue(
                path: path, row: index / columns + 1, column: index % columns + 1,
                value: storage[index])
        }
        return Matrix(rows: rows, columns: columns, storage: storage)
    }

    /// Reads the magic string, version and header, and returns the header
    /// and the offset where the array data starts.
    private static func readNPYHeader(
        _ bytes: [UInt8], path: String
    ) throws -> (header: NPYHeader, dataStart: Int) {
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard bytes.starts(with: magic) else {
            throw MatrixFileError.badMagic(path: path)
        }
        guard bytes.count >= 8 else {
            throw MatrixFileError.malformedHeader(
                path: path, reason: "the file ends before the version bytes")
        }
        let major = Int(bytes[6])
        let minor = Int(bytes[7])
        let lengthFieldWidth: Int
        switch (major, minor) {
        case (1, 0): lengthFieldWidth = 2
        case (2, 0), (3, 0): lengthFieldWidth = 4
        default: throw MatrixFileError.unsupportedVersion(path: path, major: major, minor: minor)
        }

        let headerStart = 8 + lengthFieldWidth
        guard bytes.count >= headerStart else {
            throw MatrixFileError.malformedHeader(
                path: path, reason: "the file ends inside the header length field")
        }
        let headerLength = bytes[8..<headerStart].reversed().reduce(0) { $0 << 8 | Int($1) }
        let dataStart = headerStart + headerLength
        guard bytes.count >= dataStart else {
            throw MatrixFileError.malformedHeader(
                path: path,
                reason: "the header length is \(headerLength) bytes but only "
                    + "\(bytes.count - headerStart) bytes follow")
        }

        do {
            let header = try NPYHeader(parsing: bytes[headerStart..<dataStart])
            return (header, dataStart)
        } catch let error as NPYHeaderError {
            throw MatrixFileError.malformedHeader(path: path, reason: error.reason)
        }
    }
}

/// A floating-point dtype that `MatrixFile` reads, with its byte order.
private struct NPYFloatType {
    var byteWidth: Int
    var isBigEndian: Bool

    /// Creates the type for a NumPy descr such as `<f8`, or returns `nil`
    /// when the descr is not one of `MatrixFileError.supportedDTypes`.
    init?(descr: String) {
        switch descr {
        case "<f8": (byteWidth, isBigEndian) = (8, false)
        case ">f8": (byteWidth, isBigEndian) = (8, true)
        case "<f4": (byteWidth, isBigEndian) = (4, false)
        case ">f4": (byteWidth, isBigEndian) = (4, true)
        default: return nil
        }
    }

    func load(from raw: UnsafeRawBufferPointer, at offset: Int) -> Double {
        if byteWidth == 8 {
            let bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            return Double(bitPattern: isBigEndian ? UInt64(bigEndian: bits)
                                                  : UInt64(littleEndian: bits))
        }
        let bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        return Double(Float(bitPattern: isBigEndian ? UInt32(bigEndian: bits)
                                                     : UInt32(littleEndian: bits)))
    }
}
