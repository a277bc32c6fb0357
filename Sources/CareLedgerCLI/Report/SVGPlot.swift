/// A named series of a plot, with its colour.
struct PlotSeries {
    var name: String
    var color: String
    /// One value per category (bar charts).
    var values: [Double] = []
    /// Points in time, ms since the epoch (step charts).
    var points: [(time: Int64, value: Double)] = []
    /// An outline drawn around this series' bars, to make them stand out.
    var outline: String?
    /// A dash pattern for this series' line (step charts), so overlapping lines stay apart.
    var dash: String?
}

/// Events drawn as rings on the x axis of a bar chart, one per category that has any: what
/// happened in a bucket without adding to the bars (e.g. verify runs that found nothing).
struct PlotMarkers {
    var name: String
    var color: String
    /// Events per category; a ring is drawn where the count is above zero.
    var counts: [Int]
    /// What one event is, for the tooltip ("verify run passed").
    var noun: String
}

/// The plots of the audit report: bar charts, step charts over time, and "no data yet" panels.
///
/// Every plot has a title, both axes with tick labels, both axis labels and a legend, and
/// draws only the figures it is given.
enum SVGPlot {
    static let width = 760.0
    static let height = 340.0
    static let left = 78.0, right = 24.0, top = 66.0, bottom = 76.0

    static var plotWidth: Double { width - left - right }
    static var plotHeight: Double { height - top - bottom }

    /// A panel in place of a plot whose data is empty, so an empty chart never looks like a real one.
    static func noData(id: String, title: String, message: String) -> String {
        var c = SVGCanvas(width: width, height: 140)
        c.text(width / 2, 28, title, anchor: "middle", size: 16, weight: "bold")
        c.rect(left, 44, plotWidth, 72, fill: "#f4f4f4", stroke: "#bbbbbb")
        c.text(width / 2, 76, "No data yet", anchor: "middle", size: 15, weight: "bold", fill: "#555", cls: "no-data")
        c.text(width / 2, 98, message, anchor: "middle", size: 12, fill: "#555")
        return c.svg(title: title + ": no data yet", id: id)
    }

    /// Bars per category: grouped side by side, or stacked when `stacked` is set.
    ///
    /// - Parameters:
    ///   - unitDivisor: values are divided by it for the axis (e.g. ms shown as s).
    ///   - labelEvery: category labels are drawn on every n-th category (crowded time axes).
    ///   - markers: events shown as rings on the x axis, beside the bars.
    static func bars(id: String, title: String, categories: [String], series: [PlotSeries], xLabel: String, yLabel: String,
                     stacked: Bool = false, integer: Bool = false, unitDivisor: Double = 1, labelEvery: Int = 1,
                     valueLabels: Bool = true, markers: PlotMarkers? = nil) -> String {
        var c = SVGCanvas(width: width, height: height)
        let totals = categories.indices.map { i in
            stacked ? series.reduce(0) { $0 + ($1.values.indices.contains(i) ? $1.values[i] : 0) }
                : series.map { $0.values.indices.contains(i) ? $0.values[i] : 0 }.max() ?? 0
        }
        let maximum = (totals.max() ?? 0) / unitDivisor
        let ticks = integer ? PlotScale.countTicks(maximum: Int(maximum.rounded(.up))) : PlotScale.linearTicks(maximum: maximum)
        let top = ticks.last ?? 1
        drawFrame(&c, title: title, xLabel: xLabel, yLabel: yLabel, yTicks: ticks)
        legend(&c, series, markers: markers)
        let y = { (value: Double) in Self.top + plotHeight - plotHeight * (value / unitDivisor) / top }
        let slot = plotWidth / Double(max(1, categories.count))
        let groupWidth = min(slot * 0.72, 64 * Double(max(1, stacked ? 1 : series.count)))
        let barWidth = stacked ? groupWidth : groupWidth / Double(max(1, series.count))
        for (i, category) in categories.enumerated() {
            let x0 = left + slot * Double(i) + (slot - groupWidth) / 2
            var base = 0.0
            for (s, item) in series.enumerated() {
                let value = item.values.indices.contains(i) ? item.values[i] : 0
                let bx = stacked ? x0 : x0 + barWidth * Double(s)
                let from = stacked ? base : 0
                let tip = "\(category): \(item.name) \(PlotScale.number(value / unitDivisor))"
                if value > 0 {
                    c.rect(bx, y(from + value), barWidth, y(from) - y(from + value), fill: item.color, stroke: item.outline,
                           tooltip: tip, cls: "bar")
                }
                if valueLabels, !stacked, value > 0, barWidth >= 14 {
                    c.text(bx + barWidth / 2, y(value) - 4, PlotScale.number((value / unitDivisor * 10).rounded() / 10),
                           anchor: "middle", size: 10, fill: "#333", cls: "value")
                }
                base += stacked ? value : 0
            }
            if valueLabels, stacked, base > 0, groupWidth >= 14 {
                c.text(x0 + groupWidth / 2, y(base) - 4, PlotScale.number(base / unitDivisor), anchor: "middle", size: 10, cls: "value")
            }
            if i % max(1, labelEvery) == 0 {
                let lx = left + slot * (Double(i) + 0.5)
                let rotate = categories.count > 6
                c.line(lx, Self.top + plotHeight, lx, Self.top + plotHeight + 4, stroke: "#333")
                c.text(lx, Self.top + plotHeight + 17, shorten(category, to: rotate ? 14 : 22), anchor: rotate ? "end" : "middle",
                       size: 11, rotate: rotate ? -30 : nil, cls: "x-tick")
            }
            // After the tick, so the ring is drawn over it.
            if let markers, markers.counts.indices.contains(i), markers.counts[i] > 0 {
                let n = markers.counts[i], mx = left + slot * (Double(i) + 0.5)
                c.circle(mx, Self.top + plotHeight, r: 5.5, fill: "#ffffff", stroke: markers.color,
                         tooltip: "\(category): \(n) \(markers.noun)\(n == 1 ? "" : "s")", cls: "marker")
                if n > 1 { c.text(mx + 8, Self.top + plotHeight - 6, "×\(n)", size: 10, fill: markers.color, cls: "value") }
            }
        }
        return c.svg(title: title, id: id)
    }

    /// Step lines over a time axis: each series holds its value until its next point.
    static func steps(id: String, title: String, series: [PlotSeries], xLabel: String, yLabel: String) -> String {
        var c = SVGCanvas(width: width, height: height)
        let times = series.flatMap { $0.points.map(\.time) }
        var start = times.min() ?? 0, end = times.max() ?? 0
        let pad = max(1000, (end - start) / 20)
        start -= pad
        end += pad
        let maximum = series.flatMap { $0.points.map(\.value) }.max() ?? 0
        let ticks = PlotScale.countTicks(maximum: Int(maximum.rounded(.up)))
        let top = ticks.last ?? 1
        drawFrame(&c, title: title, xLabel: xLabel, yLabel: yLabel, yTicks: ticks)
        legend(&c, series)
        let x = { (t: Int64) in left + plotWidth * Double(t - start) / Double(max(1, end - start)) }
        let y = { (v: Double) in Self.top + plotHeight - plotHeight * v / top }
        let (timeTicks, step) = PlotScale.timeTicks(from: start, to: end)
        for tick in timeTicks {
            c.line(x(tick), Self.top + plotHeight, x(tick), Self.top + plotHeight + 4, stroke: "#333")
            c.line(x(tick), Self.top, x(tick), Self.top + plotHeight, stroke: "#eeeeee")
            c.text(x(tick), Self.top + plotHeight + 17, PlotScale.timeLabel(tick, step: step), anchor: "end", size: 11,
                   rotate: -30, cls: "x-tick")
        }
        for item in series {
            let sorted = item.points.sorted { $0.time < $1.time }
            var path: [(Double, Double)] = [(x(start), y(0))]
            var current = 0.0
            for point in sorted {
                path.append((x(point.time), y(current)))
                current = point.value
                path.append((x(point.time), y(current)))
            }
            path.append((x(end), y(current)))
            c.polyline(path, stroke: item.color, width: 2.5, dash: item.dash, cls: "series")
            for point in sorted {
                c.circle(x(point.time), y(point.value), r: 3.5, fill: item.color,
                         tooltip: "\(item.name): \(PlotScale.number(point.value)) at \(PlotScale.timeLabel(point.time, step: 1))")
            }
        }
        return c.svg(title: title, id: id)
    }

    /// Title, axes, horizontal grid lines with y tick labels, and both axis labels.
    private static func drawFrame(_ c: inout SVGCanvas, title: String, xLabel: String, yLabel: String, yTicks: [Double]) {
        c.text(width / 2, 22, title, anchor: "middle", size: 16, weight: "bold", cls: "plot-title")
        let top = yTicks.last ?? 1
        for tick in yTicks {
            let y = Self.top + plotHeight - plotHeight * tick / top
            c.line(left, y, left + plotWidth, y, stroke: tick == 0 ? "#333" : "#e3e3e3")
            c.line(left - 4, y, left, y, stroke: "#333")
            c.text(left - 8, y + 4, PlotScale.number(tick), anchor: "end", size: 11, cls: "y-tick")
        }
        c.line(left, Self.top, left, Self.top + plotHeight, stroke: "#333", width: 1.5, cls: "axis y-axis")
        c.line(left, Self.top + plotHeight, left + plotWidth, Self.top + plotHeight, stroke: "#333", width: 1.5, cls: "axis x-axis")
        c.text(18, Self.top + plotHeight / 2, yLabel, anchor: "middle", size: 12, weight: "bold", rotate: -90, cls: "axis-label y-label")
        c.text(left + plotWidth / 2, height - 8, xLabel, anchor: "middle", size: 12, weight: "bold", cls: "axis-label x-label")
    }

    /// Coloured keys for the series (and a ring for the markers), right-aligned under the title.
    private static func legend(_ c: inout SVGCanvas, _ series: [PlotSeries], markers: PlotMarkers? = nil) {
        var x = width - right
        if let markers {
            x -= Double(markers.name.count) * 6.6
            c.text(x, 44, markers.name, size: 11, cls: "legend")
            x -= 10
            c.circle(x, 39.5, r: 5, fill: "#ffffff", stroke: markers.color)
            x -= 20
        }
        for item in series.reversed() {
            let textWidth = Double(item.name.count) * 6.6
            x -= textWidth
            c.text(x, 44, item.name, size: 11, cls: "legend")
            x -= 16
            c.rect(x, 34, 11, 11, fill: item.color, stroke: item.outline)
            x -= 14
        }
    }

    private static func shorten(_ text: String, to length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length - 1)) + "…"
    }
}
