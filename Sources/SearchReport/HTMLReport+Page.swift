import Foundation
import Synchronization
import GridSearch

// The page around the sections: head (CSP, CSS, the error trap), navigation, and the one script at the end.
extension HTMLReport {
    /// A section of the page: its anchor id, title, one-line caption saying how to read it, and body.
    struct Section {
        var id: String
        var title: String
        var caption: String
        var body: String
    }

    /// The whole page, UTF-8 text that is both HTML5 and well-formed XML.
    public func html() -> String {
        let sections = sections()
        var page = "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
        page += "<meta charset=\"utf-8\"/>\n"
        page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
        // Nothing may be fetched: a report that tried would show an error in the browser check.
        page += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
            + "script-src 'unsafe-inline'; img-src data:\"/>\n"
        page += "<meta name=\"generator\" content=\"aegrid report\"/>\n"
        page += "<title>AEGrid report: \(ChartText.escape(name))</title>\n"
        page += "<style>/*<![CDATA[*/\n\(Self.css)/*]]>*/</style>\n"
        page += "<script>//<![CDATA[\n\(Self.errorTrap)//]]>\n</script>\n</head>\n<body>\n"
        page += "<div id=\"report-errors\" class=\"errors\" hidden=\"hidden\"></div>\n"
        page += "<header><h1>AEGrid report: \(ChartText.escape(name))</h1>"
        page += "<p class=\"sub\">\(ChartText.escape(manifest.dataDescription)) · made \(ChartText.escape(generated)) by "
            + "<code>aegrid report</code> · lower test MSE is better everywhere</p>\n<nav>"
        page += sections.map { "<a href=\"#\($0.id)\">\(ChartText.escape($0.title))</a>" }.joined(separator: " ")
        page += "</nav></header>\n<main>\n"
        for section in sections {
            page += "<section id=\"\(section.id)\" class=\"report-section\">\n<h2>\(ChartText.escape(section.title))</h2>\n"
            page += "<p class=\"caption\">\(section.caption)</p>\n\(section.body)\n</section>\n"
        }
        page += "</main>\n<footer>Self-contained: inline SVG, CSS and script; nothing is loaded from the network. "
            + "Data: results.jsonl, manifest.json and pca_baseline.json of this directory.</footer>\n"
        page += "<script>//<![CDATA[\n\(Self.script)//]]>\n</script>\n</body>\n</html>\n"
        return page
    }

    /// The page's sections in order. Each reads only this page's values, so they are drawn side by side: at the end
    /// of a search the other core mostly waits on the last files' fsyncs, and the page is what the run waits for.
    func sections() -> [Section] {
        let builders: [@Sendable (HTMLReport) -> Section] = [
            { $0.summarySection() }, { $0.leaderboardSection() }, { $0.importanceSection() }, { $0.slicesSection() },
            { $0.pairsSection() }, { $0.curvesSection() }, { $0.latentSection() },
        ] + (shards.map { shards in [{ $0.shardsSection(shards) }] } ?? [])
        let drawn = Mutex([Section?](repeating: nil, count: builders.count))
        DispatchQueue.concurrentPerform(iterations: builders.count) { position in
            let section = builders[position](self)
            drawn.withLock { $0[position] = section }
        }
        return drawn.withLock { $0.map { $0! } }
    }

    /// Installed first, so it also catches errors of the main script: each error is written into the page (which
    /// the browser check reads) and shown at the top.
    static let errorTrap = """
        window.addEventListener('error', function (e) {
          var box = document.getElementById('report-errors');
          var text = (e && e.message ? e.message : 'error') + (e && e.lineno ? ' (line ' + e.lineno + ')' : '');
          document.documentElement.setAttribute('data-report-error', text);
          if (box) { box.hidden = false; box.textContent += 'Report script error: ' + text + '\\n'; }
        });

        """

    /// Sorting the leaderboard by any column (click its header, again to reverse), toggling learning curves from
    /// their legend; then a marker that the script ran to its end, and the page height and each section's place on
    /// it (the browser check takes the full screenshot at that height and cuts it into one picture per section).
    static let script = """
        (function () {
          'use strict';
          function cellValue(row, column, numeric) {
            var cell = row.cells[column];
            var raw = cell.getAttribute('data-v');
            if (raw === null) { raw = cell.textContent; }
            if (!numeric) { return raw; }
            var v = parseFloat(raw);
            return isNaN(v) ? Infinity : v;
          }
          var tables = document.querySelectorAll('table.sortable');
          Array.prototype.forEach.call(tables, function (table) {
            var headers = table.tHead.rows[0].cells;
            Array.prototype.forEach.call(headers, function (header, column) {
              var button = header.querySelector('button');
              if (!button) { return; }
              button.addEventListener('click', function () {
                var numeric = header.getAttribute('data-type') === 'number';
                var ascending = header.getAttribute('aria-sort') !== 'ascending';
                Array.prototype.forEach.call(headers, function (h) { h.removeAttribute('aria-sort'); });
                header.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
                var body = table.tBodies[0];
                var rows = Array.prototype.slice.call(body.rows);
                rows.sort(function (a, b) {
                  var x = cellValue(a, column, numeric), y = cellValue(b, column, numeric);
                  var order = numeric ? x - y : String(x).localeCompare(String(y));
                  if (order !== order) { order = 0; }
                  return ascending ? order : -order;
                });
                rows.forEach(function (row) { body.appendChild(row); });
              });
            });
          });
          var toggles = document.querySelectorAll('button.toggle');
          Array.prototype.forEach.call(toggles, function (button) {
            button.addEventListener('click', function () {
              var on = button.getAttribute('aria-pressed') !== 'true';
              button.setAttribute('aria-pressed', on ? 'true' : 'false');
              var chart = document.getElementById(button.getAttribute('data-chart'));
              var series = chart.querySelectorAll('[data-series="' + button.getAttribute('data-series') + '"]');
              Array.prototype.forEach.call(series, function (g) {
                if (on) { g.removeAttribute('display'); } else { g.setAttribute('display', 'none'); }
              });
            });
          });
          var root = document.documentElement;
          root.setAttribute('data-report-height', String(Math.ceil(root.scrollHeight)));
          var boxes = Array.prototype.map.call(document.querySelectorAll('section'), function (section) {
            var box = section.getBoundingClientRect();
            return section.id + ':' + Math.round(box.top + window.scrollY) + ':' + Math.round(box.height);
          });
          root.setAttribute('data-report-sections', boxes.join(' '));
          // Reading scrollHeight above forced style and layout: this is parse-to-laid-out time.
          root.setAttribute('data-report-ms', String(Math.round(performance.now())));
          root.setAttribute('data-report-ready', 'ok');
        })();

        """

    static let css = """
        :root { color-scheme: light; --ink: #1a1a1a; --muted: #555; --line: #d0d0d0; --panel: #f6f7f9; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
               color: var(--ink); background: #fff; }
        header, main, footer { max-width: 1220px; margin: 0 auto; padding: 0 20px; }
        header { padding-top: 18px; }
        h1 { font-size: 24px; margin: 0 0 4px; }
        h2 { font-size: 19px; margin: 0 0 2px; }
        h3 { font-size: 15px; margin: 10px 0 2px; }
        .sub, .caption, .note, footer { color: var(--muted); }
        .caption { margin: 0 0 10px; }
        nav { margin: 8px 0 4px; display: flex; flex-wrap: wrap; gap: 6px 14px; }
        nav a { color: #0b57a4; }
        section { border-top: 1px solid var(--line); padding: 16px 0 10px; }
        footer { border-top: 1px solid var(--line); padding: 12px 20px 30px; font-size: 13px; }
        code { font: 13px/1.3 ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; }
        .errors { background: #fde8e8; color: #8a1010; padding: 8px 20px; white-space: pre-wrap; font-weight: 600; }
        dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0; }
        dl.summary dt { font-weight: 600; }
        dl.summary dd { margin: 0; }
        .best { background: var(--panel); border-left: 4px solid #0072B2; padding: 8px 12px; margin: 12px 0 0; }
        .table-wrap { overflow-x: auto; max-width: 100%; }
        table { border-collapse: collapse; font-size: 13.5px; font-variant-numeric: tabular-nums; }
        th, td { padding: 3px 9px; border-bottom: 1px solid #e4e4e4; text-align: left; white-space: nowrap; }
        td.n { text-align: right; }
        thead th { position: sticky; top: 0; background: #eef0f3; }
        th button { font: inherit; font-weight: 600; border: 0; background: none; padding: 0; cursor: pointer; color: inherit; }
        th[aria-sort="ascending"] button::after { content: " ▲"; }
        th[aria-sort="descending"] button::after { content: " ▼"; }
        tbody tr:nth-child(even) { background: #fafafa; }
        tr.top td { font-weight: 600; }
        .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); gap: 14px 22px; }
        figure { margin: 0; }
        figcaption { font-size: 13.5px; color: var(--muted); margin: 2px 0 0 4px; }
        svg.chart { max-width: 100%; height: auto; display: block; font-size: 12px; }
        svg .grid { stroke: #e3e3e3; stroke-width: 1; }
        svg .frame { fill: none; stroke: #9a9a9a; stroke-width: 1; }
        svg .tick { fill: #444; font-size: 11.5px; }
        svg .axis { fill: #222; font-size: 12.5px; font-weight: 600; }
        svg .label { fill: #222; font-size: 12px; }
        svg .pts { fill: none; stroke-linecap: round; }
        svg .line { fill: none; stroke-linejoin: round; stroke-linecap: round; }
        .legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 4px 0 0 4px; font-size: 13px; padding: 0; list-style: none; }
        .legend li, button.toggle { display: inline-flex; align-items: center; gap: 6px; }
        button.toggle { font: inherit; font-size: 13px; border: 1px solid var(--line); border-radius: 4px; background: #fff;
                        padding: 2px 8px; cursor: pointer; color: var(--ink); }
        button.toggle[aria-pressed="false"] { opacity: 0.45; text-decoration: line-through; }
        .swatch { display: inline-block; width: 22px; height: 0; border-top: 3px solid; }
        .swatch.dot { width: 9px; height: 9px; border: 0; border-radius: 50%; }
        .empty { color: var(--muted); font-style: italic; }
        """
}
