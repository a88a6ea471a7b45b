#!/usr/bin/env python3
"""Renders an AEGrid report.html in headless Chromium and checks it the way a person would look at it.

    scripts/check_report.py REPORT.html OUT_DIR [--name NAME] [--sections a,b,...] [--max-bytes N]

Fails (exit 1, each problem named) when:
  - the file is not well-formed XML (the report is XHTML-compatible), is larger than --max-bytes, or refers to
    anything outside itself (http:, https:, //, src= of a file);
  - Chromium prints any console message (an uncaught exception, a Content-Security-Policy violation: the report
    may fetch nothing) or the page's error trap recorded one (data-report-error on <html>);
  - the page's script did not run to its end (no data-report-ready="ok" on <html> in the dumped DOM);
  - a required section is missing, or a section that must plot has no <svg class="chart"> with data (data-marks
    > 0 and at least one mark element: a path with coordinates, or a rect);
  - the screenshot is blank (almost every pixel the background colour, or fewer than 32 distinct colours).
Writes OUT_DIR/NAME-top.png (1280 x 900, the first screen), OUT_DIR/NAME-full.png (the whole page at 1280 px
wide), OUT_DIR/NAME-section-ID.png (the full page cut at each section), OUT_DIR/NAME-dom.html (the DOM after the script ran) and prints the size and the render times.
Uses only the standard library and Debian's chromium-headless-shell (or chromium).
"""
import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
import zlib

SECTIONS = ["summary", "leaderboard", "importance", "slices", "pairs", "curves", "latent"]
PLOTTED = ["importance", "slices", "pairs", "curves", "latent"]


def browser():
    for name in ("chromium-headless-shell", "chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("check_report: no chromium-headless-shell or chromium on PATH (scripts/bootstrap.sh chromium-headless-shell)")


def run_browser(binary, url, extra, timeout=120):
    """Runs headless Chromium once; returns (stdout, console lines, seconds)."""
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
               "--disable-extensions", "--mute-audio", "--enable-logging=stderr", "--v=0",
               "--virtual-time-budget=5000", "--force-device-scale-factor=1"] + extra + [url]
    if os.path.basename(binary) == "chromium-headless-shell":
        command.remove("--headless")  # the shell is headless already
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    seconds = time.monotonic() - started
    # Chromium logs page console messages (console.*, uncaught exceptions, CSP violations) as INFO:CONSOLE.
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    if result.returncode != 0:
        raise RuntimeError(f"{binary} exited with {result.returncode}: {result.stderr[-2000:]}")
    return result.stdout, console, seconds


def png_pixels(path):
    """Decodes an 8-bit RGB or RGBA PNG (what Chromium writes) to (width, height, channels, rows of bytes)."""
    with open(path, "rb") as handle:
        data = handle.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG")
    position, idat, header = 8, [], None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        position += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError(f"{path}: unsupported PNG layout (depth {depth}, colour type {colour}, interlace {interlace})")
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 255
        elif kind == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, previous))
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def write_png(path, width, channels, rows):
    """Writes 8-bit RGB(A) rows as a PNG (filter 0 on every row)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, len(rows), 8, 2 if channels == 3 else 6, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    with open(path, "wb") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def section_pictures(full, sections, prefix):
    """Cuts the full-page screenshot into one PNG per section (positions measured by the page's own script)."""
    width, height, channels, rows = png_pixels(full)
    written = []
    for entry in sections.split():
        name, top, size = entry.rsplit(":", 2)
        top, size = int(top), int(size)
        if size <= 0 or top >= height:
            continue
        path = f"{prefix}-{name}.png"
        write_png(path, width, channels, rows[top:min(height, top + size)])
        written.append(path)
    return written


def screenshot_problems(path):
    width, height, channels, rows = png_pixels(path)
    background = rows[0][:3]
    colours, different, total = set(), 0, 0
    for row in rows[::3]:
        for x in range(0, width * channels, channels * 3):
            pixel = row[x:x + 3]
            total += 1
            if pixel != background:
                different += 1
            if len(colours) < 4096:
                colours.add(pixel)
    share = different / max(total, 1)
    problems = []
    if share < 0.02 or len(colours) < 32:
        problems.append(f"{path} looks blank: {share:.1%} of pixels differ from the background, {len(colours)} colours")
    return problems, share, len(colours)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report")
    parser.add_argument("out")
    parser.add_argument("--name", default="report")
    parser.add_argument("--sections", default=",".join(SECTIONS))
    parser.add_argument("--plotted", default=",".join(PLOTTED))
    parser.add_argument("--max-bytes", type=int, default=2_000_000)
    parser.add_argument("--no-screenshots", action="store_true", help="only the DOM checks (for the broken copies)")
    arguments = parser.parse_args()
    os.makedirs(arguments.out, exist_ok=True)
    report = os.path.abspath(arguments.report)
    problems = []

    size = os.path.getsize(report)
    if size > arguments.max_bytes:
        problems.append(f"{report} is {size} bytes, over the {arguments.max_bytes}-byte budget")
    with open(report, encoding="utf-8") as handle:
        text = handle.read()
    try:
        ElementTree.fromstring(text.split("\n", 1)[1] if text.startswith("<!DOCTYPE") else text)
    except ElementTree.ParseError as error:
        problems.append(f"{report} is not well-formed XML: {error}")
    for pattern in (r"""(?:src|href)\s*=\s*["'](?!#|data:)""", r"https?://(?!www\.w3\.org/)", r"url\(\s*['\"]?(?!#|data:)"):
        match = re.search(pattern, text)
        if match:
            problems.append(f"{report} refers to something outside itself: {text[match.start():match.end() + 60]!r}")

    binary = browser()
    url = "file://" + report
    dom, console, dom_seconds = run_browser(binary, url, ["--window-size=1280,900", "--dump-dom"])
    with open(os.path.join(arguments.out, arguments.name + "-dom.html"), "w", encoding="utf-8") as handle:
        handle.write(dom)
    problems += [f"console: {line}" for line in console]
    root = re.search(r"<html[^>]*>", dom)
    root = root.group(0) if root else ""
    if 'data-report-ready="ok"' not in root:
        problems.append("the page's script did not finish (no data-report-ready=\"ok\" on <html>)")
    error = re.search(r'data-report-error="([^"]*)"', root)
    if error:
        problems.append(f"the page recorded a script error: {error.group(1)}")
    height = re.search(r'data-report-height="(\d+)"', root)
    height = min(int(height.group(1)), 16000) if height else 6000
    sections = re.search(r'data-report-sections="([^"]*)"', root)
    page_ms = re.search(r'data-report-ms="(\d+)"', root)

    section_bodies = {}
    for match in re.finditer(r'<section id="([^"]+)"[^>]*>(.*?)</section>', dom, re.S):
        section_bodies[match.group(1)] = match.group(2)
    for section in [s for s in arguments.sections.split(",") if s]:
        if section not in section_bodies:
            problems.append(f"section #{section} is missing")
    charts = 0
    for section in [s for s in arguments.plotted.split(",") if s]:
        body = section_bodies.get(section, "")
        svgs = re.findall(r'<svg[^>]*class="chart"[^>]*>.*?</svg>', body, re.S)
        if not svgs:
            problems.append(f"section #{section} has no chart")
        for svg in svgs:
            charts += 1
            marks = re.search(r'data-marks="(\d+)"', svg)
            drawn = re.search(r'<path[^>]*\bd="M[\d.]+ [\d.]+[^"]*"', svg) or re.search(r"<rect(?![^>]*class=\"frame\")", svg)
            if not marks or int(marks.group(1)) == 0 or not drawn:
                title = re.search(r"<title>(.*?)</title>", svg)
                problems.append(f"section #{section}: empty chart ({title.group(1) if title else 'untitled'})")

    top = os.path.join(arguments.out, arguments.name + "-top.png")
    full = os.path.join(arguments.out, arguments.name + "-full.png")
    share = colours = top_seconds = 0
    shots = []
    if not arguments.no_screenshots:
        _, console_top, top_seconds = run_browser(binary, url, ["--window-size=1280,900", "--screenshot=" + top])
        _, console_full, _ = run_browser(binary, url, [f"--window-size=1280,{height}", "--screenshot=" + full])
        problems += [f"console (screenshot): {line}" for line in console_top + console_full]
        shots = [top, full]
    for path in shots:
        if not os.path.exists(path):
            problems.append(f"no screenshot at {path}")
            continue
        found, s, c = screenshot_problems(path)
        problems += found
        if path == top:
            share, colours = s, c

    print(f"report: {report}: {size / 1024:.1f} KB; {charts} charts with data; "
          f"in the page: parsed, laid out and scripted {page_ms.group(1) if page_ms else '?'} ms after navigation; "
          f"Chromium run with DOM dump {dom_seconds:.2f} s, with screenshot {top_seconds:.2f} s; "
          f"first screen {share:.0%} non-background pixels, {colours} colours")
    if shots:
        print(f"screenshots: {top}, {full}")
        if sections and os.path.exists(full):
            pictures = section_pictures(full, sections.group(1), os.path.join(arguments.out, arguments.name + "-section"))
            print(f"one per section: {', '.join(pictures)}")
    if problems:
        for problem in problems:
            print("check_report: FAIL: " + problem, file=sys.stderr)
        sys.exit(1)
    print("check_report: ok")


if __name__ == "__main__":
    main()
