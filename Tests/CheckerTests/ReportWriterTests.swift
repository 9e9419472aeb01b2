import Checker
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// Returns whether `text` is a well-formed XML document.
func isWellFormedXML(_ text: String) -> Bool {
    XMLParser(data: Data(text.utf8)).parse()
}

@Suite("ReportWriter")
struct ReportWriterTests {
    let folder: ScratchFolder

    init() throws {
        folder = try ScratchFolder("checker-report")
    }

    /// Runs three properties: one with plots that passes, one without plots
    /// that passes, and a main-bound violation with plots.
    func sampleRun() throws -> RunResult {
        let documents = [
            try PropertyFixture.initialKernel(id: "report-init"),
            try PropertyFixture.traceIdentity(id: "report-trace"),
            try PropertyFixture.mainBound(id: "report-bound", widthConstant: 1e-6, sampleConstant: 1e-6),
        ]
        let specs = try documents.enumerated().map { index, document in
            try PropertyLoader.load(file: try folder.write(document, named: "property-\(index).json"))
        }
        return QuietRunner().run(specs)
    }

    @Test("writes results, plots and report")
    func writesFiles() throws {
        let run = try sampleRun()
        #expect(run.properties.map(\.verdict) == [.pass, .pass, .violation])
        let reportFolder = folder.file("report/nested")
        let written = try ReportWriter.write(run, to: reportFolder)

        let expectedSVGs = [
            "report-init-init-error.svg", "report-init-init-error-control.svg",
            "report-bound-gap.svg", "report-bound-modes.svg",
            "report-bound-gap-control.svg", "report-bound-modes-control.svg",
        ]
        let names = written.map { ($0 as NSString).lastPathComponent }
        #expect(names == ["results.json"] + expectedSVGs + ["report.md"])
        for path in written {
            #expect(FileManager.default.fileExists(atPath: path), "\(path)")
            #expect((path as NSString).deletingLastPathComponent == reportFolder)
        }
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: reportFolder)
            .filter { $0.hasSuffix(".svg") }
        #expect(Set(onDisk) == Set(expectedSVGs), "one SVG per plot and per control plot")

        for name in expectedSVGs {
            let path = (reportFolder as NSString).appendingPathComponent(name)
            let svg = try String(contentsOfFile: path, encoding: .utf8)
            #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""), "\(name)")
            #expect(isWellFormedXML(svg), "\(name) is well-formed XML")
        }
        let controlSVG = try String(contentsOfFile: (reportFolder as NSString)
            .appendingPathComponent("report-bound-gap-control.svg"), encoding: .utf8)
        #expect(controlSVG.contains("[negative control]"))
    }

    @Test("results.json decodes back to the run")
    func resultsRoundTrip() throws {
        let run = try sampleRun()
        try ReportWriter.write(run, to: folder.path)
        let data = try Data(contentsOf: URL(fileURLWithPath: folder.file("results.json")))
        #expect(try JSONValue.parse(String(decoding: data, as: UTF8.self)).keys.contains("properties"))

        let decoded = try JSONDecoder().decode(RunResult.self, from: data)
        #expect(decoded.version == run.version)
        #expect(decoded.profile == run.profile)
        #expect(decoded.baseSeed == run.baseSeed)
        #expect(decoded.startedAt == run.startedAt)
        #expect(decoded.properties.count == run.properties.count)
        for (read, original) in zip(decoded.properties, run.properties) {
            #expect(read.id == original.id)
            #expect(read.verdict == original.verdict)
            #expect(read.replayCommand == original.replayCommand)
            #expect(read.outcome.cases == original.outcome.cases, "\(original.id) cases")
            #expect(read.controlOutcome.cases == original.controlOutcome.cases, "\(original.id) control cases")
            #expect(read.outcome.exponents == original.outcome.exponents)
            #expect(read.outcome.plots == original.outcome.plots)
            #expect(read.outcome.figures == original.outcome.figures)
        }
        let seeds = decoded.properties.flatMap { $0.outcome.cases.compactMap(\.seed) }
        #expect(seeds.contains { $0 > UInt64(Int64.max) }, "64-bit case seeds survive the round trip")
    }

    // results.json writes NaN and infinities as the strings "nan", "inf" and
    // "-inf", so a reader needs the matching decoding strategy.
    @Test("non-finite values round trip as strings")
    func nonFiniteValues() throws {
        var property = try ResultFixture.property(id: "non-finite", verdict: .violation)
        property.outcome.cases = [
            CaseResult(label: "nan", seed: nil, measured: .nan, bound: 1, statement: "measured ≤ bound"),
            CaseResult(label: "inf", seed: 7, measured: 1, bound: -.infinity, statement: "measured ≤ bound"),
        ]
        try ReportWriter.write(try ResultFixture.run([property]), to: folder.path)
        let data = try Data(contentsOf: URL(fileURLWithPath: folder.file("results.json")))
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"nan\""))
        #expect(text.contains("\"-inf\""))

        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let decoded = try decoder.decode(RunResult.self, from: data)
        let cases = try #require(decoded.properties.first?.outcome.cases)
        #expect(cases.count == 2)
        #expect(cases[0].measured.isNaN)
        #expect(!cases[0].passed)
        #expect(cases[1].bound == -.infinity)
        #expect(cases[1].seed == 7)
    }

    @Test("report.md has a section per property")
    func markdown() throws {
        let run = try sampleRun()
        try ReportWriter.write(run, to: folder.path)
        let markdown = try String(contentsOfFile: folder.file("report.md"), encoding: .utf8)
        #expect(markdown.hasPrefix("# spectral-check report\n"))
        #expect(markdown.contains("## Summary\n\n```\n\(ReportWriter.table(run))\n```"))
        #expect(markdown.contains("## Failures"))
        for property in run.properties {
            #expect(markdown.contains("\n### \(property.id)\n"), "\(property.id)")
            #expect(markdown.contains("Replay: `\(property.replayCommand)`"), "\(property.id)")
            for plot in property.outcome.plots {
                #expect(markdown.contains("](\(plot.fileName))"), "\(plot.fileName)")
            }
        }
        #expect(markdown.contains("#### Negative control (mean-field), expected to fail"))
        #expect(markdown.contains("](report-bound-gap-control.svg)"))
    }

    @Test("report.md groups properties by family")
    func familySections() throws {
        var fc = try ResultFixture.property(id: "fc-one", verdict: .pass)
        fc.family = "fc"
        fc.architecture = "fully connected, 1 hidden layer"
        fc.outcome.exponents = [ExponentFit(variable: "m", time: 2, slope: -0.52, lower: -0.61, upper: -0.43,
                                            confidence: 0.95)]
        var conv = try ResultFixture.property(id: "conv-one", verdict: .violation)
        conv.family = "conv"
        let legacy = try ResultFixture.property(id: "old-one", verdict: .pass)
        try ReportWriter.write(try ResultFixture.run([conv, legacy, fc]), to: folder.path)
        let markdown = try String(contentsOfFile: folder.file("report.md"), encoding: .utf8)
        #expect(markdown.contains("## Across families\n"))
        #expect(markdown.contains("| fc-one | fc | trace-identity | pass | - | m at t=2: -0.52 [-0.61, -0.43] |"))
        #expect(markdown.contains("| conv-one | conv | trace-identity | violation | - | - |"))
        let fcSection = try #require(markdown.range(of: "## Family `fc`: fully connected networks\n\n1 of 1 properties pass."))
        let convSection = try #require(markdown.range(of: "## Family `conv`: convolutional networks\n\n0 of 1 properties pass."))
        let legacySection = try #require(markdown.range(of: "## Family `unknown`"))
        #expect(fcSection.lowerBound < convSection.lowerBound, "fc comes before conv")
        #expect(convSection.lowerBound < legacySection.lowerBound, "families missing from old results come last")
        #expect(markdown.contains("Architecture: fully connected, 1 hidden layer."))
    }

    @Test("table has one row per property")
    func table() throws {
        var undetected = try ResultFixture.property(id: "undetected", verdict: .controlUndetected)
        undetected.outcome.cases = [CaseResult(label: "a", seed: nil, measured: 1, bound: 2, statement: "a")]
        undetected.controlOutcome.cases = undetected.outcome.cases
        var detected = try ResultFixture.property(id: "detected", verdict: .pass)
        detected.outcome.cases = undetected.outcome.cases
        detected.controlOutcome.cases = [
            CaseResult(label: "a", seed: nil, measured: 3, bound: 2, statement: "a"),
            CaseResult(label: "b", seed: nil, measured: 1, bound: 2, statement: "b"),
        ]
        let failed = try ResultFixture.property(id: "failed", verdict: .error)
        let run = try ResultFixture.run([detected, undetected, failed])

        let lines = ReportWriter.table(run).split(separator: "\n").map(String.init)
        #expect(lines.count == 1 + run.properties.count)
        let header = lines[0].split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        #expect(header == ["property", "predicate", "cases", "worst", "measured/bound", "control", "verdict"])
        #expect(lines[1].hasPrefix("detected "))
        #expect(lines[1].contains("detected (1/2 fail)"))
        #expect(lines[1].trimmingCharacters(in: .whitespaces).hasSuffix(" pass"))
        #expect(lines[1].contains(" 0.5 "), "worst ratio 1/2")
        #expect(lines[2].hasPrefix("undetected "))
        #expect(lines[2].contains("NOT DETECTED"))
        #expect(lines[2].contains("control-undetected"))
        #expect(lines[3].hasPrefix("failed "))
        #expect(lines[3].trimmingCharacters(in: .whitespaces).hasSuffix(" error"))
        let columns = lines[3].split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        #expect(columns == ["failed", "trace-identity", "0", "-", "-", "error"])
        let verdictColumn = lines[0].range(of: "verdict")!.lowerBound.utf16Offset(in: lines[0])
        for line in lines.dropFirst() {
            #expect(line.count >= verdictColumn, "columns are padded to one width")
        }
    }

    @Test("table of an empty run is the header")
    func emptyTable() throws {
        let table = ReportWriter.table(try ResultFixture.run([]))
        #expect(!table.contains("\n"))
        #expect(table.hasPrefix("property"))
    }
}

@Suite("SVGPlot")
struct SVGPlotTests {
    func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test("log axes drop non-positive values and say how many")
    func logAxesDropValues() throws {
        let plot = try ResultFixture.plot(fileName: "log.svg", logX: true, logY: true, series: [
            PlotSeries(name: "measured", x: [1, 2, 3, 4, 5, 0], y: [1, 0, -2, 10, .nan, 5], style: .points),
            PlotSeries(name: "fit", x: [1, 10], y: [1, 100], style: .line),
        ])
        let svg = SVGPlot.render(plot)
        #expect(svg.contains("4 non-positive or non-finite values not shown"))
        #expect(count("<circle", in: svg) == 2, "points (1, 1) and (4, 10) remain")
        #expect(count("<polyline", in: svg) == 1)
        #expect(isWellFormedXML(svg))
    }

    @Test("linear axes keep negative values")
    func linearAxesKeepNegatives() throws {
        let plot = try ResultFixture.plot(fileName: "linear.svg", series: [
            PlotSeries(name: "values", x: [0, 1, 2], y: [-1, 0, 1], style: .points),
        ])
        let svg = SVGPlot.render(plot)
        #expect(!svg.contains("not shown"))
        #expect(count("<circle", in: svg) == 3)
    }

    @Test("non-finite values on linear axes are dropped")
    func linearAxesDropNonFinite() throws {
        let plot = try ResultFixture.plot(fileName: "linear.svg", series: [
            PlotSeries(name: "values", x: [0, 1, .infinity], y: [1, .nan, 1], style: .points),
        ])
        let svg = SVGPlot.render(plot)
        #expect(svg.contains("2 non-positive or non-finite values not shown"))
        #expect(count("<circle", in: svg) == 1)
    }

    @Test("no usable data")
    func noUsableData() throws {
        let plot = try ResultFixture.plot(fileName: "empty.svg", logY: true, series: [
            PlotSeries(name: "zeros", x: [1, 2], y: [0, 0], style: .line),
        ])
        let svg = SVGPlot.render(plot)
        #expect(svg.contains(">no finite data</text>"))
        #expect(isWellFormedXML(svg))
    }

    @Test("text is escaped")
    func escaping() throws {
        let plot = try ResultFixture.plot(fileName: "escape.svg", title: "a < b & c > d", series: [
            PlotSeries(name: "r_t <= eps & more", x: [1, 2], y: [1, 2], style: .dashed),
        ])
        let svg = SVGPlot.render(plot)
        #expect(svg.contains("a &lt; b &amp; c &gt; d"))
        #expect(svg.contains("r_t &lt;= eps &amp; more"))
        #expect(svg.contains("stroke-dasharray"))
        #expect(isWellFormedXML(svg))
    }

    @Test("series with one color index share a color")
    func sharedColor() throws {
        let plot = try ResultFixture.plot(fileName: "pairs.svg", series: [
            PlotSeries(name: "measured", x: [1, 2], y: [1, 2], style: .points, colorIndex: 3),
            PlotSeries(name: "predicted", x: [1, 2], y: [1, 2], style: .line, colorIndex: 3),
            PlotSeries(name: "other", x: [1, 2], y: [2, 1], style: .line),
        ])
        let svg = SVGPlot.render(plot)
        // The fourth palette color, #9467bd, once per point, polyline and legend swatch.
        #expect(count("#9467bd", in: svg) == 2 + 1 + 2)
        // The third series has no index and takes the color at its position, #2ca02c.
        #expect(count("#2ca02c", in: svg) == 2)
    }
}
