import Foundation
import Testing
import Theory
import Checker

@Suite("DigitsDataset")
struct DigitsDatasetTests {
    private var vendoredPath: String {
        InputTestSupport.repositoryRoot.appendingPathComponent(DigitsDataset.relativePath).path
    }

    // MARK: Vendored file

    @Test("vendored file shape")
    func vendoredShape() throws {
        let (images, labels) = try DigitsDataset.load(path: vendoredPath)
        #expect(images.rows == 1797)
        #expect(images.columns == 64)
        #expect(labels.count == 1797)
        #expect(images.rows == DigitsDataset.imageCount)
        #expect(images.storage.allSatisfy { (0...16).contains($0) })
        #expect(images.storage.allSatisfy { $0 == $0.rounded() })
    }

    @Test("vendored label histogram")
    func labelHistogram() throws {
        let (_, labels) = try DigitsDataset.load(path: vendoredPath)
        var histogram = Array(repeating: 0, count: 10)
        for label in labels {
            histogram[label] += 1
        }
        // Counted once with numpy from data/digits/digits.csv.
        #expect(histogram == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    }

    @Test("vendored first and last rows")
    func firstAndLastRows() throws {
        let (images, labels) = try DigitsDataset.load(path: vendoredPath)
        let first: [Double] = [
            0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0,
            0, 3, 15, 2, 0, 11, 8, 0, 0, 4, 12, 0, 0, 8, 8, 0,
            0, 5, 8, 0, 0, 9, 8, 0, 0, 4, 11, 0, 1, 12, 7, 0,
            0, 2, 14, 5, 10, 12, 0, 0, 0, 0, 6, 13, 10, 0, 0, 0,
        ]
        #expect(images.row(0) == first)
        #expect(labels[0] == 0)
        let last: [Double] = [
            0, 0, 10, 14, 8, 1, 0, 0, 0, 2, 16, 14, 6, 1, 0, 0,
            0, 0, 15, 15, 8, 15, 0, 0, 0, 0, 5, 16, 16, 10, 0, 0,
            0, 0, 12, 15, 15, 12, 0, 0, 0, 4, 16, 6, 4, 16, 6, 0,
            0, 8, 16, 10, 8, 16, 8, 0, 0, 1, 8, 12, 14, 12, 1, 0,
        ]
        #expect(images.row(1796) == last)
        #expect(labels[1796] == 8)
    }

    @Test("vendored images scaled to norm 8")
    func vendoredScaling() throws {
        let (images, _) = try DigitsDataset.load(path: vendoredPath)
        let scaled = try DigitsDataset.scaled(images)
        // Summing 64 squares and taking a square root in Double has a
        // worst-case relative error of about 64 ulps.
        let relativeTolerance = 64 * Double.ulpOfOne
        for row in 0..<scaled.rows {
            let norm = scaled.row(row).reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 8) <= 8 * relativeTolerance, "row \(row + 1) has norm \(norm)")
        }
        // The first image has norm sqrt(3070), about 55.4076.
        let factor = 8 / Double(3070).squareRoot()
        for column in 0..<64 {
            let expected = images[0, column] * factor
            #expect(abs(scaled[0, column] - expected) <= relativeTolerance * 8, "column \(column)")
        }
    }

    // MARK: Scaling

    @Test("scaling to a chosen norm", arguments: [1.0, 8.0, 1e-3, 1e200])
    func scaling(targetNorm: Double) throws {
        let images = Matrix([[3, 4], [0, -2], [1e300, 1e300]])
        let scaled = try DigitsDataset.scaled(images, toNorm: targetNorm)
        // Each entry is one division and one multiplication away from exact.
        let relativeTolerance = 4 * Double.ulpOfOne
        let half = 0.5
        let expected = [[0.6, 0.8], [0, -1], [half.squareRoot(), half.squareRoot()]]
        for row in 0..<3 {
            for column in 0..<2 {
                let want = expected[row][column] * targetNorm
                #expect(abs(scaled[row, column] - want) <= relativeTolerance * targetNorm,
                        "entry (\(row), \(column)) for target \(targetNorm)")
            }
        }
    }

    @Test("all-zero image names its row")
    func zeroImage() throws {
        let images = Matrix([[1, 2], [3, 4], [0, 0], [0, 0]])
        #expect(throws: DigitsDatasetError.zeroImage(row: 3)) {
            try DigitsDataset.scaled(images)
        }
        #expect(DigitsDatasetError.zeroImage(row: 3).description.contains("row 3"))
    }

    // MARK: Loading errors

    @Test("wrong column count")
    func wrongColumnCount() throws {
        try InputTestSupport.withTemporaryDirectory { folder in
            let path = try InputTestSupport.write("1,2,3\n4,5,6\n", named: "d.csv", in: folder)
            let expected = DigitsDatasetError.wrongColumnCount(path: path, found: 3, expected: 65)
            #expect(throws: expected) { try DigitsDataset.load(path: path) }
        }
    }

    @Test("invalid labels", arguments: [10.0, -1, 2.5])
    func invalidLabel(label: Double) throws {
        let pixels = Array(repeating: "1", count: 64).joined(separator: ",")
        let text = "\(pixels),3\n\(pixels),\(label)\n"
        try InputTestSupport.withTemporaryDirectory { folder in
            let path = try InputTestSupport.write(text, named: "d.csv", in: folder)
            let expected = DigitsDatasetError.invalidLabel(path: path, row: 2, value: label)
            #expect(throws: expected) { try DigitsDataset.load(path: path) }
        }
    }

    @Test("parse errors pass through")
    func parseError() throws {
        try InputTestSupport.withTemporaryDirectory { folder in
            let path = try InputTestSupport.write("1,2\n3,x\n", named: "d.csv", in: folder)
            #expect(throws: MatrixFileError.self) { try DigitsDataset.load(path: path) }
        }
    }

    // MARK: Locating the file

    @Test("explicit path returned unchanged")
    func explicitPath() throws {
        let path = try DigitsDataset.locate(
            path: "/somewhere/else.csv", environment: [DigitsDataset.dataFolderVariable: "/x"],
            startDirectories: [])
        #expect(path == "/somewhere/else.csv")
    }

    @Test("environment names the data folder")
    func environmentDataFolder() throws {
        try InputTestSupport.withTemporaryDirectory { folder in
            let file = try InputTestSupport.write("1\n", named: "digits/digits.csv", in: folder)
            let found = try DigitsDataset.locate(
                environment: [DigitsDataset.dataFolderVariable: folder], startDirectories: [])
            #expect(found == file)
        }
    }

    @Test("environment names the digits folder")
    func environmentDigitsFolder() throws {
        try InputTestSupport.withTemporaryDirectory { folder in
            let file = try InputTestSupport.write("1\n", named: "digits.csv", in: folder)
            let found = try DigitsDataset.locate(
                environment: [DigitsDataset.dataFolderVariable: folder], startDirectories: [])
            #expect(found == file)
        }
    }

    @Test("wrong environment is not bypassed")
    func environmentWrong() throws {
        try InputTestSupport.withTemporaryDirectory { folder in
            let expected = DigitsDatasetError.notFound(candidates: [
                folder + "/digits/digits.csv", folder + "/digits.csv",
            ])
            #expect(throws: expected) {
                try DigitsDataset.locate(
                    environment: [DigitsDataset.dataFolderVariable: folder],
                    startDirectories: [InputTestSupport.repositoryRoot.path])
            }
            #expect(expected.description.contains(folder + "/digits/digits.csv"))
            #expect(expected.description.contains(DigitsDataset.dataFolderVariable))
        }
    }

    @Test("walks up to the data folder")
    func walkUp() throws {
        try InputTestSupport.withTemporaryDirectory { folder in
            let file = try InputTestSupport.write(
                "1\n", named: "repo/data/digits/digits.csv", in: folder)
            let nested = folder + "/repo/.build/release/deeper"
            try FileManager.default.createDirectory(
                atPath: nested, withIntermediateDirectories: true)
            let found = try DigitsDataset.locate(
                environment: [:], startDirectories: [folder + "/elsewhere", nested])
            #expect(URL(fileURLWithPath: found).standardizedFileURL
                == URL(fileURLWithPath: file).standardizedFileURL)
        }
    }

    @Test("empty environment value is ignored")
    func environmentEmpty() throws {
        let testsFolder = InputTestSupport.repositoryRoot.appendingPathComponent("Tests").path
        let found = try DigitsDataset.locate(
            environment: [DigitsDataset.dataFolderVariable: ""], startDirectories: [testsFolder])
        #expect(found == vendoredPath)
    }

    @Test("not found lists every candidate")
    func notFound() throws {
        try InputTestSupport.withTemporaryDirectory { folder in
            let start = URL(fileURLWithPath: folder).standardizedFileURL.path
            let error = #expect(throws: DigitsDatasetError.self) {
                try DigitsDataset.locate(environment: [:], startDirectories: [start])
            }
            guard case let .notFound(candidates)? = error else {
                Issue.record("expected notFound, got \(String(describing: error))")
                return
            }
            #expect(candidates.first == start + "/data/digits/digits.csv")
            #expect(candidates.last == "/data/digits/digits.csv")
        }
    }

    @Test("default search finds the vendored file")
    func defaultSearch() throws {
        // Assumes the current directory is inside the repository, as it is
        // when `swift test` runs from the package root.
        let found = try DigitsDataset.locate(environment: [:])
        #expect(URL(fileURLWithPath: found).standardizedFileURL.path
            == URL(fileURLWithPath: vendoredPath).standardizedFileURL.path)
    }
}
