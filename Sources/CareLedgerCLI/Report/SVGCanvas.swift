/// A small SVG writer: shapes and text appended to one `<svg>` element, escaped for XML.
///
/// The report draws every plot itself with this, so it needs no script or outside asset;
/// the output is well-formed XML (a test parses every plot with Foundation's XMLParser).
struct SVGCanvas {
    let width: Double
    let height: Double
    private var body: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// Escapes text for XML content and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    static func f(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1, dash: String? = nil, cls: String? = nil) {
        let dashAttr = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        let clsAttr = cls.map { " class=\"\($0)\"" } ?? ""
        body.append("<line x1=\"\(Self.f(x1))\" y1=\"\(Self.f(y1))\" x2=\"\(Self.f(x2))\" y2=\"\(Self.f(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(Self.f(width))\"\(dashAttr)\(clsAttr)/>")
    }

    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, stroke: String? = nil, tooltip: String? = nil, cls: String? = nil) {
        let strokeAttr = stroke.map { " stroke=\"\($0)\" stroke-width=\"1.5\"" } ?? ""
        let clsAttr = cls.map { " class=\"\($0)\"" } ?? ""
        let open = "<rect x=\"\(Self.f(x))\" y=\"\(Self.f(y))\" width=\"\(Self.f(max(0, w)))\" height=\"\(Self.f(max(0, h)))\" fill=\"\(fill)\"\(strokeAttr)\(clsAttr)"
        if let tooltip { body.append(open + "><title>\(Self.escape(tooltip))</title></rect>") } else { body.append(open + "/>") }
    }

    mutating func circle(_ cx: Double, _ cy: Double, r: Double, fill: String, stroke: String? = nil, tooltip: String? = nil,
                         cls: String? = nil) {
        let strokeAttr = stroke.map { " stroke=\"\($0)\" stroke-width=\"2\"" } ?? ""
        let clsAttr = cls.map { " class=\"\($0)\"" } ?? ""
        let open = "<circle cx=\"\(Self.f(cx))\" cy=\"\(Self.f(cy))\" r=\"\(Self.f(r))\" fill=\"\(fill)\"\(strokeAttr)\(clsAttr)"
        if let tooltip { body.append(open + "><title>\(Self.escape(tooltip))</title></circle>") } else { body.append(open + "/>") }
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2, dash: String? = nil, cls: String? = nil) {
        let list = points.map { "\(Self.f($0.0)),\(Self.f($0.1))" }.joined(separator: " ")
        let clsAttr = cls.map { " class=\"\($0)\"" } ?? ""
        let dashAttr = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        body.append("<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(Self.f(width))\"\(dashAttr)\(clsAttr)/>")
    }

    /// Text; `anchor` is start, middle or end; `rotate` turns it about its position.
    mutating func text(_ x: Double, _ y: Double, _ content: String, anchor: String = "start", size: Double = 12,
                       weight: String? = nil, fill: String = "#222", rotate: Double? = nil, cls: String? = nil) {
        var attrs = "x=\"\(Self.f(x))\" y=\"\(Self.f(y))\" text-anchor=\"\(anchor)\" font-size=\"\(Self.f(size))\" fill=\"\(fill)\""
        if let weight { attrs += " font-weight=\"\(weight)\"" }
        if let rotate { attrs += " transform=\"rotate(\(Self.f(rotate)) \(Self.f(x)) \(Self.f(y)))\"" }
        if let cls { attrs += " class=\"\(cls)\"" }
        body.append("<text \(attrs)>\(Self.escape(content))</text>")
    }

    /// The finished `<svg>` element, labelled for assistive technology with `title`.
    func svg(title: String, id: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"\(Self.escape(id))\" class=\"plot\" role=\"img\" aria-label=\"\(Self.escape(title))\" "
            + "width=\"\(Self.f(width))\" height=\"\(Self.f(height))\" viewBox=\"0 0 \(Self.f(width)) \(Self.f(height))\" "
            + "font-family=\"sans-serif\"><title>\(Self.escape(title))</title>"
            + "<rect x=\"0\" y=\"0\" width=\"\(Self.f(width))\" height=\"\(Self.f(height))\" fill=\"#ffffff\"/>"
            + body.joined() + "</svg>"
    }
}
