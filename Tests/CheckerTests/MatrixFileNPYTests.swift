import Foundation
import Testing
import Theory
import Checker

@Suite("MatrixFile NPY")
struct MatrixFileNPYTests {
    /// The array that every numpy-written 2×3 fixture stores. Each entry is
    /// exact in float32, so the float32 fixtures read back equal.
    private let fixtureMatrix = Matrix([[1.5, -2.0, 3.25], [4.0, 0.125, -6.5]])

    /// Writes `bytes` to a temporary `.npy` file and reads it back.
    private func read(_ bytes: [UInt8]) throws -> Matrix {
        try InputTestSupport.withTemporaryDirectory { folder in
            let path = try InputTestSupport.write(bytes, named: "array.npy", in: folder)
            return try MatrixFile.read(path: path)
        }
    }

    /// Writes `bytes` to a temporary `.npy` file and returns the error that
    /// reading it throws, together with the file's path.
    private func readError(_ bytes: [UInt8]) throws -> (error: MatrixFileError?, path: String) {
        try InputTestSupport.withTemporaryDirectory { folder in
            let path = try InputTestSupport.write(bytes, named: "array.npy", in: folder)
            let error = #expect(throws: MatrixFileError.self) { try MatrixFile.read(path: path) }
            return (error, path)
        }
    }

    // MARK: Files written by numpy 2.4.6

    @Test("numpy 2-D fixtures", arguments: [
        "float64_2x3.npy", "float32_2x3.npy",
        "float64_big_endian_2x3.npy", "float32_big_endian_2x3.npy",
        "float64_v2_2x3.npy", "float64_v3_2x3.npy",
    ])
    func numpyFixture(name: String) throws {
        let matrix = try MatrixFile.read(path: InputTestSupport.fixturePath(name))
        #expect(matrix == fixtureMatrix)
    }

    @Test("numpy 1-D fixture")
    func numpyVector() throws {
        let matrix = try MatrixFile.read(path: InputTestSupport.fixturePath("float64_1d.npy"))
        #expect(matrix == Matrix(rows: 4, columns: 1, storage: [1, 2.5, -3, 4.75]))
    }

    @Test("numpy Fortran-order fixture")
    func numpyFortranOrder() throws {
        let path = try InputTestSupport.fixturePath("fortran_2x3.npy")
        #expect(throws: MatrixFileError.fortranOrder(path: path)) {
            try MatrixFile.read(path: path)
        }
        #expect(MatrixFileError.fortranOrder(path: path).description
            .contains("numpy.ascontiguousarray"))
    }

    @Test("numpy int64 fixture")
    func numpyInt64() throws {
        let path = try InputTestSupport.fixturePath("int64_2x3.npy")
        let expected = MatrixFileError.unsupportedDType(path: path, descr: "'<i8'")
        #expect(throws: expected) { try MatrixFile.read(path: path) }
        for dtype in ["'<i8'", "'<f8'", "'>f8'", "'<f4'", "'>f4'"] {
            #expect(expected.description.contains(dtype))
        }
    }

    // MARK: Files built in the test

    @Test("versions 1.0, 2.0 and 3.0", arguments: [UInt8(1), 2, 3])
    func versions(major: UInt8) throws {
        let bytes = NPYBuilder.file(
            major: major, header: NPYBuilder.header(descr: "<f8", shape: "(2, 2)"),
            data: NPYBuilder.float64([1, 2, 3, 4]))
        #expect(try read(bytes) == Matrix([[1, 2], [3, 4]]))
    }

    @Test("float64 and float32 in both byte orders", arguments: [false, true])
    func byteOrders(bigEndian: Bool) throws {
        let values: [Double] = [0.1, -1e300, .leastNonzeroMagnitude, 42]
        let prefix = bigEndian ? ">" : "<"
        let float64 = NPYBuilder.file(
            header: NPYBuilder.header(descr: prefix + "f8", shape: "(1, 4)"),
            data: NPYBuilder.float64(values, bigEndian: bigEndian))
        #expect(try read(float64) == Matrix(rows: 1, columns: 4, storage: values))

        let singles: [Float] = [0.1, -3e38, .leastNonzeroMagnitude, 42]
        let float32 = NPYBuilder.file(
            header: NPYBuilder.header(descr: prefix + "f4", shape: "(4,)"),
            data: NPYBuilder.float32(singles, bigEndian: bigEndian))
        #expect(try read(float32) == Matrix(rows: 4, columns: 1, storage: singles.map(Double.init)))
    }

    @Test("header without padding or trailing comma")
    func compactHeader() throws {
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let header = Array("{\"shape\":(1,2),\"fortran_order\":False,\"descr\":\"<f8\"}".utf8)
        bytes += [UInt8(header.count), 0] + header + NPYBuilder.float64([7, 8])
        #expect(try read(bytes) == Matrix([[7, 8]]))
    }

    @Test("Python 2 long integers in shape")
    func longIntegerShape() throws {
        let bytes = NPYBuilder.file(
            header: NPYBuilder.header(descr: "<f8", shape: "(2L, 1L)"),
            data: NPYBuilder.float64([1, 2]))
        #expect(try read(bytes) == Matrix(rows: 2, columns: 1, storage: [1, 2]))
    }

    @Test("bad magic", arguments: [
        Array("NUMPY".utf8), [], Array("1,2\n3,4\n".utf8), [0x93] + Array("NUMPX".utf8) + [1, 0],
    ])
    func badMagic(bytes: [UInt8]) throws {
        let (error, path) = try readError(bytes)
        #expect(error == .badMagic(path: path))
    }

    @Test("unsupported versions", arguments: [(UInt8(4), UInt8(0)), (1, 1), (0, 0)])
    func unsupportedVersion(major: UInt8, minor: UInt8) throws {
        var bytes = NPYBuilder.file(
            header: NPYBuilder.header(descr: "<f8", shape: "(1,)"), data: NPYBuilder.float64([1]))
        bytes[6] = major
        bytes[7] = minor
        let (error, path) = try readError(bytes)
        #expect(error == .unsupportedVersion(path: path, major: Int(major), minor: Int(minor)))
    }

    @Test("unsupported dtypes", arguments: ["<i8", "<f2", "<c16", "|u1", "=f8", "<f16"])
    func unsupportedDType(descr: String) throws {
        let bytes = NPYBuilder.file(
            header: NPYBuilder.header(descr: descr, shape: "(1,)"), data: [0, 0, 0, 0, 0, 0, 0, 0])
        let (error, path) = try readError(bytes)
        #expect(error == .unsupportedDType(path: path, descr: "'\(descr)'"))
    }

    @Test("structured dtype")
    func structuredDType() throws {
        let header = "{'descr': [('x', '<f8'), ('y', '<f8')], 'fortran_order': False, "
            + "'shape': (1,), }"
        let bytes = NPYBuilder.file(header: header, data: NPYBuilder.float64([1, 2]))
        let (error, path) = try readError(bytes)
        #expect(error == .unsupportedDType(path: path, descr: "[('x', '<f8'), ('y', '<f8')]"))
    }

    @Test("Fortran order built in the test")
    func fortranOrder() throws {
        let bytes = NPYBuilder.file(
            header: NPYBuilder.header(descr: "<f8", fortranOrder: true, shape: "(2, 1)"),
            data: NPYBuilder.float64([1, 2]))
        let (error, path) = try readError(bytes)
        #expect(error == .fortranOrder(path: path))
    }

    @Test("shapes other than 1-D and 2-D", arguments: [
        ("()", [Int]()), ("(1, 1, 1)", [1, 1, 1]), ("(2, 1, 1, 1)", [2, 1, 1, 1]),
    ])
    func unsupportedShape(shape: String, dimensions: [Int]) throws {
        let count = max(1, dimensions.reduce(1, *))
        let bytes = NPYBuilder.file(
            header: NPYBuilder.header(descr: "<f8", shape: shape),
            data: NPYBuilder.float64(Array(repeating: 1, count: count)))
        let (error, path) = try readError(bytes)
        #expect(error == .unsupportedShape(path: path, shape: dimensions))
    }

    @Test("shape message uses Python tuples")
    func shapeMessage() {
        let threeD = MatrixFileError.unsupportedShape(path: "a.npy", shape: [1, 2, 3])
        #expect(threeD.description.contains("(1, 2, 3)"))
        let zeroD = MatrixFileError.unsupportedShape(path: "a.npy", shape: [])
        #expect(zeroD.description.contains("shape ()"))
    }

    @Test("truncated data")
    func truncated() throws {
        let bytes = NPYBuilder.file(
            header: NPYBuilder.header(descr: "<f8", shape: "(2, 3)"),
            data: NPYBuilder.float64([1, 2, 3, 4, 5, 6]))
        let (error, path) = try readError(Array(bytes.dropLast(3)))
        #expect(error == .truncatedData(path: path, expectedBytes: 48, actualBytes: 45))
        #expect(error?.description.contains("48 bytes") == true)
    }

    @Test("truncated numpy fixture")
    func truncatedFixture() throws {
        let original = try [UInt8](Data(contentsOf: URL(
            fileURLWithPath: InputTestSupport.fixturePath("float32_2x3.npy"))))
        let (error, path) = try readError(Array(original.dropLast(4)))
        #expect(error == .truncatedData(path: path, expectedBytes: 24, actualBytes: 20))
    }

    @Test("trailing data")
    func trailing() throws {
        let bytes = NPYBuilder.file(
            header: NPYBuilder.header(descr: "<f4", shape: "(2,)"),
            data: NPYBuilder.float32([1, 2, 3]))
        let (error, path) = try readError(bytes)
        #expect(error == .trailingData(path: path, expectedBytes: 8, actualBytes: 12))
    }

    @Test("zero entries", arguments: ["(0,)", "(0, 3)", "(3, 0)"])
    func empty(shape: String) throws {
        let bytes = NPYBuilder.file(header: NPYBuilder.header(descr: "<f8", shape: shape), data: [])
        let (error, path) = try readError(bytes)
        #expect(error == .empty(path: path))
    }

    @Test("NaN and infinity located", arguments: [Double.nan, .infinity, -.infinity])
    func nonFinite(value: Double) throws {
        let values: [Double] = [1, 2, 3, 4, 5, value]
        let float64 = NPYBuilder.file(
            header: NPYBuilder.header(descr: "<f8", shape: "(2, 3)"),
            data: NPYBuilder.float64(values))
        let (error, _) = try readError(float64)
        guard case let .nonFiniteValue(_, row, column, found)? = error else {
            Issue.record("expected nonFiniteValue, got \(String(describing: error))")
            return
        }
        #expect(row == 2)
        #expect(column == 3)
        #expect(found.isNaN == value.isNaN)

        let float32 = NPYBuilder.file(
            header: NPYBuilder.header(descr: ">f4", shape: "(3,)"),
            data: NPYBuilder.float32([1, Float(value), 3], bigEndian: true))
        let (vectorError, _) = try readError(float32)
        guard case let .nonFiniteValue(_, vectorRow, vectorColumn, _)? = vectorError else {
            Issue.record("expected nonFiniteValue, got \(String(describing: vectorError))")
            return
        }
        #expect(vectorRow == 2)
        #expect(vectorColumn == 1)
    }

    @Test("malformed headers", arguments: [
        "{'descr': '<f8', 'fortran_order': False}",
        "{'descr': '<f8', 'shape': (1,)}",
        "{'fortran_order': False, 'shape': (1,)}",
        "{'descr': '<f8', 'fortran_order': 0, 'shape': (1,)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': [1]}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1,)",
        "{'descr': '<f8 , 'fortran_order': False, 'shape': (1,)}",
        "{'descr': '<f8', 'fortran_order': false, 'shape': (1,)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1,)} extra",
        "('descr', '<f8')",
        "",
    ])
    func malformedHeader(header: String) throws {
        let bytes = NPYBuilder.file(header: header, data: NPYBuilder.float64([1]))
        let (error, _) = try readError(bytes)
        guard case .malformedHeader? = error else {
            Issue.record("expected malformedHeader, got \(String(describing: error))")
            return
        }
    }

    @Test("shape too large")
    func hugeShape() throws {
        let bytes = NPYBuilder.file(
            header: NPYBuilder.header(descr: "<f8", shape: "(4294967296, 4294967296)"),
            data: NPYBuilder.float64([1]))
        let (error, _) = try readError(bytes)
        guard case .malformedHeader? = error else {
            Issue.record("expected malformedHeader, got \(String(describing: error))")
            return
        }
    }

    @Test("file ends inside the header", arguments: [8, 9, 11, 40])
    func cutHeader(length: Int) throws {
        let bytes = NPYBuilder.file(
            major: 2, header: NPYBuilder.header(descr: "<f8", shape: "(1,)"),
            data: NPYBuilder.float64([1]))
        let (error, _) = try readError(Array(bytes.prefix(length)))
        guard case .malformedHeader? = error else {
            Issue.record("expected malformedHeader, got \(String(describing: error))")
            return
        }
    }
}
