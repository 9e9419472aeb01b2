import Foundation

/// Writes a run's report.md, results.json and SVG plots into a folder, and
/// formats the summary table for the terminal.
public enum ReportWriter {
    /// Writes every file and returns their paths.
    /// - Throws: when the folder or a file cannot be written.
    @discardableResult
    public static func write(_ run: RunResult, to folder: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var written: [String] = []
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let json = (folder as NSString).appendingPathComponent("results.json")
        try encoder.encode(run).write(to: URL(fileURLWithPath: json))
        written.append(json)
        for property in run.properties {
            for plot in property.outcome.plots + property.controlOutcome.plots.map(renamedForControl) {
                let path = (folder as NSString).appendingPathComponent(plot.fileName)
                try SVGPlot.render(plot).write(toFile: path, atomically: true, encoding: .utf8)
                written.append(path)
            }
        }
        let markdown = (folder as NSString).appendingPathComponent("report.md")
        try self.markdown(run).write(toFile: markdown, atomically: true, encoding: .utf8)
        written.append(markdown)
        return written
    }

    static func renamedForControl(_ plot: Plot) -> Plot {
        var copy = plot
        copy.fileName = plot.fileName.replacingOccurrences(of: ".svg", with: "-control.svg")
        copy.title += " [negative control]"
        return copy
    }

    /// Formats the terminal table: property, cases, worst measured/bound, verdict.
    public static func table(_ run: RunResult) -> String {
        var rows = [["property", "predicate", "cases", "worst measured/bound", "control", "verdict"]]
        for p in run.properties {
            let worst = p.outcome.worst.map { String(format: "%.3g", $0.ratio) } ?? "-"
            let control: String
            if p.verdict == .error { control = "-" } else {
                let failed = p.controlOutcome.cases.filter { !$0.passed }.count
                control = p.controlOutcome.passed ? "NOT DETECTED" : "detected (\(failed)/\(p.controlOutcome.cases.count) fail)"
            }
            rows.append([p.id, p.predicate, "\(p.outcome.cases.count)", worst, control, p.verdict.rawValue])
        }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max()! }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// Lines describing each failure with its seed and replay command.
    public static func failureLines(_ run: RunResult) -> [String] {
        var lines: [String] = []
        for p in run.properties where p.verdict != .pass {
            switch p.verdict {
            case .error:
                lines.append("\(p.id): error: \(p.errorMessage ?? "unknown")")
            case .violation:
                for c in p.outcome.cases where !c.passed {
                    let comparison = c.direction == .atMost
                        ? "measured \(fmt(c.measured)) > allowed \(fmt(c.bound + c.tolerance))"
                        : "measured \(fmt(c.measured)), but it must exceed \(fmt(c.bound - c.tolerance))"
                    lines.append("\(p.id): FAILED \(c.label): \(comparison)"
                        + (c.seed.map { ", case seed \($0)" } ?? "") + ", base seed \(p.baseSeed)")
                }
            case .controlUndetected:
                lines.append("\(p.id): negative control \(p.control) passed the check, so the check cannot fail; base seed \(p.baseSeed)")
            case .pass:
                break
            }
            lines.append("  replay: \(p.replayCommand)")
        }
        return lines
    }

    static func fmt(_ x: Double) -> String { String(format: "%.4g", x) }

    static func markdown(_ run: RunResult) -> String {
        var md = "# spectral-check report\n\n"
        md += "Version \(run.version), profile `\(run.profile)`, base seed \(run.baseSeed), started \(run.startedAt), "
        md += String(format: "%.1f s.\n\n", run.seconds)
        md += "Gaps are L²(ρ) distances on the quadrature nodes divided by ‖r_0‖. A property passes when every case "
        md += "is within its bound and its negative control fails.\n\n"
        md += "## Summary\n\n```\n\(table(run))\n```\n\n"
        let failures = failureLines(run)
        if !failures.isEmpty {
            md += "## Failures\n\n" + failures.map { "    \($0)" }.joined(separator: "\n") + "\n\n"
        }
        md += familyTable(run)
        for family in families(run) {
            let members = run.properties.filter { ($0.family ?? "unknown") == family }
            let passed = members.filter { $0.verdict == .pass }.count
            md += "## Family `\(family)`: \(familyTitles[family] ?? family)\n\n"
            md += "\(passed) of \(members.count) properties pass.\n\n"
            for p in members { md += propertySection(p) }
        }
        return md
    }

    /// Readable names of the network families, in report order.
    static let familyTitles = ["fc": "fully connected networks", "resnet": "residual networks",
                               "conv": "convolutional networks"]

    /// Returns the families present in `run`, known ones first in a fixed order.
    static func families(_ run: RunResult) -> [String] {
        let present = Set(run.properties.map { $0.family ?? "unknown" })
        let known = ["fc", "resnet", "conv"].filter(present.contains)
        return known + present.subtracting(known).sorted()
    }

    /// Formats the summary across families: one row per property with its
    /// family, verdict, worst measured/bound and fitted exponents.
    static func familyTable(_ run: RunResult) -> String {
        guard !run.properties.isEmpty else { return "" }
        var md = "## Across families\n\n"
        md += "| property | family | predicate | verdict | worst measured/bound | fitted exponents (interval) |\n"
        md += "|---|---|---|---|---|---|\n"
        for family in families(run) {
            for p in run.properties where (p.family ?? "unknown") == family {
                let worst = p.outcome.worst.map { fmt($0.ratio) } ?? "-"
                let exponents = p.outcome.exponents.map {
                    "\($0.variable) at t=\(fmt($0.time)): \(fmt($0.slope)) [\(fmt($0.lower)), \(fmt($0.upper))]"
                }
                md += "| \(p.id) | \(family) | \(p.predicate) | \(p.verdict.rawValue) | \(worst) | "
                md += (exponents.isEmpty ? "-" : exponents.joined(separator: "; ")) + " |\n"
            }
        }
        return md + "\n"
    }

    static func propertySection(_ p: PropertyResult) -> String {
        var md = "### \(p.id)\n\n\(p.statement)\n\n"
        if let architecture = p.architecture { md += "Architecture: \(architecture).\n\n" }
        md += "Predicate `\(p.predicate)`, file `\(p.file)`, verdict **\(p.verdict.rawValue)**, "
        md += String(format: "%.1f s. ", p.seconds) + "Replay: `\(p.replayCommand)`\n\n"
        if let message = p.errorMessage { md += "Error: \(message)\n\n" }
        md += section("Cases", p.outcome)
        md += section("Negative control (\(p.control)), expected to fail", p.controlOutcome)
        for plot in p.outcome.plots { md += "![\(plot.title)](\(plot.fileName))\n\n" }
        for plot in p.controlOutcome.plots.map(renamedForControl) { md += "![\(plot.title)](\(plot.fileName))\n\n" }
        return md
    }

    static func section(_ title: String, _ outcome: PredicateOutcome) -> String {
        guard !outcome.cases.isEmpty else { return "" }
        var md = "#### \(title)\n\n| case | seed | measured | bound | tolerance | passed |\n|---|---|---|---|---|---|\n"
        // The bound column carries the comparison, because some cases are
        // lower bounds (slopes, ratios that must exceed a value).
        let listed = outcome.cases.count > 60 ? Array(outcome.cases.sorted { $0.ratio > $1.ratio }.prefix(60)) : outcome.cases
        for c in listed {
            let comparison = c.direction == .atMost ? "≤ " : "> "
            md += "| \(c.label) | \(c.seed.map(String.init) ?? "-") | \(fmt(c.measured)) | \(comparison)\(fmt(c.bound)) | \(fmt(c.tolerance)) | \(c.passed ? "yes" : "**no**") |\n"
        }
        if listed.count < outcome.cases.count {
            md += "\n\(outcome.cases.count - listed.count) more cases with lower measured/bound are in results.json.\n"
        }
        md += "\nChecked: \(Set(outcome.cases.map(\.statement)).sorted().joined(separator: "; ")).\n\n"
        if !outcome.exponents.isEmpty {
            md += "| exponent | t | slope | interval |\n|---|---|---|---|\n"
            for e in outcome.exponents {
                md += "| \(e.variable) | \(fmt(e.time)) | \(fmt(e.slope)) | [\(fmt(e.lower)), \(fmt(e.upper))] at \(fmt(e.confidence * 100))% |\n"
            }
            md += "\n"
        }
        if !outcome.figures.isEmpty {
            md += "Figures: " + outcome.figures.keys.sorted().map { "\($0) = \(fmt(outcome.figures[$0]!))" }.joined(separator: ", ") + "\n\n"
        }
        if !outcome.notes.isEmpty {
            md += "Notes:\n\n" + outcome.notes.map { "- \($0)\n" }.joined() + "\n"
        }
        return md
    }
}
