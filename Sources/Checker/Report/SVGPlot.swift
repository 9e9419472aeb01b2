import Foundation

/// Renders a `Plot` as a standalone SVG document with axes, ticks and a
/// legend. Log axes drop non-positive values, and the plot prints how many it dropped.
public enum SVGPlot {
    static let width = 860.0, height = 460.0
    static let left = 80.0, right = 230.0, top = 40.0, bottom = 60.0
    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
                         "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"]

    public static func render(_ plot: Plot) -> String {
        var dropped = 0
        func usable(_ x: Double, _ y: Double) -> Bool {
            let ok = x.isFinite && y.isFinite && (!plot.logX || x > 0) && (!plot.logY || y > 0)
            if !ok { dropped += 1 }
            return ok
        }
        let series = plot.series.map { s -> [(Double, Double)] in zip(s.x, s.y).filter { usable($0.0, $0.1) } }
        let all = series.flatMap { $0 }
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(width / 2)" y="20" text-anchor="middle" font-size="13">\(escape(plot.title))</text>

        """
        guard !all.isEmpty else {
            return svg + "<text x=\"\(width / 2)\" y=\"\(height / 2)\" text-anchor=\"middle\">no finite data</text>\n</svg>\n"
        }
        let xs = all.map { plot.logX ? log10($0.0) : $0.0 }
        let ys = all.map { plot.logY ? log10($0.1) : $0.1 }
        let (x0, x1) = padded(xs.min()!, xs.max()!)
        let (y0, y1) = padded(ys.min()!, ys.max()!)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func px(_ x: Double) -> Double { left + ((plot.logX ? log10(x) : x) - x0) / (x1 - x0) * plotWidth }
        func py(_ y: Double) -> Double { top + plotHeight - ((plot.logY ? log10(y) : y) - y0) / (y1 - y0) * plotHeight }
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(plotHeight)\" fill=\"none\" stroke=\"black\"/>\n"
        for tick in ticks(x0, x1, log: plot.logX) {
            let x = left + (tick - x0) / (x1 - x0) * plotWidth
            svg += "<line x1=\"\(x)\" y1=\"\(top + plotHeight)\" x2=\"\(x)\" y2=\"\(top + plotHeight + 5)\" stroke=\"black\"/>"
            svg += "<text x=\"\(x)\" y=\"\(top + plotHeight + 18)\" text-anchor=\"middle\">\(label(tick, log: plot.logX))</text>\n"
        }
        for tick in ticks(y0, y1, log: plot.logY) {
            let y = top + plotHeight - (tick - y0) / (y1 - y0) * plotHeight
            svg += "<line x1=\"\(left - 5)\" y1=\"\(y)\" x2=\"\(left)\" y2=\"\(y)\" stroke=\"black\"/>"
            svg += "<text x=\"\(left - 8)\" y=\"\(y + 4)\" text-anchor=\"end\">\(label(tick, log: plot.logY))</text>\n"
        }
        svg += "<text x=\"\(left + plotWidth / 2)\" y=\"\(height - 15)\" text-anchor=\"middle\">\(escape(plot.xLabel))</text>\n"
        svg += "<text transform=\"translate(18 \(top + plotHeight / 2)) rotate(-90)\" text-anchor=\"middle\">\(escape(plot.yLabel))</text>\n"
        for (index, (spec, points)) in zip(plot.series, series).enumerated() {
            let color = colors[(spec.colorIndex ?? index) % colors.count]
            switch spec.style {
            case .points:
                for (x, y) in points {
                    svg += "<circle cx=\"\(px(x))\" cy=\"\(py(y))\" r=\"3\" fill=\"\(color)\"/>"
                }
                svg += "\n"
            case .line, .dashed:
                let sorted = points.sorted { $0.0 < $1.0 }
                let path = sorted.map { "\(px($0.0)),\(py($0.1))" }.joined(separator: " ")
                let dash = spec.style == .dashed ? " stroke-dasharray=\"6 4\"" : ""
                svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>\n"
            }
            let ly = top + 14 + Double(index) * 18
            switch spec.style {
            case .points:
                // A square marker, so counting <circle> elements counts data points.
                svg += "<rect x=\"\(width - right + 12)\" y=\"\(ly - 7)\" width=\"6\" height=\"6\" fill=\"\(color)\"/>"
            case .line, .dashed:
                let dash = spec.style == .dashed ? " stroke-dasharray=\"4 3\"" : ""
                svg += "<line x1=\"\(width - right + 6)\" y1=\"\(ly - 4)\" x2=\"\(width - right + 24)\" "
                    + "y2=\"\(ly - 4)\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>"
            }
            svg += "<text x=\"\(width - right + 28)\" y=\"\(ly)\">\(escape(spec.name))</text>\n"
        }
        if dropped > 0 {
            svg += "<text x=\"\(left)\" y=\"\(height - 2)\" font-size=\"10\">\(dropped) non-positive or non-finite values not shown</text>\n"
        }
        return svg + "</svg>\n"
    }

    static func padded(_ a: Double, _ b: Double) -> (Double, Double) {
        if a == b { return (a - 1, b + 1) }
        let pad = (b - a) * 0.05
        return (a - pad, b + pad)
    }

    /// Returns tick positions in axis units (log10 of the value on a log
    /// axis). A log axis gets decades when it spans two or more, then the
    /// 1-2-5 values, then every integer multiple of a power of ten.
    static func ticks(_ a: Double, _ b: Double, log: Bool) -> [Double] {
        if log {
            let low = Int(floor(a)), high = Int(ceil(b))
            for mantissas in [[1.0], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]] {
                let values = (low...high).flatMap { power in mantissas.map { log10($0) + Double(power) } }
                    .filter { $0 >= a && $0 <= b }
                if values.count >= 2 { return values }
            }
        }
        let raw = (b - a) / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var tick = ceil(a / step) * step
        var out: [Double] = []
        while tick <= b + 1e-12 * abs(b) && out.count < 12 {
            out.append(tick)
            tick += step
        }
        return out
    }

    static func label(_ tick: Double, log: Bool) -> String {
        // A log tick is log10 of a round value, so round away the pow error.
        var value = log ? Double(String(format: "%.6g", pow(10, tick)))! : tick
        if value == 0 { value = 0 }  // prints -0 as 0
        if abs(value) >= 1e4 || (abs(value) < 1e-3 && value != 0) { return String(format: "%.0e", value) }
        return String(format: "%.4g", value)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
