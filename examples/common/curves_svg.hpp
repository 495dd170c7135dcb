#pragma once
// curves.svg of a GAN run: the losses and D's outputs from log.csv, and the
// generated masks' statistics from metrics.csv against the real pairs', over
// the steps, so a run can be looked at rather than read. Plain SVG, no
// dependencies: one panel per quantity, a polyline each, the real value as a
// dashed line where there is one.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace isinggan::examples {

/// Columns of a CSV file by header name (non-numeric cells become NaN); empty when the file is missing.
inline std::map<std::string, std::vector<double>> read_csv_columns(const std::filesystem::path& path,
                                                                   std::vector<std::string>* text_column = nullptr,
                                                                   const std::string& text_name = "") {
    std::map<std::string, std::vector<double>> cols;
    std::ifstream in(path);
    std::string line;
    if (!std::getline(in, line)) return cols;
    std::vector<std::string> names;
    {
        std::stringstream ss(line);
        for (std::string n; std::getline(ss, n, ',');) names.push_back(n);
    }
    while (std::getline(in, line)) {
        std::stringstream ss(line);
        std::size_t k = 0;
        for (std::string cell; std::getline(ss, cell, ',') && k < names.size(); ++k) {
            if (text_column && names[k] == text_name) text_column->push_back(cell);
            char* end = nullptr;
            const double v = std::strtod(cell.c_str(), &end);
            cols[names[k]].push_back(end && *end == '\0' && !cell.empty() ? v : std::nan(""));
        }
        for (; k < names.size(); ++k) cols[names[k]].push_back(std::nan(""));
    }
    return cols;
}

struct curve {
    std::string label, colour;
    std::vector<double> x, y;
};

struct panel {
    std::string title;
    std::vector<curve> curves;
    double reference = std::nan("");  ///< the real pairs' value: a dashed line
};

/// One SVG of panels side by side, two per row.
inline void write_curves_svg(const std::filesystem::path& path, const std::vector<panel>& panels, const std::string& title) {
    constexpr int w = 420, h = 230, pad = 44, columns = 2;
    const int rows = int((panels.size() + columns - 1) / columns);
    std::ostringstream svg;
    svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << columns * w << "\" height=\"" << rows * h + 30
        << "\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        << "<text x=\"10\" y=\"20\" font-size=\"14\">" << title << "</text>\n";
    for (std::size_t p = 0; p < panels.size(); ++p) {
        const panel& pa = panels[p];
        const int ox = int(p % columns) * w, oy = 30 + int(p / columns) * h;
        double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
        for (const auto& c : pa.curves)
            for (std::size_t i = 0; i < c.x.size() && i < c.y.size(); ++i)
                if (std::isfinite(c.x[i]) && std::isfinite(c.y[i])) {
                    x0 = std::min(x0, c.x[i]), x1 = std::max(x1, c.x[i]);
                    y0 = std::min(y0, c.y[i]), y1 = std::max(y1, c.y[i]);
                }
        if (std::isfinite(pa.reference)) y0 = std::min(y0, pa.reference), y1 = std::max(y1, pa.reference);
        svg << "<text x=\"" << ox + pad << "\" y=\"" << oy + 14 << "\" font-weight=\"bold\">" << pa.title << "</text>\n";
        if (!(x0 <= x1)) continue;  // nothing to draw
        if (x1 == x0) x1 = x0 + 1;
        if (y1 == y0) y1 = y0 + 1;
        const double pw = w - 1.5 * pad, ph = h - 2 * pad;
        const auto px = [&](double x) { return ox + pad + (x - x0) / (x1 - x0) * pw; };
        const auto py = [&](double y) { return oy + pad / 2.0 + 10 + (1 - (y - y0) / (y1 - y0)) * ph; };
        svg << "<rect x=\"" << ox + pad << "\" y=\"" << py(y1) << "\" width=\"" << pw << "\" height=\"" << ph
            << "\" fill=\"none\" stroke=\"#999\"/>\n";
        char buf[64];
        for (const double y : {y0, y1}) {
            std::snprintf(buf, sizeof buf, "%.3g", y);
            svg << "<text x=\"" << ox + 4 << "\" y=\"" << py(y) + 4 << "\">" << buf << "</text>\n";
        }
        for (const double x : {x0, x1}) {
            std::snprintf(buf, sizeof buf, "%.0f", x);
            svg << "<text x=\"" << px(x) - 10 << "\" y=\"" << py(y0) + 14 << "\">" << buf << "</text>\n";
        }
        if (std::isfinite(pa.reference))
            svg << "<line x1=\"" << px(x0) << "\" x2=\"" << px(x1) << "\" y1=\"" << py(pa.reference) << "\" y2=\""
                << py(pa.reference) << "\" stroke=\"#444\" stroke-dasharray=\"4 3\"/>\n";
        int legend = 0;
        for (const auto& c : pa.curves) {
            svg << "<polyline fill=\"none\" stroke=\"" << c.colour << "\" stroke-width=\"1.2\" points=\"";
            // At most ~1000 points a curve (a long run logs every step), the last one always drawn.
            const std::size_t n = std::min(c.x.size(), c.y.size()), stride = std::max<std::size_t>(1, n / 1000);
            for (std::size_t i = 0; i < n; i += (i + stride < n || i + 1 == n) ? stride : n - 1 - i)
                if (std::isfinite(c.x[i]) && std::isfinite(c.y[i])) svg << px(c.x[i]) << ',' << py(c.y[i]) << ' ';
            svg << "\"/>\n<text x=\"" << ox + w - 150 << "\" y=\"" << oy + 14 + 12 * legend++ << "\" fill=\"" << c.colour
                << "\">" << c.label << "</text>\n";
        }
        if (std::isfinite(pa.reference))
            svg << "<text x=\"" << ox + w - 150 << "\" y=\"" << oy + 14 + 12 * legend << "\" fill=\"#444\">- - real pairs</text>\n";
    }
    svg << "</svg>\n";
    const auto tmp = std::filesystem::path(path.string() + ".tmp");
    {
        std::ofstream out(tmp);
        out << svg.str();
        if (!out) return;  // a plot is a convenience: never fail a run over it
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
}

/// curves.svg from a run's log.csv and metrics.csv (what exists of them).
inline void write_run_curves(const std::filesystem::path& run, const std::string& title) {
    const auto log = read_csv_columns(run / "log.csv");
    std::vector<std::string> labels;
    const auto metrics = read_csv_columns(run / "metrics.csv", &labels, "label");
    std::vector<panel> panels;
    if (log.count("step")) {
        const auto& s = log.at("step");
        const auto col = [&](const char* n) { return log.count(n) ? log.at(n) : std::vector<double>{}; };
        panels.push_back({"losses", {{"D loss", "#1f77b4", s, col("d_loss")}, {"G loss (adversarial)", "#d62728", s, col("g_loss")}}});
        panels.push_back({"discriminator outputs", {{"D(real)", "#2ca02c", s, col("d_real")}, {"D(fake)", "#ff7f0e", s, col("d_fake")}}});
        panels.push_back({"Ising energy of the masks", {{"energy per pixel", "#9467bd", s, col("smooth_energy")}}});
    }
    if (metrics.count("step")) {
        const auto pick = [&](const char* name, const char* label, const char* colour) {
            panel p{name, {}};
            curve c{"generated", colour, {}, {}};
            for (std::size_t i = 0; i < labels.size() && i < metrics.at("step").size(); ++i) {
                const double v = metrics.count(label) ? metrics.at(label)[i] : std::nan("");
                if (labels[i] == "real") p.reference = v;
                else c.x.push_back(metrics.at("step")[i]), c.y.push_back(v);
            }
            p.curves.push_back(c);
            panels.push_back(p);
        };
        pick("mask foreground fraction", "foreground_fraction", "#17becf");
        pick("objects per mask", "objects_per_mask", "#8c564b");
        pick("holes per mask", "holes_per_mask", "#e377c2");
        pick("pairwise mask IoU (diversity: low is diverse)", "pairwise_mask_iou", "#7f7f7f");
        pick("contrast inside vs outside the mask", "contrast", "#bcbd22");
        if (metrics.count("colour_share")) {  // runs from before these columns lack them
            pick("share of bright backgrounds (modes: bright-field, tissue)", "bright_background_share", "#ff7f0e");
            pick("share of coloured images (modes: stained tissue)", "colour_share", "#9467bd");
        }
    }
    if (!panels.empty()) write_curves_svg(run / "curves.svg", panels, title);
}

}  // namespace isinggan::examples
