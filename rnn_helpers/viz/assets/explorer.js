/* rnn_helpers explorer runtime: kernel-free interactive figures.
 *
 * Finds every <div class="rnn-explorer">, reads the JSON spec written by
 * rnn_helpers.viz.explorer.Explorer.static_html(), builds one control per
 * parameter (range slider over value indices, or a <select>) and draws the
 * precomputed frame for the current combination with Plotly.react.
 * Served once from _vendor/ and cached; needs plotly.min.js loaded first.
 */
(function () {
  "use strict";

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

  function setup(root, n) {
    if (root.dataset.ready) { return; }
    var specNode = root.querySelector("script.rnn-explorer-spec");
    var plot = root.querySelector(".rnn-explorer-plot");
    var box = root.querySelector(".rnn-explorer-controls");
    if (!specNode || !plot || !box || typeof Plotly === "undefined") { return; }
    var spec = JSON.parse(specNode.textContent);
    var state = spec.controls.map(function (c) { return c.default; });
    var readouts = [];

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
      wrap.appendChild(el("label", {"for": id}, c.label + " "));
      var input;
      if (c.kind === "slider") {
        input = el("input", {type: "range", id: id, min: "0", max: String(c.labels.length - 1),
                             step: "1", value: String(c.default), "data-name": c.name,
                             "aria-valuetext": c.labels[c.default]});
        var readout = el("output", {"for": id, "class": "rnn-explorer-value"}, c.labels[c.default]);
        readouts.push(readout);
        input.addEventListener("input", function () {
          state[i] = parseInt(input.value, 10);
          readout.textContent = c.labels[state[i]];
          input.setAttribute("aria-valuetext", c.labels[state[i]]);
          draw();
        });
        wrap.appendChild(input);
        wrap.appendChild(readout);
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
    root.dataset.ready = "1";
    draw();
  }

  function init() {
    var roots = document.querySelectorAll("div.rnn-explorer");
    for (var i = 0; i < roots.length; i++) { setup(roots[i], i); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
