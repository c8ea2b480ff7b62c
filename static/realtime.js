/* ClearAnalytics dashboard: the Realtime panel (templates/widgets/realtime.html).
 *
 * Every 10 s (while the tab is visible) it asks <data-base>realtime?<the view's filters> and repaints:
 * the figures, one SVG bar per minute of the last 30 (drawn here with createElementNS, no library),
 * and the pages and sources lists. Text is only ever written with textContent, so a pathname such as
 * "/<script>" shows as text; the GET carries the CSRF header as every dashboard fetch does. The page
 * is never reloaded: a failed refresh says so and the next one tries again.
 */
(function () {
  "use strict";

  var box = document.querySelector("[data-widget=realtime]");
  var view = document.querySelector("[data-view=analytics]");
  if (!box || !view || !window.ClearDashboard) return;
  var SVG = "http://www.w3.org/2000/svg";
  var WIDTH = 600, HEIGHT = 120, GAP = 2;

  function part(name) { return box.querySelector("[data-rt=" + name + "]"); }

  function filters() {
    var params = new URLSearchParams(view.dataset.query || "");
    var kept = new URLSearchParams();
    params.forEach(function (value, key) { if (key.indexOf("filter[") === 0) kept.append(key, value); });
    return kept.toString();
  }

  function number(n) { return Number(n).toLocaleString(); }

  function drawBars(minutes) {
    var chart = part("chart");
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + WIDTH + " " + HEIGHT);
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("class", "realtime-bars");
    var most = Math.max.apply(null, minutes.map(function (m) { return m.visitors; }).concat([1]));
    var width = WIDTH / minutes.length;
    minutes.forEach(function (m, i) {
      var height = m.visitors ? Math.max(2, (m.visitors / most) * (HEIGHT - 4)) : 0;
      var bar = document.createElementNS(SVG, "rect");
      bar.setAttribute("x", String(i * width + GAP / 2));
      bar.setAttribute("y", String(HEIGHT - height));
      bar.setAttribute("width", String(Math.max(1, width - GAP)));
      bar.setAttribute("height", String(height));
      bar.setAttribute("data-minute", m.minute);
      bar.setAttribute("data-visitors", String(m.visitors));
      var title = document.createElementNS(SVG, "title");
      title.textContent = m.minute.slice(11, 16) + " UTC: " + number(m.visitors) + " visitors, " +
        number(m.pageviews) + " pageviews";
      bar.appendChild(title);
      svg.appendChild(bar);
    });
    chart.replaceChildren(svg);
  }

  function fillList(list, rows, key) {
    list.replaceChildren();
    rows.forEach(function (row) {
      var item = document.createElement("li");
      var label = document.createElement("span");
      label.className = "label";
      label.textContent = row[key];
      var count = document.createElement("span");
      count.className = "num";
      count.textContent = number(row.visitors);
      item.appendChild(label);
      item.appendChild(count);
      list.appendChild(item);
    });
    if (!rows.length) {
      var empty = document.createElement("li");
      empty.className = "muted";
      empty.textContent = "Nobody in the last 30 minutes.";
      list.appendChild(empty);
    }
  }

  function paint(data) {
    part("current").textContent = number(data.current_visitors);
    part("visitors").textContent = number(data.visitors);
    part("pageviews").textContent = number(data.pageviews);
    drawBars(data.minutes);
    fillList(part("pages"), data.pages, "pathname");
    fillList(part("sources"), data.sources, "source");
    var state = part("state");
    state.hidden = true;
    state.dataset.state = "ready";
    box.dataset.updated = String(Number(box.dataset.updated || "0") + 1);
  }

  function refresh() {
    var query = filters();
    window.ClearDashboard.fetchJson(view.dataset.base + "realtime" + (query ? "?" + query : ""))
      .then(paint)
      .catch(function (error) {
        var state = part("state");
        state.hidden = false;
        state.dataset.state = "error";
        state.textContent = "Could not refresh: " + error.message + " Trying again shortly.";
      });
  }

  refresh();
  setInterval(function () { if (!document.hidden) refresh(); }, Number(box.dataset.every) || 10000);
})();
