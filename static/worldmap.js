/* ClearAnalytics dashboard: the Locations panel's world map (templates/widgets/locations.html).
 *
 * The shapes come from static/world-110m.json (Natural Earth 1:110m countries, public domain, already
 * projected to a 1000-unit grid by bench/world_map.py): each country is a list of rings, a ring its
 * first point then deltas, so a ring is the SVG path "M x y l dx dy ... z". No library, no network.
 * The numbers come from <data-base>countries?<the view's query>&limit=100, the report the table beside
 * the map shows. A country with visitors is shaded in one of five steps of the accent colour (by the
 * square root of its share of the busiest country's visitors, so a long tail stays visible) and is a
 * link to the same filter URL a table row links to (ClearDashboard.filterUrl): click it, or Tab to it
 * and press Enter, and the whole view is filtered by that country. Hover or focus shows the country's
 * name (the browser's Intl.DisplayNames) and its numbers. Text is only written with textContent.
 * Also here: the panel's tabs (Countries / Regions / Cities), and country names in the filter chip.
 */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var STEPS = 5;
  var view = document.querySelector("[data-view=analytics]");
  var dash = window.ClearDashboard;

  function number(n) { return Number(n).toLocaleString(); }

  function count(n, noun) { return number(n) + " " + noun + (Number(n) === 1 ? "" : "s"); }

  function countryName(code) { return dash.countryName(code) || "Unknown location"; }

  /* 0 for no visitors, else 1..STEPS; the busiest country is always STEPS. */
  function step(visitors, most) {
    if (!visitors || !most) return 0;
    return Math.min(STEPS, Math.max(1, Math.ceil(STEPS * Math.sqrt(visitors / most))));
  }

  function ringPath(ring) {
    return "M" + ring[0] + " " + ring[1] + (ring.length > 2 ? "l" + ring.slice(2).join(" ") : "") + "z";
  }

  function describe(code, row) {
    var name = countryName(code);
    if (!row) return name + ": no visitors";
    return name + ": " + count(row.visitors, "visitor") + ", " + count(row.pageviews, "pageview");
  }

  function countryShape(code, rings, row, most) {
    var path = document.createElementNS(SVG, "path");
    path.setAttribute("d", rings.map(ringPath).join(""));
    var shade = step(row ? row.visitors : 0, most);
    path.setAttribute("class", "wm-country wm-s" + shade);
    path.setAttribute("data-code", code);
    path.setAttribute("data-step", String(shade));
    path.setAttribute("data-visitors", String(row ? row.visitors : 0));
    var title = document.createElementNS(SVG, "title");
    title.textContent = describe(code, row);
    path.appendChild(title);
    if (!row) return path;
    var link = document.createElementNS(SVG, "a");
    link.setAttribute("href", dash.filterUrl("country", code));
    link.setAttribute("aria-label", title.textContent + ". Filter by this country.");
    link.setAttribute("class", "wm-link");
    link.appendChild(path);
    return link;
  }

  function drawMap(box, shapes, rows) {
    var byCode = {};
    rows.forEach(function (row) { if (row.country_code) byCode[row.country_code] = row; });
    var most = Math.max.apply(null, rows.map(function (r) { return r.country_code ? r.visitors : 0; }).concat([0]));
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + shapes.width + " " + shapes.height);
    svg.setAttribute("class", "wm-svg");
    svg.setAttribute("role", "group");
    svg.setAttribute("aria-label", "World map of visitors by country");
    var plain = document.createElementNS(SVG, "g");
    var shaded = document.createElementNS(SVG, "g");  // drawn last: their outlines stay on top
    Object.keys(shapes.countries).forEach(function (code) {
      var row = byCode[code];
      (row ? shaded : plain).appendChild(countryShape(code, shapes.countries[code], row, most));
    });
    svg.appendChild(plain);
    svg.appendChild(shaded);
    box.querySelector("[data-map]").replaceChildren(svg);
    caption(box, rows);
    var unknown = rows.filter(function (r) { return !r.country_code; })[0];
    var missing = rows.filter(function (r) { return r.country_code && !shapes.countries[r.country_code]; });
    var notes = [];
    if (unknown) notes.push("Unknown location: " + count(unknown.visitors, "visitor"));
    var names = missing.map(function (r) { return countryName(r.country_code); });
    var more = names.length > 5 ? " and " + (names.length - 5) + " more (in the table)" : "";
    if (names.length) notes.push("Too small for the map: " + names.slice(0, 5).join(", ") + more);
    box.querySelector("[data-map-note]").textContent = notes.join(" · ");
    svg.addEventListener("mouseover", function (event) { point(box, event.target, rows); });
    svg.addEventListener("focusin", function (event) { point(box, event.target, rows); });
    svg.addEventListener("mouseleave", function () { caption(box, rows); });
    svg.addEventListener("focusout", function () { caption(box, rows); });
  }

  /* The caption follows the pointer or the focus (the path itself, or the link around it); the sea resets it. */
  function point(box, target, rows) {
    var shape = target.closest("[data-code]") || (target.matches(".wm-link") ? target.querySelector("[data-code]") : null);
    if (!shape) return caption(box, rows);
    box.querySelector("[data-caption]").textContent = shape.querySelector("title").textContent;
  }

  function caption(box, rows) {
    var known = rows.filter(function (r) { return r.country_code; }).length;
    var touch = window.matchMedia && window.matchMedia("(hover: none)").matches;  // a tap follows the link at once
    box.querySelector("[data-caption]").textContent = !known ? "No visitors with a known country in this period."
      : touch ? "Tap a country to filter the view by it; the table has the numbers."
      : "Hover or focus a country for its numbers, click it to filter.";
  }

  function setState(box, kind, message) {
    var state = box.querySelector("[data-state]");
    box.dataset.status = kind;
    box.setAttribute("aria-busy", kind === "loading" ? "true" : "false");
    state.dataset.state = kind;
    state.textContent = message || "";
    state.hidden = kind === "ready";
  }

  var shapesPromise = null;

  function loadShapes(url) {
    shapesPromise = shapesPromise || fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error("the map file answered " + response.status + ".");
      return response.json();
    });
    shapesPromise.catch(function () { shapesPromise = null; });
    return shapesPromise;
  }

  function load(box) {
    var params = new URLSearchParams(view.dataset.query || "");
    params.set("limit", "100");
    setState(box, "loading", "Loading…");
    Promise.all([loadShapes(box.dataset.mapUrl), dash.fetchJson(view.dataset.base + box.dataset.report + "?" + params)])
      .then(function (both) {
        drawMap(box, both[0], both[1] || []);
        setState(box, "ready");
      })
      .catch(function (error) {
        setState(box, "error", "Could not draw the map: " + error.message);
        var retry = document.createElement("button");
        retry.type = "button";
        retry.className = "button subtle";
        retry.textContent = "Retry";
        retry.addEventListener("click", function () { load(box); });
        box.querySelector("[data-state]").appendChild(retry);
      });
  }

  /* Tabs (WAI-ARIA tabs pattern): one tab in the Tab order, arrow keys, Home and End move between them. */
  function tabs(list) {
    var all = Array.prototype.slice.call(list.querySelectorAll("[role=tab]"));
    function select(tab, focus) {
      all.forEach(function (t) {
        var on = t === tab;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
        document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
      });
      if (focus) tab.focus();
    }
    all.forEach(function (tab, i) {
      tab.addEventListener("click", function () { select(tab, false); });
      tab.addEventListener("keydown", function (event) {
        var to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: all.length - 1 }[event.key];
        if (to === undefined) return;
        event.preventDefault();
        select(all[(to + all.length) % all.length], true);
      });
    });
  }

  if (!view || !dash) return;
  document.querySelectorAll(".chip[data-filter=country] .chip-value").forEach(function (chip) {
    if (chip.textContent !== "(none)") chip.textContent = countryName(chip.textContent) + " (" + chip.textContent + ")";
  });
  document.querySelectorAll("[data-widget=worldmap]").forEach(load);
  document.querySelectorAll(".locations-tabs[role=tablist]").forEach(tabs);

  window.ClearWorldMap = { step: step, ringPath: ringPath };
})();
