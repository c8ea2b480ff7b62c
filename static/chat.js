/* ClearAnalytics AI chat panel: the "AI" button at the bottom-right and its conversation.
 *
 * A question is POSTed as JSON (with the page's CSRF token) to the chat route, which answers
 * with newline-delimited JSON events: tool_call, tool_result, text, chart, suggestions, notice, error,
 * done. Suggestions are whole questions (the readings of a part the chat could not read): each is a
 * button that asks it.
 * The panel paints them as they arrive: the tools used with their arguments, the answer text,
 * and charts, drawn with the dashboard's own ClearChart (chart.js) for lines and HTML bars or
 * tables otherwise. Text goes in with textContent only; sizes are set through the CSSOM, which
 * the strict Content-Security-Policy allows. No inline script, no dependency.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-chat]");
  if (!root) return;
  // A shared link's page has no session: its panel carries the link's own chat token instead.
  var csrf = root.dataset.csrf || (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  var button = root.querySelector(".ai-chat-button");
  var panel = root.querySelector(".ai-chat-panel");
  var log = root.querySelector(".ai-chat-log");
  var form = root.querySelector(".ai-chat-form");
  var input = form.querySelector("input[name=question]");
  var submit = form.querySelector("button[type=submit]");
  var loaded = false;

  function node(tag, className, text, parent) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined && text !== null) el.textContent = text;
    if (parent) parent.appendChild(el);
    return el;
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function formatNumber(value) {
    var n = Number(value);
    return isFinite(n) ? n.toLocaleString() : String(value);
  }

  function drawBars(container, spec) {
    var values = (spec.series[0] || { values: [] }).values.map(function (v) { return Number(v) || 0; });
    var max = Math.max.apply(null, values.concat([0])) || 1;
    var list = node("ol", "ai-bars", null, container);
    spec.labels.forEach(function (label, i) {
      var item = node("li", "ai-bar", null, list);
      node("span", "ai-bar-label", label, item);
      var track = node("span", "ai-bar-track", null, item);
      var fill = node("span", "ai-bar-fill", null, track);
      fill.style.width = ((values[i] / max) * 100).toFixed(1) + "%";
      node("span", "ai-bar-value", formatNumber(values[i]), item);
    });
  }

  function drawTable(container, spec) {
    var table = node("table", "ai-table", null, container);
    var head = node("tr", null, null, node("thead", null, null, table));
    spec.columns.forEach(function (c) { node("th", null, c, head); });
    var body = node("tbody", null, null, table);
    spec.rows.forEach(function (row) {
      var tr = node("tr", null, null, body);
      row.forEach(function (cell) { node("td", null, typeof cell === "number" ? formatNumber(cell) : cell, tr); });
    });
  }

  function drawLine(container, spec) {
    var rows = spec.labels.map(function (label, i) {
      var row = { date: label };
      spec.series.forEach(function (s, si) { row["s" + si] = s.values[i]; });
      return row;
    });
    var series = spec.series.map(function (s, si) { return { key: "s" + si, label: s.name }; });
    var target = node("div", "ai-line", null, container);
    window.ClearChart.line(target, rows, { series: series, title: spec.title, height: 160 });
  }

  function drawChart(box, spec) {
    var figure = node("figure", "ai-chart", null, box);
    figure.dataset.type = spec.type;
    if (spec.title) node("figcaption", null, spec.title, figure);
    if (spec.type === "table") drawTable(figure, spec);
    else if (spec.type === "line" && window.ClearChart && spec.labels.length > 1) drawLine(figure, spec);
    else drawBars(figure, spec);
    scrollDown();
  }

  function describeArguments(args) {
    return Object.keys(args || {}).map(function (key) {
      return key + "=" + (typeof args[key] === "string" ? args[key] : JSON.stringify(args[key]));
    }).join(", ");
  }

  function messageBox(role) {
    var box = node("div", "ai-msg ai-msg-" + role, null, log);
    if (role === "assistant") {
      box.tools = null;
      box.text = node("p", "ai-text", "", box);
    }
    return box;
  }

  function addToolCall(box, name, args) {
    if (!box.tools) {
      var details = node("details", "ai-tools", null, box);
      box.insertBefore(details, box.text);
      box.toolSummary = node("summary", null, "", details);
      box.tools = node("ul", null, null, details);
    }
    node("li", null, name + "(" + describeArguments(args) + ")", box.tools);
    var count = box.tools.children.length;
    box.toolSummary.textContent = count === 1 ? "1 tool used" : count + " tools used";
  }

  function addSuggestions(box, questions) {
    if (!questions || !questions.length) return;
    var row = node("div", "ai-suggestions", null, box);
    row.setAttribute("role", "group");
    row.setAttribute("aria-label", "Did you mean");
    questions.forEach(function (question) {
      var choice = node("button", "ai-suggestion", question, row);
      choice.type = "button";
      choice.addEventListener("click", function () { if (!submit.disabled) ask(question); });
    });
  }

  function paintMessage(message) {
    if (message.role === "user") {
      node("p", "ai-text", message.text, messageBox("user"));
      return;
    }
    var box = messageBox("assistant");
    (message.tool_calls || []).forEach(function (call) { addToolCall(box, call.name, call.arguments); });
    if (message.notice) node("p", "ai-notice", message.notice, box).setAttribute("role", "status");
    box.text.textContent = message.text || "";
    (message.charts || []).forEach(function (spec) { drawChart(box, spec); });
    addSuggestions(box, message.suggestions);
  }

  function handle(box, event) {
    if (event.type === "tool_call") addToolCall(box, event.name, event.arguments);
    else if (event.type === "text") box.text.textContent += event.delta;
    else if (event.type === "chart") drawChart(box, event.spec);
    else if (event.type === "suggestions") addSuggestions(box, event.questions);
    else if (event.type === "notice") {
      // A fallback: the built-in answer replaces whatever part of the LLM's answer had arrived.
      box.insertBefore(node("p", "ai-notice", event.message), box.text);
      box.text.textContent = "";
    }
    else if (event.type === "error") node("p", "ai-error", event.message, box).setAttribute("role", "alert");
    else if (event.type === "done") box.classList.add("ai-done");
    scrollDown();
  }

  function readStream(response, box) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    function pump() {
      return reader.read().then(function (chunk) {
        buffer += decoder.decode(chunk.value || new Uint8Array(), { stream: !chunk.done });
        var lines = buffer.split("\n");
        buffer = chunk.done ? "" : lines.pop();
        lines.forEach(function (line) { if (line.trim()) handle(box, JSON.parse(line)); });
        if (!chunk.done) return pump();
      });
    }
    return pump();
  }

  function ask(question) {
    paintMessage({ role: "user", text: question });
    var box = messageBox("assistant");
    box.classList.add("ai-pending");
    submit.disabled = true;
    scrollDown();
    return fetch(root.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/x-ndjson", "X-CSRF-Token": csrf },
      // The site on screen, if any: questions that name no site are about it.
      body: JSON.stringify(root.dataset.site ? { question: question, site: root.dataset.site } : { question: question })
    }).then(function (response) {
      if (!response.ok) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          throw new Error(body.message || "The chat answered " + response.status + ".");
        });
      }
      return readStream(response, box);
    }).catch(function (error) {
      node("p", "ai-error", error.message || "The chat could not be reached.", box).setAttribute("role", "alert");
    }).then(function () {
      box.classList.remove("ai-pending");
      submit.disabled = false;
      input.focus();
      scrollDown();
    });
  }

  function loadHistory() {
    if (loaded) return;
    loaded = true;
    fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { data: { messages: [] } }; })
      .then(function (body) { (body.data.messages || []).forEach(paintMessage); scrollDown(); })
      .catch(function () {});
  }

  function toggle(open) {
    panel.hidden = !open;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) { loadHistory(); input.focus(); } else { button.focus(); }
  }

  button.addEventListener("click", function () { toggle(panel.hidden); });
  root.querySelector("[data-chat-close]").addEventListener("click", function () { toggle(false); });
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") toggle(false); });
  root.querySelector("[data-chat-reset]").addEventListener("click", function () {
    fetch(root.dataset.resetUrl, { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf } })
      .then(function () { log.textContent = ""; input.focus(); });
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var question = input.value.trim();
    if (!question || submit.disabled) return;
    input.value = "";
    ask(question);
  });
})();
