/* Course behaviour on every page (Jupyter Book adds every _static/*.js).
 *
 * 1. Solution titles open their solution. sphinx-togglebutton binds its
 *    handler to the admonition title and expects the click to land on the
 *    title or its chevron; sphinx-exercise puts a link back to the exercise
 *    (and sometimes math) inside the solution's title, so a click on the
 *    title text followed that link, left the solution closed and threw
 *    "ReferenceError: button is not defined" in togglebutton.js. We take
 *    every click inside a toggle title (capture phase, so the theme's
 *    handler never sees it) and toggle with togglebutton's own function.
 * 2. Figures open full size: a click (or Enter) on an image of the article
 *    shows it in a dialog as large as the screen allows (up to its natural
 *    size); a click or Escape closes it.
 * 3. Search result summaries show text: the summary is cut from the page's
 *    HTML, where math is still TeX (MathJax has not run there); display
 *    math is left out and inline math is turned into plain symbols.
 */
(function () {
  "use strict";

  // ---------------------------------------------------------- 1. toggles
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!(t instanceof Element)) { return; }
    var title = t.closest(".admonition.toggle > .admonition-title");
    if (!title) { return; }
    var button = title.querySelector(".toggle-button");
    if (!button || typeof window.toggleHidden !== "function") { return; }
    ev.preventDefault();
    ev.stopPropagation();
    window.toggleHidden(button);
  }, true);

  // ---------------------------------------------------------- 2. lightbox
  var dialog = null;

  function closeBox() { if (dialog && dialog.open) { dialog.close(); } }

  function openBox(img) {
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "course-lightbox";
      dialog.setAttribute("aria-label", "Figure at full size");
      dialog.addEventListener("click", closeBox);
      document.body.appendChild(dialog);
    }
    dialog.textContent = "";
    var big = document.createElement("img");
    var link = img.closest("a.image-reference");
    big.src = link ? link.href : (img.currentSrc || img.src);
    big.alt = img.alt || "";
    dialog.appendChild(big);
    var hint = document.createElement("p");
    hint.textContent = "Click or press Escape to close";
    dialog.appendChild(hint);
    dialog.showModal();
  }

  /* Images, and images that Sphinx wrapped in a link to their file because
   * they are shown scaled (a.image-reference): the lightbox replaces that
   * navigation. Images inside other links stay links. */
  function zoomable(img) {
    var link = img.closest("a");
    return !img.closest(".rnn-explorer, .course-lightbox") &&
      (!link || link.classList.contains("image-reference"));
  }

  function setUpImages() {
    var imgs = document.querySelectorAll("article.bd-article img");
    for (var i = 0; i < imgs.length; i++) {
      var img = imgs[i];
      if (!zoomable(img)) { continue; }
      img.classList.add("course-zoomable");
      img.tabIndex = 0;
      img.setAttribute("role", "button");
      img.setAttribute("aria-label", "Open the figure at full size" +
                       (img.alt ? ": " + img.alt : ""));
      img.addEventListener("click", function (ev) {
        ev.preventDefault();  // do not follow a.image-reference
        openBox(ev.currentTarget);
      });
      img.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); openBox(ev.currentTarget); }
      });
    }
  }

  // ---------------------------------------------------- 3. search summaries
  var SYMBOLS = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε",
    zeta: "ζ", eta: "η", theta: "θ", lambda: "λ", mu: "μ", nu: "ν", xi: "ξ", pi: "π",
    rho: "ρ", sigma: "σ", tau: "τ", phi: "φ", varphi: "φ", chi: "χ", psi: "ψ",
    omega: "ω", Gamma: "Γ", Delta: "Δ", Theta: "Θ", Lambda: "Λ", Sigma: "Σ",
    Phi: "Φ", Psi: "Ψ", Omega: "Ω", partial: "∂", nabla: "∇", odot: "⊙",
    otimes: "⊗", cdot: "·", times: "×", top: "ᵀ", infty: "∞", sum: "Σ",
    prod: "Π", le: "≤", leq: "≤", ge: "≥", geq: "≥", ne: "≠", neq: "≠",
    approx: "≈", in: "∈", to: "→", rightarrow: "→", leftarrow: "←", mapsto: "↦",
    ldots: "…", cdots: "⋯", dots: "…", pm: "±", sim: "∼", propto: "∝"
  };

  function texToText(tex) {
    var s = tex.replace(/^\s*\\[(\[]|\\[)\]]\s*$/g, "");
    s = s.replace(/\\(?:left|right|big|Big|bigg|Bigg)\b/g, "");
    s = s.replace(/\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, "($1)/($2)");
    s = s.replace(/\\(?:mathbf|mathrm|mathit|mathcal|boldsymbol|bm|text|textrm|operatorname|mathsf|mathbb)\s*\{([^{}]*)\}/g, "$1");
    s = s.replace(/\\([A-Za-z]+)/g, function (m, name) {
      return Object.prototype.hasOwnProperty.call(SYMBOLS, name) ? SYMBOLS[name] : name;
    });
    s = s.replace(/\\[,;:! ]/g, " ").replace(/[{}]/g, "").replace(/\^ᵀ/g, "ᵀ").replace(/\s+/g, " ");
    return s.trim();
  }

  function textOnly(htmlString) {
    var doc = new DOMParser().parseFromString(htmlString, "text/html");
    doc.querySelectorAll("div.math, .rnn-explorer, script, style").forEach(function (e) { e.remove(); });
    doc.querySelectorAll("span.math").forEach(function (e) {
      e.replaceWith(doc.createTextNode(texToText(e.textContent)));
    });
    return doc.documentElement.outerHTML;
  }

  function patchSearch() {
    // searchtools.js declares `const Search`: a global binding, not a window property
    var S = typeof Search !== "undefined" ? Search : window.Search;
    if (!S || typeof S.htmlToText !== "function" || S._courseTextOnly) { return; }
    var original = S.htmlToText;
    S.htmlToText = function (htmlString, anchor) { return original(textOnly(htmlString), anchor); };
    S._courseTextOnly = true;
  }
  window.courseTexToText = texToText;  // for the browser tests

  function ready() {
    setUpImages();
    patchSearch();
  }

  patchSearch();
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") { closeBox(); } });
})();
