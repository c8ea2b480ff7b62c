/* ClearAnalytics dashboard: paints the server-rendered widgets with JSON from the data routes.
 *
 * Every widget names its report (data-report); its numbers come from
 * <data-base><report>?<the view's query string>, so period and filters stay in the URL.
 * Data is only ever written with textContent, never innerHTML, so a pathname such as
 * "/<script>alert(1)</script>" shows as text. Clicking a row label is a plain link that adds
 * filter[dimension]=value to the URL; the server and the stats engine do the filtering.
 * Also here: copy buttons, confirm-before-submit forms, the installation check, and the
 * live visitor count. No inline script anywhere: the Content-Security-Policy forbids it.
 */
(function () {
  "use strict";

  var view = document.querySelector("[data-view=analytics]");
  var csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  var currency = view ? view.dataset.currency : "EUR";
  var hourly = view ? view.dataset.hourly === "true" : false;
  var timeZone = view ? view.dataset.timezone : undefined;
  var PERCENT_POINT_KEYS = { bounce_rate: true, conversion_rate: true, dropoff_rate: true };

  function fetchJson(url, options, whole) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = Object.assign({ Accept: "application/json", "X-CSRF-Token": csrf }, options.headers || {});
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          var error = new Error(body.message || "The server answered " + response.status + ".");
          error.status = response.status;
          throw error;
        }
        return whole ? body : body.data;
      });
    });
  }

  /* --- number formats ------------------------------------------------------------------ */

  function formatValue(value, fmt, short) {
    if (value === null || value === undefined || value === "") return fmt === "text" ? null : "–";
    var n = Number(value);
    switch (fmt) {
      case "int":
        return short && n >= 10000 ? compact(n) : Math.round(n).toLocaleString();
      case "pct":
        return n.toFixed(1) + "%";
      case "duration":
        return duration(n);
      case "money":
        if (short && n >= 10000) return compact(n);
        try {
          return n.toLocaleString(undefined, { style: "currency", currency: currency, maximumFractionDigits: short ? 0 : 2 });
        } catch (e) {
          return n.toFixed(2) + " " + currency;
        }
      default:
        return String(value);
    }
  }

  /* Codes shown as names in the reader's language ("de" -> "German"); the code stays the filter's value. */
  var DISPLAY_KINDS = { language: "language" };  /* countries: countryName below */
  function displayName(dimension, code) {
    var kind = DISPLAY_KINDS[dimension];
    if (!kind || !window.Intl || !Intl.DisplayNames) return code;
    try {
      var name = new Intl.DisplayNames(undefined, { type: kind }).of(code);
      return name && name !== code ? name : code;
    } catch (e) {
      return code;
    }
  }

  function compact(n) {
    try {
      return n.toLocaleString(undefined, { notation: "compact", maximumFractionDigits: 1 });
    } catch (e) {
      return String(Math.round(n));
    }
  }

  function duration(seconds) {
    seconds = Math.round(seconds);
    if (seconds < 60) return seconds + "s";
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    if (m < 60) return m + "m " + (s < 10 ? "0" : "") + s + "s";
    return Math.floor(m / 60) + "h " + (m % 60) + "m";
  }

  function chartFormat(value, series, short) {
    return formatValue(value, series.format, short);
  }

  /* Country names for ISO codes (locations tables, map, filter chip): the browser's own, no list shipped. */
  var regionNames = null;
  function countryName(code) {
    if (!code) return null;
    try {
      regionNames = regionNames || new Intl.DisplayNames(undefined, { type: "region" });
      return regionNames.of(String(code)) || String(code);
    } catch (e) {
      return String(code);
    }
  }

  /* --- widget states --------------------------------------------------------------------- */

  function setState(widget, kind, message, retry) {
    var state = widget.querySelector(":scope > [data-state]");
    widget.setAttribute("aria-busy", kind === "loading" ? "true" : "false");
    widget.dataset.status = kind;
    if (!state) return;
    state.dataset.state = kind;
    state.textContent = message || "";
    state.hidden = kind === "ready";
    if (kind === "error" && retry) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button subtle";
      button.textContent = "Retry";
      button.addEventListener("click", retry);
      state.appendChild(document.createTextNode(" "));
      state.appendChild(button);
    }
  }

  /* --- URLs with filters ------------------------------------------------------------------ */

  /* The view's validated state from the server (a malformed period in the address bar has
     already been dropped there), rather than location.search as typed. */
  function viewParams() {
    return new URLSearchParams(view.dataset.query || "");
  }

  function filterUrl(dimension, value) {
    var params = viewParams();
    params.set("filter[" + dimension + "]", value === null || value === undefined ? "" : String(value));
    return view.dataset.pageUrl + "?" + params.toString();
  }

  /* --- painters --------------------------------------------------------------------------- */

  /* Why a card shows no change, or null when it may show one: a figure with nothing to compare
     (a rate of no visits), a previous period without data ("new"), or one with far less data than
     this one (a fresh install: a five-digit percentage would only measure the install date). */
  function noChange(card, data, comparison) {
    var needs = card.dataset.undefinedWithout;
    if (needs && !(Number(data[needs]) > 0)) return ["no data in this period", ""];
    if (!comparison) return null;
    var unit = comparison.unit;
    if (comparison.previous_with_data === 0) {
      return comparison.with_data > 0 ? ["new: no data the period before", ""] : ["no data in this period", ""];
    }
    if (!comparison.comparable) {
      return ["n/a: the period before is incomplete",
              "The period before has data on " + comparison.previous_with_data + " " + unit + "(s), this one on " +
              comparison.with_data + ": a change would compare unlike periods."];
    }
    return null;
  }

  function paintKpis(widget, data, comparison) {
    widget.querySelectorAll(".kpi").forEach(function (card) {
      var key = card.dataset.key;
      var fmt = card.dataset.format;
      var needs = card.dataset.undefinedWithout;
      var undefinedHere = needs && !(Number(data[needs]) > 0);
      card.querySelector("[data-value]").textContent = undefinedHere ? "–" : formatValue(data[key], fmt, false);
      var changeEl = card.querySelector("[data-change]");
      var change = data[key + "_change"];
      changeEl.textContent = "";
      changeEl.removeAttribute("title");
      changeEl.classList.remove("up", "down", "good", "bad");
      var reason = noChange(card, data, comparison);
      if (reason) {
        changeEl.textContent = reason[0];
        if (reason[1]) changeEl.title = reason[1];
        return;
      }
      if (change === null || change === undefined) {
        changeEl.textContent = "no previous data";
        return;
      }
      var points = PERCENT_POINT_KEYS[key];
      var arrow = change > 0 ? "▲ " : change < 0 ? "▼ " : "";
      var text = arrow + (change > 0 ? "+" : "") + Number(change).toFixed(1) + (points ? " pp" : "%");
      changeEl.textContent = text;
      var vs = document.createElement("span");
      vs.className = "vs";
      vs.textContent = " vs previous period";
      changeEl.appendChild(vs);
      if (change !== 0) {
        var better = card.hasAttribute("data-lower-is-better") ? change < 0 : change > 0;
        changeEl.classList.add(change > 0 ? "up" : "down", better ? "good" : "bad");
      }
    });
  }

  function paintTable(widget, rows, _extra, labels) {
    labels = labels || {};
    var heads = Array.prototype.slice.call(widget.querySelectorAll("thead th"));
    var body = widget.querySelector("tbody");
    body.textContent = "";
    if (rows && widget.hasAttribute("data-hide-zero")) {
      var numeric = heads.filter(function (th) { return th.dataset.format !== "text"; });
      rows = rows.filter(function (row) {
        return numeric.some(function (th) { return Number(row[th.dataset.key]) > 0; });
      });
    }
    if (!rows || !rows.length) {
      var empty = widget.querySelector("template[data-empty]");
      setState(widget, "empty", empty ? empty.content.textContent.trim() : "No data for this period.");
      return;
    }
    var barKey = (heads.filter(function (th) { return th.dataset.format !== "text"; })[0] || {}).dataset;
    barKey = barKey ? barKey.key : null;
    var max = Math.max.apply(null, rows.map(function (r) { return Number(r[barKey]) || 0; })) || 1;
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      heads.forEach(function (th, index) {
        var cell = document.createElement(index === 0 ? "th" : "td");
        if (index === 0) cell.scope = "row";
        var fmt = th.dataset.format;
        var raw = row[th.dataset.key];
        var text = formatValue(raw, fmt, false);
        var shown = text === null ? "(none)" : displayName(th.dataset.filter, text);
        if (th.dataset.display === "country") shown = raw ? countryName(raw) : "Unknown";
        var named = th.dataset.key === "referrer_source" && labels.referrer && labels.referrer[row.referrer];
        if (named) shown = named;
        if (fmt !== "text") cell.className = "num";
        if (th.classList.contains("secondary")) cell.classList.add("secondary");
        if (th.dataset.filter && view) {
          var link = document.createElement("a");
          link.href = filterUrl(th.dataset.filter, raw);
          link.textContent = shown;
          link.title = "Filter by " + th.textContent.trim() + ": " + shown;
          if (text === null) link.className = "muted";
          cell.appendChild(link);
        } else {
          cell.textContent = shown;
          if (index === 0) cell.title = shown; /* the whole label, where a panel's CSS cuts it short */
          if (text === null) cell.classList.add("muted");
        }
        tr.appendChild(cell);
      });
      /* The bar spans the whole row, one track for every row: a 100% row is full whatever the
         label column's width (a bar inside the label cell looked a third full). */
      if (barKey && Number(row[barKey]) > 0) {
        tr.classList.add("ranked");
        tr.style.setProperty("--share", Math.max(0.5, (Number(row[barKey]) / max) * 100).toFixed(1) + "%");
      }
      body.appendChild(tr);
    });
    setState(widget, "ready");
  }

  /* A chart whose series measure different things (money and counts) shows one at a time, chosen by
     the legend's buttons, rather than two y-axes that a reader has to match to their lines. */
  function chosenSeries(widget, series, redraw) {
    var legend = widget.querySelector("[data-measures]");
    if (!legend) return series;
    var chosen = Number(widget.dataset.measure || 0);
    legend.querySelectorAll("button[data-measure]").forEach(function (button) {
      var index = Number(button.dataset.measure);
      button.setAttribute("aria-pressed", index === chosen ? "true" : "false");
      button.onclick = function () {
        widget.dataset.measure = String(index);
        redraw();
      };
    });
    return [series[chosen]];
  }

  function paintChart(widget, rows) {
    var allSeries = JSON.parse(widget.dataset.series || "[]");
    var series = chosenSeries(widget, allSeries, function () { paintChart(widget, rows); });
    var target = widget.querySelector("[data-chart]");
    var some = (rows || []).some(function (row) {
      return allSeries.some(function (s) { return Number(row[s.key]) > 0; });
    });
    if (!some) {
      target.textContent = "";
      setState(widget, "empty", "No data for this period.");
      return;
    }
    setState(widget, "ready");
    window.ClearChart.responsive(target, rows, {
      series: series,
      hourly: hourly,
      interval: view.dataset.interval,
      partial: view.dataset.partialLast === "true",
      timeZone: timeZone,
      format: chartFormat,
      title: widget.querySelector("h2").textContent,
    });
    var tableBox = widget.querySelector("[data-chart-table]");
    if (tableBox) {
      tableBox.textContent = "";
      var table = document.createElement("table");
      table.className = "rows compact";
      var head = table.createTHead().insertRow();
      var bucketHead = hourly ? "Hour" : { week: "Week", month: "Month" }[view.dataset.interval] || "Date";
      [{ label: bucketHead }].concat(allSeries).forEach(function (s) {
        var th = document.createElement("th");
        th.scope = "col";
        th.textContent = s.label;
        head.appendChild(th);
      });
      var body = table.createTBody();
      rows.forEach(function (row) {
        var tr = body.insertRow();
        var th = document.createElement("th");
        th.scope = "row";
        th.textContent = window.ClearChart.bucketLabel(row.date, hourly, true, false, timeZone, view.dataset.interval);
        tr.appendChild(th);
        allSeries.forEach(function (s) {
          var td = tr.insertCell();
          td.className = "num";
          td.textContent = formatValue(row[s.key], s.format, false);
        });
      });
      tableBox.appendChild(table);
    }
  }

  var PAINTERS = { kpis: paintKpis, table: paintTable, chart: paintChart };

  function load(widget) {
    var painter = PAINTERS[widget.dataset.widget];
    if (!painter) return;
    setState(widget, "loading", "Loading…");
    var params = viewParams();
    var query = params.toString();
    if (widget.dataset.widget === "chart" && !hourly) params.set("interval", view.dataset.interval);
    var url = view.dataset.base + widget.dataset.report + (params.toString() ? "?" + params.toString() : "");
    var extra = widget.dataset.widget === "kpis"
      ? fetchJson(view.dataset.base + "comparison" + (query ? "?" + query : "")).catch(function () { return null; })
      : Promise.resolve(null);
    Promise.all([fetchJson(url, {}, true), extra])
      .then(function (found) {
        if (widget.dataset.widget === "kpis") setState(widget, "ready");
        painter(widget, found[0].data, found[1], found[0].labels);
      })
      .catch(function (error) {
        setState(widget, "error", "Could not load this panel: " + error.message, function () { load(widget); });
      });
  }

  function liveVisitors() {
    var box = document.querySelector("[data-widget=current-visitors]");
    if (!box || !view) return;
    var tick = function () {
      fetchJson(view.dataset.base + "current-visitors")
        .then(function (data) { box.querySelector("[data-value]").textContent = data.visitors.toLocaleString(); })
        .catch(function () { box.querySelector("[data-value]").textContent = "?"; });
    };
    tick();
    setInterval(function () { if (!document.hidden) tick(); }, 30000);
  }

  /* --- small page behaviours ---------------------------------------------------------------- */

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var ok = document.execCommand("copy");
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var label = button.textContent;
    button.addEventListener("click", function () {
      var source = document.querySelector(button.dataset.copy);
      copyText(source ? source.textContent : "").then(
        function () { button.textContent = "Copied"; },
        function () { button.textContent = "Select and copy by hand"; }
      );
      setTimeout(function () { button.textContent = label; }, 2000);
    });
  });

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  document.querySelectorAll("[data-verify]").forEach(function (box) {
    var result = box.querySelector("[data-result]");
    box.querySelector("[data-action=verify]").addEventListener("click", function () {
      result.textContent = "Checking…";
      fetchJson(box.dataset.verify)
        .then(function (data) {
          result.textContent = data.installed
            ? "Installed: " + data.pageviews.toLocaleString() + " pageviews so far, " +
              data.pageviews_24h.toLocaleString() + " in the last 24 hours; last one at " +
              data.last_pageview_at.replace("T", " ").replace("Z", " UTC") + "."
            : "No events have arrived yet. Check that the snippet is on the page and that the page is not on localhost.";
          box.dataset.installed = data.installed ? "true" : "false";
        })
        .catch(function (error) { result.textContent = "Could not check: " + error.message; });
    });
  });

  /* Goal forms: show the fields of the chosen type only (both stay in the page without JS). */
  document.querySelectorAll("form.goal-form").forEach(function (form) {
    var sync = function () {
      var chosen = form.querySelector("input[name=type]:checked") || form.querySelector("input[name=type]");
      form.querySelectorAll("[data-goal-type]").forEach(function (group) {
        group.hidden = group.dataset.goalType !== chosen.value;
      });
    };
    form.querySelectorAll("input[name=type]").forEach(function (radio) { radio.addEventListener("change", sync); });
    sync();
  });

  /* Menus (<details>) close on Escape and on a click elsewhere, as users expect of a dropdown. */
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  });

  if (view) {
    view.querySelectorAll("[data-widget][data-report]").forEach(load);
    liveVisitors();
  }

  /* For panels of their own: paintTable and setState paint rows as the table panels do (panels.js);
     filterUrl and countryName give the map the table rows' links and names (worldmap.js). */
  window.ClearDashboard = {
    fetchJson: fetchJson, formatValue: formatValue, csrf: csrf, paintTable: paintTable, setState: setState,
    filterUrl: filterUrl, countryName: countryName,
  };
})();
