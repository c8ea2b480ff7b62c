/* ClearAnalytics dashboard: the Custom properties panel (templates/widgets/properties.html).
 *
 * It lists the property names sent in the view's period and filters (data/property-names) in a picker,
 * then the chosen property's values (data/properties?property=NAME), painted by dashboard.js's own table
 * painter: each value is a link adding filter[props.NAME]=value to the view, so the server and the stats
 * engine filter every panel. With such a filter active, that property is the one shown. Text is only ever
 * written with textContent (option labels too), so a property named "<b>" shows as text.
 */
(function () {
  "use strict";

  var box = document.querySelector("[data-widget=properties]");
  var view = document.querySelector("[data-view=analytics]");
  if (!box || !view || !window.ClearDashboard) return;
  var dash = window.ClearDashboard;
  var picker = box.querySelector("[data-props-picker]");
  var valueHead = box.querySelector("th[data-key=value]");
  var PREFIX = "filter[props.";

  function url(report, extra) {
    var params = new URLSearchParams(view.dataset.query || "");
    Object.keys(extra).forEach(function (key) { params.set(key, extra[key]); });
    return view.dataset.base + report + "?" + params.toString();
  }

  /* The property of the view's first filter[props.NAME], if any: after a click, the panel stays on it. */
  function filteredName() {
    var found = null;
    new URLSearchParams(view.dataset.query || "").forEach(function (_value, key) {
      if (found === null && key.indexOf(PREFIX) === 0 && key.slice(-1) === "]") found = key.slice(PREFIX.length, -1);
    });
    return found;
  }

  function showValues(name) {
    valueHead.textContent = name;
    valueHead.dataset.filter = "props." + name;
    box.dataset.property = name;
    dash.setState(box, "loading", "Loading…");
    dash.fetchJson(url("properties", { property: name }))
      .then(function (rows) { if (picker.value === name) dash.paintTable(box, rows); })
      .catch(function (error) {
        dash.setState(box, "error", "Could not load this panel: " + error.message, function () { showValues(name); });
      });
  }

  function loadNames() {
    dash.setState(box, "loading", "Loading…");
    dash.fetchJson(url("property-names", { limit: "100" }))
      .then(function (rows) {
        picker.replaceChildren();
        rows.forEach(function (row) {
          var option = document.createElement("option");
          option.value = row.property;
          option.textContent = row.property;
          picker.appendChild(option);
        });
        picker.closest("label").hidden = !rows.length;
        if (!rows.length) return dash.paintTable(box, []);
        var wanted = filteredName();
        if (wanted !== null && rows.some(function (row) { return row.property === wanted; })) picker.value = wanted;
        showValues(picker.value);
      })
      .catch(function (error) {
        dash.setState(box, "error", "Could not load this panel: " + error.message, loadNames);
      });
  }

  picker.addEventListener("change", function () { showValues(picker.value); });
  loadNames();
})();
