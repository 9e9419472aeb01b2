import Foundation
import Testing

/// Helpers shared by the matrix file and digits dataset tests.
enum InputTestSupport {
    /// Returns the path of a file in the test bundle's `Fixtures` folder.
    static func fixturePath(_ name: String) throws -> String {
        let url = try #require(
            Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"),
            "fixture \(name) is missing from the test bundle")
        return url.path
    }

    /// The repository root, found from this source file's path.
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // CheckerTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()
    }

    /// Creates an empty folder under the system temporary folder, runs `body`
    /// with its path and removes the folder afterwards.
    static func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("checker-input-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url.path)
    }

    /// Writes `bytes` to `name` inside `folder`, creating intermediate
    /// folders, and returns the file's path.
    @discardableResult
    static func write(_ bytes: [UInt8], named name: String, in folder: String) throws -> String {
        let url = URL(fileURLWithPath: folder).appendingPathComponent(name)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
        return url.path
    }

    @discardableResult
    static func write(_ text: String, named name: String, in folder: String) throws -> String {
        try write(Array(text.utf8), named: name, in: folder)
    }
}

/// Builds `.npy` file bytes the way `numpy.save` lays them out.
enum NPYBuilder {
    /// Returns a file with the given version and header dictionary text. The
    /// header is padded with spaces and a newline so that the data starts at
    /// a multiple of 64 bytes, as NumPy does.
    static func file(
        major: UInt8 = 1, minor: UInt8 = 0, header: String, data: [UInt8]
    ) -> [UInt8] {
        let lengthFieldWidth = major == 1 ? 2 : 4
        let prefixLength = 8 + lengthFieldWidth
        var headerBytes = Array(header.utf8)
        let unpadded = prefixLength + headerBytes.count + 1
        headerBytes += Array(repeating: UInt8(ascii: " "), count: (64 - unpadded % 64) % 64)
        headerBytes.append(UInt8(ascii: "\n"))

        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, minor]
        let length = UInt32(headerBytes.count)
        for index in 0..<lengthFieldWidth {
            bytes.append(UInt8(truncatingIfNeeded: length >> (8 * UInt32(index))))
        }
        return bytes + headerBytes + data
    }

    static func header(descr: String, fortranOrder: Bool = false, shape: String) -> String {
        "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), "
            + "'shape': \(shape), }"
    }

    static func float64(_ values: [Double], bigEndian: Bool = false) -> [UInt8] {
        values.flatMap { value -> [UInt8] in
            let bits = value.bitPattern
            let littleEndian = (0..<8).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) }
            return bigEndian ? littleEndian.reversed() : littleEndian
        }
    }

    static func float32(_ values: [Float], bigEndian: Bool = false) -> [UInt8] {
        values.flatMap { value -> [UInt8] in
            let bits = value.bitPattern
            let littleEndian = (0..<4).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) }
            return bigEndian ? littleEndian.reversed() : littleEndian
        }
    }
}
