/* ClearAnalytics charts: a small dependency-free SVG line chart with tooltips.
 *
 * ClearChart.line(container, rows, {series, hourly, interval, partial, format, timeZone, title}) draws
 * one line per series (the first with a soft area under it) over evenly spaced buckets. A series
 * whose format differs from the first gets its own scale with labels on the right. `partial` says
 * the last bucket is still running (today, this week, this hour): its segment is drawn dashed and
 * its tooltip says "so far", so a chart does not end in a false cliff. `interval` (day, week,
 * month) names the buckets in labels and tooltips. Pointer moves and the arrow keys (when the chart has
 * focus) move a tooltip from bucket to bucket. Text goes in with textContent only, and
 * positions are set through the CSSOM, which the strict Content-Security-Policy allows.
 * The AI chat panel reuses this file to draw its small charts.
 */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG_NS, name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (parent) parent.appendChild(node);
    return node;
  }

  /* The top of the axis: four equal, round steps (whole steps for counts and money, so small amounts
     never give ticks that round to the same label, "€1 €1 €0"). */
  function niceMax(value, integer) {
    if (!(value > 0)) return integer ? 4 : 1;
    var raw = value / 4;
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 2.5, 3, 4, 5, 6, 8, 10];
    for (var i = 0; i < steps.length; i++) {
      var step = steps[i] * power;
      if (integer && step < 1) continue;
      if (integer && step !== Math.round(step)) continue;
      if (step * 4 >= value) return step * 4;
    }
    return 40 * power;
  }

  /* "2026-02-12" -> "12 Feb" ("Feb 2026" on axes spanning months). Hourly buckets are UTC hours
     ("2026-02-12T14:00:00Z"), shown in the site's timezone when one is given: "09:00". */
  function bucketLabel(bucket, hourly, long, months, timeZone, interval) {
    var text = String(bucket);
    if (interval === "month" && !hourly) {
      var ym = text.split("-");
      return MONTHS[parseInt(ym[1], 10) - 1] + " " + ym[0];
    }
    if (interval === "week" && !hourly && long) return "Week of " + bucketLabel(text, false, true, false, timeZone);
    if (hourly || text.indexOf("T") > 0) {
      var moment = new Date(text);
      if (timeZone && !isNaN(moment)) {
        try {
          var options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: timeZone };
          if (long) Object.assign(options, { day: "numeric", month: "short" });
          return new Intl.DateTimeFormat("en-GB", options).format(moment);
        } catch (e) {
          /* an unknown zone: fall back to UTC below */
        }
      }
      var hour = text.slice(11, 16);
      return long ? text.slice(0, 10) + " " + hour + " UTC" : hour;
    }
    var parts = text.split("-");
    if (parts.length !== 3) return text;
    if (months && !long) return MONTHS[parseInt(parts[1], 10) - 1] + " " + parts[0];
    var label = parseInt(parts[2], 10) + " " + MONTHS[parseInt(parts[1], 10) - 1];
    return long ? label + " " + parts[0] : label;
  }

  function plainFormat(value) {
    return value === null || value === undefined ? "–" : Number(value).toLocaleString();
  }

  function line(container, rows, options) {
    options = options || {};
    var series = options.series || [];
    var format = options.format || function (value) { return plainFormat(value); };
    container.textContent = "";
    container.classList.add("cc-chart");
    if (!rows || !rows.length || !series.length) return null;

    var width = Math.max(container.clientWidth || 600, 280);
    var height = options.height || (width < 480 ? 200 : 260);
    var dual = series.length > 1 && series[1].format !== series[0].format;
    var pad = { top: 12, right: dual ? 48 : 14, bottom: 26, left: 48 };
    var innerW = width - pad.left - pad.right;
    var innerH = height - pad.top - pad.bottom;
    var n = rows.length;
    var xAt = function (i) { return pad.left + (n === 1 ? innerW / 2 : (i * innerW) / (n - 1)); };

    var maxima = series.map(function (s) {
      var top = Math.max.apply(null, rows.map(function (r) { return Number(r[s.key]) || 0; }));
      return niceMax(top, s.format === "int" || s.format === "money");
    });
    if (!dual) {
      var shared = Math.max.apply(null, maxima);
      maxima = maxima.map(function () { return shared; });
    }
    var yAt = function (value, index) { return pad.top + innerH - ((Number(value) || 0) / maxima[index]) * innerH; };

    var unit = options.hourly ? "hour" : options.interval || "day";
    var partial = Boolean(options.partial) && n > 1;
    var summary = (options.title || "Chart") + ": " + series.map(function (s) { return s.label; }).join(" and ") +
      " over " + n + " " + unit + "s." + (partial ? " The last " + unit + " is not over yet." : "") +
      " Use the arrow keys to read each value.";
    var svg = el("svg", {
      viewBox: "0 0 " + width + " " + height, width: width, height: height,
      role: "img", "aria-label": summary, tabindex: "0", class: "cc-svg", focusable: "true",
    }, container);

    for (var g = 0; g <= 4; g++) {
      var y = pad.top + (innerH * g) / 4;
      el("line", { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: "cc-grid" }, svg);
      var left = el("text", { x: pad.left - 6, y: y + 4, class: "cc-axis cc-y", "text-anchor": "end" }, svg);
      left.textContent = format(maxima[0] * (1 - g / 4), series[0], true);
      if (dual) {
        var right = el("text", { x: width - pad.right + 6, y: y + 4, class: "cc-axis", "text-anchor": "start" }, svg);
        right.textContent = format(maxima[1] * (1 - g / 4), series[1], true);
      }
    }

    var ticks = Math.min(n, width < 480 ? 4 : 7);
    var shown = {};
    for (var t = 0; t < ticks; t++) {
      var idx = ticks === 1 ? 0 : Math.round((t * (n - 1)) / (ticks - 1));
      if (shown[idx]) continue;
      shown[idx] = true;
      var anchor = idx === 0 ? "start" : idx === n - 1 ? "end" : "middle";
      var label = el("text", { x: xAt(idx), y: height - 6, class: "cc-axis", "text-anchor": anchor }, svg);
      label.textContent = bucketLabel(rows[idx].date, options.hourly, false, n > 120, options.timeZone, options.interval);
    }

    series.forEach(function (s, si) {
      var points = rows.map(function (r, i) { return xAt(i).toFixed(1) + "," + yAt(r[s.key], si).toFixed(1); });
      if (si === 0) {
        el("path", {
          d: "M" + xAt(0).toFixed(1) + "," + (pad.top + innerH) + " L" + points.join(" L") +
            " L" + xAt(n - 1).toFixed(1) + "," + (pad.top + innerH) + " Z",
          class: "cc-area cc-s0",
        }, svg);
      }
      var solid = partial ? points.slice(0, n - 1) : points;
      if (solid.length > 1) el("polyline", { points: solid.join(" "), class: "cc-line cc-s" + si }, svg);
      if (partial) el("polyline", { points: points.slice(n - 2).join(" "), class: "cc-line cc-partial cc-s" + si }, svg);
    });

    var guide = el("line", { x1: 0, x2: 0, y1: pad.top, y2: pad.top + innerH, class: "cc-guide", visibility: "hidden" }, svg);
    var dots = series.map(function (s, si) {
      return el("circle", { r: 4, cx: 0, cy: 0, class: "cc-dot cc-s" + si, visibility: "hidden" }, svg);
    });
    var tip = document.createElement("div");
    tip.className = "cc-tooltip";
    tip.hidden = true;
    tip.setAttribute("role", "status");
    container.appendChild(tip);
    var current = -1;

    function show(i) {
      current = Math.max(0, Math.min(n - 1, i));
      var row = rows[current];
      var x = xAt(current);
      guide.setAttribute("x1", x);
      guide.setAttribute("x2", x);
      guide.setAttribute("visibility", "visible");
      dots.forEach(function (dot, si) {
        dot.setAttribute("cx", x);
        dot.setAttribute("cy", yAt(row[series[si].key], si));
        dot.setAttribute("visibility", "visible");
      });
      tip.textContent = "";
      var head = document.createElement("strong");
      head.textContent = bucketLabel(row.date, options.hourly, true, false, options.timeZone, options.interval);
      tip.appendChild(head);
      if (partial && current === n - 1) {
        var note = document.createElement("span");
        note.className = "cc-tip-note";
        note.textContent = "Incomplete: this " + unit + " so far";
        tip.appendChild(note);
      }
      series.forEach(function (s, si) {
        var lineEl = document.createElement("span");
        lineEl.className = "cc-tip-row cc-s" + si;
        lineEl.textContent = s.label + ": " + format(row[s.key], s, false);
        tip.appendChild(lineEl);
      });
      tip.hidden = false;
      var scale = svg.getBoundingClientRect().width / width || 1;
      var tipWidth = tip.offsetWidth;
      var leftPx = x * scale + 12;
      if (leftPx + tipWidth > container.clientWidth) leftPx = x * scale - tipWidth - 12;
      tip.style.left = Math.max(0, leftPx) + "px";
      tip.style.top = pad.top * scale + "px";
    }

    function hide() {
      current = -1;
      tip.hidden = true;
      guide.setAttribute("visibility", "hidden");
      dots.forEach(function (dot) { dot.setAttribute("visibility", "hidden"); });
    }

    svg.addEventListener("pointermove", function (event) {
      var rect = svg.getBoundingClientRect();
      var x = ((event.clientX - rect.left) / rect.width) * width;
      show(n === 1 ? 0 : Math.round(((x - pad.left) / innerW) * (n - 1)));
    });
    svg.addEventListener("pointerleave", hide);
    svg.addEventListener("blur", hide);
    svg.addEventListener("focus", function () { show(current < 0 ? n - 1 : current); });
    svg.addEventListener("keydown", function (event) {
      var moves = { ArrowLeft: -1, ArrowRight: 1, ArrowDown: -1, ArrowUp: 1 };
      if (event.key in moves) show((current < 0 ? n - 1 : current) + moves[event.key]);
      else if (event.key === "Home") show(0);
      else if (event.key === "End") show(n - 1);
      else if (event.key === "Escape") hide();
      else return;
      event.preventDefault();
    });
    return { show: show, hide: hide, svg: svg };
  }

  /* Redraw on container resize so the chart stays crisp from phone to desktop. */
  /* One observer per container, drawing whatever was drawn last (a measure toggle redraws with other
     series; an observer per call would bring the old ones back on the next resize). */
  function responsive(container, rows, options) {
    var chart = line(container, rows, options);
    container.ccLast = { rows: rows, options: options };
    if (window.ResizeObserver && !container.ccObserved) {
      container.ccObserved = true;
      var lastWidth = container.clientWidth;
      var timer = null;
      new ResizeObserver(function () {
        if (container.clientWidth === lastWidth) return;
        lastWidth = container.clientWidth;
        clearTimeout(timer);
        timer = setTimeout(function () { line(container, container.ccLast.rows, container.ccLast.options); }, 120);
      }).observe(container);
    }
    return chart;
  }

  window.ClearChart = { line: line, responsive: responsive, bucketLabel: bucketLabel, niceMax: niceMax };
})();
