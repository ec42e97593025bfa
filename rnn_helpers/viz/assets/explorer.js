/* rnn_helpers explorer runtime: kernel-free interactive figures.
 *
 * Finds every <div class="rnn-explorer">, reads the JSON spec written by
 * rnn_helpers.viz.explorer.Explorer.static_html(), builds one control per
 * parameter (range slider over value indices, or a <select>) and draws the
 * precomputed frame for the current combination with Plotly.react.
 *
 * Served once from _vendor/rnn_helpers/ and cached. plotly.min.js (4.8 MB)
 * is NOT a <script> of the page: this runtime loads it from
 * _vendor/plotly/ once the page's text is parsed and MathJax has typeset the
 * math, so a slow connection shows the text and the equations first. The
 * same goes for the frames: the website's build moves each spec into a JSON
 * file (<script class="rnn-explorer-spec" data-src="...">), fetched then;
 * a spec written inline (JupyterLab, tests) is read from the page.
 */
(function () {
  "use strict";

  var SCRIPT = document.currentScript;
  var PLOTLY_URL = SCRIPT && SCRIPT.src ?
    new URL("../plotly/plotly.min.js", SCRIPT.src).href : null;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function withTemplate(layout, template) {
    var out = Object.assign({}, layout || {});
    if (template && !out.template) { out.template = template; }
    out.autosize = true;
    return out;
  }

  /* A control label: text with <sub>/<sup> only (written by explorer.py
   * from an escaped string, so it holds no other markup). */
  function setLabel(node, c) {
    if (c.label_html) { node.innerHTML = c.label_html; } else { node.textContent = c.label; }
  }

  function readSpec(root) {
    var node = root.querySelector("script.rnn-explorer-spec");
    if (!node) { return Promise.reject(new Error("no spec")); }
    var src = node.getAttribute("data-src");
    if (!src) { return Promise.resolve(JSON.parse(node.textContent)); }
    return fetch(src).then(function (r) {
      if (!r.ok) { throw new Error(r.status + " " + src); }
      return r.json();
    });
  }

  function setup(root, n, spec) {
    if (root.dataset.ready) { return; }
    var plot = root.querySelector(".rnn-explorer-plot");
    var box = root.querySelector(".rnn-explorer-controls");
    if (!spec || !plot || !box || typeof Plotly === "undefined") { return; }
    var state = spec.controls.map(function (c) { return c.default; });

    function draw() {
      var frame = spec.frames[state.join("|")];
      if (!frame) { return; }
      Plotly.react(plot, frame.data, withTemplate(frame.layout, spec.template),
                   {responsive: true, displaylogo: false});
      root.dataset.frame = state.join("|");
    }

    spec.controls.forEach(function (c, i) {
      var id = (root.id || ("rnnx" + n)) + "-" + c.name;
      var wrap = el("div", {"class": "rnn-explorer-control"});
      var label = el("label", {"for": id});
      setLabel(label, c);
      wrap.appendChild(label);
      var input;
      if (c.kind === "slider") {
        input = el("input", {type: "range", id: id, min: "0", max: String(c.labels.length - 1),
                             step: "1", value: String(c.default), "data-name": c.name,
                             "aria-valuetext": c.labels[c.default]});
        var readout = el("output", {"for": id, "class": "rnn-explorer-value"}, c.labels[c.default]);
        input.addEventListener("input", function () {
          state[i] = parseInt(input.value, 10);
          readout.textContent = c.labels[state[i]];
          input.setAttribute("aria-valuetext", c.labels[state[i]]);
          draw();
        });
        var slider = el("span", {"class": "rnn-explorer-slider"});
        slider.appendChild(input);
        slider.appendChild(readout);
        wrap.appendChild(slider);
      } else {
        input = el("select", {id: id, "data-name": c.name});
        c.labels.forEach(function (lab, j) {
          var opt = el("option", {value: String(j)}, lab);
          if (j === c.default) { opt.selected = true; }
          input.appendChild(opt);
        });
        input.addEventListener("change", function () {
          state[i] = parseInt(input.value, 10);
          draw();
        });
        wrap.appendChild(input);
      }
      box.appendChild(wrap);
    });
    var waiting = plot.querySelector(".rnn-explorer-loading");
    if (waiting) { waiting.remove(); }
    root.dataset.ready = "1";
    draw();
  }

  function initAll(specs) {
    var roots = document.querySelectorAll("div.rnn-explorer");
    for (var i = 0; i < roots.length; i++) { setup(roots[i], i, specs[i]); }
  }

  function showLoading(message) {
    var plots = document.querySelectorAll("div.rnn-explorer .rnn-explorer-plot");
    for (var i = 0; i < plots.length; i++) {
      var note = plots[i].querySelector(".rnn-explorer-loading");
      if (!note) {
        note = el("p", {"class": "rnn-explorer-loading"});
        plots[i].appendChild(note);
      }
      note.textContent = message;
    }
  }

  function loadPlotly() {
    return new Promise(function (resolve, reject) {
      if (typeof Plotly !== "undefined") { resolve(); return; }
      if (!PLOTLY_URL) { reject(new Error("plotly.min.js not found")); return; }
      var s = document.createElement("script");
      s.src = PLOTLY_URL;
      s.async = true;
      s.onload = function () { resolve(); };
      s.onerror = function () { reject(new Error("plotly.min.js did not load")); };
      document.head.appendChild(s);
    });
  }

  function loadAll() {
    showLoading("Loading the interactive figure\u2026");
    var roots = Array.prototype.slice.call(document.querySelectorAll("div.rnn-explorer"));
    var specs = Promise.all(roots.map(function (root) {
      return readSpec(root).catch(function () { return null; });
    }));
    Promise.all([specs, loadPlotly()]).then(function (got) { initAll(got[0]); },
      function () { showLoading("The interactive figure could not be loaded."); });
  }

  /* After the math: MathJax (when the page has it) resolves
   * MathJax.startup.promise once it has typeset the page. */
  function afterMath(cb) {
    var mj = window.MathJax;
    if (mj && mj.startup && mj.startup.promise) {
      mj.startup.promise.then(cb, cb);
    } else {
      cb();
    }
  }

  function start() {
    if (!document.querySelector("div.rnn-explorer")) { return; }
    afterMath(loadAll);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
