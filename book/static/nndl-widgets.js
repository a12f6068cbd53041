// On pages with widgets only (myst-nb adds it there, see nb_ipywidgets_js in _config.yml), deferred.
// Starts the Jupyter widget manager (RequireJS + html-manager's embed-amd.js, 3.7 MB) without
// blocking the page, so that on a slow link the text and the math come first and the sliders follow.
// The stored widget state sits at the end of <body>; embed-amd renders it when it arrives.
(function () {
  var here = document.currentScript.src;

  function load(path, attributes) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = new URL(path, here).href;
      Object.keys(attributes || {}).forEach(function (name) {
        script.setAttribute(name, attributes[name]);
      });
      script.onload = resolve;
      script.onerror = function () { reject(new Error("could not load " + script.src)); };
      document.head.appendChild(script);
    });
  }

  // The widget manager typesets labels with MathJax 2's API (MathJax.Hub.Queue), but the site
  // runs MathJax 3 (and only on pages with math): route those calls to MathJax 3's typesetPromise.
  function shimMathJax() {
    var mj = window.MathJax;
    if (mj && !mj.Hub) {
      mj.Hub = {
        Queue: function (job) {
          var element = job && job[2];
          if (element && window.MathJax.typesetPromise) {
            window.MathJax.typesetPromise([element]).catch(function () {});
          }
        },
      };
    }
  }

  function start() {
    load("requirejs/require.js")
      .then(function () {
        // Each bundled widget module finds its icon fonts relative to the module path RequireJS
        // gives it ("@jupyter-widgets/controls" would be a folder beside the page): point every
        // such path at our own copy of the fonts.
        var fonts = new URL("html-manager", here).href;
        window.require.config({
          paths: { "@jupyter-widgets": fonts, "@jupyter-widgets/html-manager/dist": fonts },
        });
        shimMathJax();
        // embed-amd reads these attributes from its own <script>: every module it needs is
        // bundled, and nothing may be fetched from a CDN.
        return load("html-manager/embed-amd.js", {
          "data-jupyter-widgets-cdn": "html-manager/",
          "data-jupyter-widgets-cdn-only": "",
        });
      })
      .catch(function (error) { console.error(error); });
  }

  // A deferred script runs once the page is parsed, after the deferred scripts before it (MathJax):
  // the text is on screen and MathJax is in, so the widget manager comes next on the wire.
  start();

  // Screen readers: html-manager leaves the slider handle without a name and sets its
  // aria-valuetext to the index ("9") rather than the value shown ("1e-05"). Name each handle
  // after the slider's label and keep aria-valuetext equal to the readout, also after every move
  // (noUiSlider rewrites the attribute).
  function describe(slider) {
    var handle = slider.querySelector(".noUi-handle");
    var label = slider.querySelector(".widget-label");
    var readout = slider.querySelector(".widget-readout");
    var name = label ? label.textContent.trim() : "";
    var value = readout ? readout.textContent.trim() : "";
    if (name && handle.getAttribute("aria-label") !== name) handle.setAttribute("aria-label", name);
    if (value && handle.getAttribute("aria-valuetext") !== value) {
      handle.setAttribute("aria-valuetext", value);
    }
  }

  function adopt() {
    document.querySelectorAll(".widget-slider").forEach(function (slider) {
      var handle = slider.querySelector(".noUi-handle");
      if (!handle || slider.dataset.nndlAria) return;
      slider.dataset.nndlAria = "1";
      var again = function () { describe(slider); };
      again();
      var readout = slider.querySelector(".widget-readout");
      if (readout) {
        new MutationObserver(again).observe(readout,
          { childList: true, characterData: true, subtree: true });
      }
      new MutationObserver(again).observe(handle,
        { attributes: true, attributeFilter: ["aria-valuetext"] });
    });
  }

  adopt();
  new MutationObserver(adopt).observe(document.body, { childList: true, subtree: true });
})();
