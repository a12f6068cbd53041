// The stored widgets of a page, drawn in the browser with no kernel and no widget manager.
//
// myst-nb adds this script (async, see nb_ipywidgets_js in _config.yml) to pages with widgets only.
// Each widget output is a <script type="application/vnd.jupyter.widget-view+json"> naming a model
// of the page's stored widget state (<script type="application/vnd.jupyter.widget-state+json">,
// moved to the end of <body> by book/_ext/nndl_site.py). The companion's widgets (nndl/widgets.py)
// are made of a few ipywidgets 8 models: VBox/HBox, Stack, HTML (a frame: <img alt>),
// SelectionSlider, ToggleButtons, their Layout and Style models, and jslink (LinkModel). This file
// draws exactly those with native controls (<input type="range"> with a readout, <button
// aria-pressed>) and keeps linked properties in step, as the Jupyter widget manager would. It is
// a few KB; the manager (html-manager's embed-amd.js) is 3.6 MB, 20 s on a 1.5 Mbit/s link.
//
// A page whose state holds any other model, or a feature of these models not drawn here, gets the
// full widget manager instead (RequireJS + embed-amd.js, vendored beside this file): a new kind of
// widget costs the download but never silently breaks. <html data-nndl-widgets="static" or
// "manager"> says which of the two drew the page.
(function () {
  "use strict";

  var STATE_TYPE = "application/vnd.jupyter.widget-state+json";
  var VIEW_TYPE = "application/vnd.jupyter.widget-view+json";
  var REFERENCE = "IPY_MODEL_";
  var here = document.currentScript.src;

  // ------------------------------------------------------------------------------- models
  // A model is its stored state plus listeners per property (what a view or a link watches).
  // A state saved without its default values (ipywidgets' drop_defaults) gets them back here.
  function Model(id, stored) {
    this.id = id;
    this.name = stored.model_name;
    this.state = Object.assign({}, (VIEWS[stored.model_name] || {}).defaults, stored.state);
    this.listeners = {};
  }
  Model.prototype.get = function (key) {
    return this.state[key];
  };
  Model.prototype.set = function (key, value) {
    if (this.state[key] === value) return;
    this.state[key] = value;
    (this.listeners[key] || []).forEach(function (listener) { listener(value); });
  };
  Model.prototype.on = function (key, listener) {
    (this.listeners[key] = this.listeners[key] || []).push(listener);
  };

  function referenced(models, value) {
    var model = typeof value === "string" && value.indexOf(REFERENCE) === 0
      ? models[value.slice(REFERENCE.length)] : null;
    if (!model) throw new Unsupported("a reference to a model not in the page: " + value);
    return model;
  }

  function Unsupported(reason) {
    this.reason = reason;
  }

  // ------------------------------------------------------------------------------- drawing
  var serial = 0;

  function element(tag, className) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    return el;
  }

  // Layout model -> inline CSS: every Layout trait is a CSS property (flex_flow -> flex-flow).
  function applyLayout(el, layout) {
    Object.keys(layout.state).forEach(function (key) {
      var value = layout.state[key];
      if (key.charAt(0) !== "_" && value !== null && value !== "") {
        el.style.setProperty(key.replace(/_/g, "-"), String(value));
      }
    });
  }

  // What every view shares: its classes, Layout, tooltip and, if it has one, a description label.
  function frame(models, model, el) {
    el.classList.add("jupyter-widgets");
    model.get("_dom_classes").forEach(function (name) { el.classList.add(name); });
    if (model.get("layout")) applyLayout(el, referenced(models, model.get("layout")));
    if (model.get("tooltip")) el.title = model.get("tooltip");
    return el;
  }

  function description(models, model, tag) {
    var label = element(tag, "widget-label");
    label.id = "nndl-widget-" + ++serial;
    label.textContent = model.get("description");
    var style = styleOf(models, model);
    if (style.description_width) label.style.width = style.description_width;
    label.hidden = !model.get("description");
    return label;
  }

  function styleOf(models, model) {
    return model.get("style") ? referenced(models, model.get("style")).state : {};
  }

  function children(models, model) {
    return model.get("children").map(function (child) {
      return draw(models, referenced(models, child));
    });
  }

  function box(kind) {
    return function (models, model) {
      var el = element("div", "widget-container widget-box " + kind);
      children(models, model).forEach(function (child) { el.appendChild(child); });
      return el;
    };
  }

  // The widget manager typesets a description with $…$ in it, and reads it as HTML if allowed.
  function noHtmlDescription(state) {
    if (state.description_allow_html) return "a description written in HTML";
    return /\$|\\\(/.test(state.description) ? "mathematics in a description" : "";
  }

  // ipywidgets 8's defaults for the traits read here.
  function defaults(own) {
    var described = {
      _dom_classes: [], description: "", description_allow_html: false, disabled: false,
      layout: null, style: null, tooltip: null,
    };
    return Object.assign(described, own);
  }
  var BOX = defaults({ children: [], box_style: "" });
  var SELECTION = { _options_labels: [], index: 0 };

  // How each model type is drawn; `check` says why a stored model cannot be drawn here ("" if
  // it can). Links, layouts and styles (PASSIVE) have no view of their own.
  var VIEWS = {
    VBoxModel: { draw: box("widget-vbox"), check: plainBox, defaults: BOX },
    HBoxModel: { draw: box("widget-hbox"), check: plainBox, defaults: BOX },
    BoxModel: { draw: box(""), check: plainBox, defaults: BOX },
    StackModel: {
      draw: drawStack, check: plainBox, defaults: Object.assign({ selected_index: null }, BOX),
    },
    HTMLModel: { draw: drawHTML, check: noHtmlDescription, defaults: defaults({ value: "" }) },
    SelectionSliderModel: {
      draw: drawSlider,
      check: horizontalSlider,
      defaults: defaults(Object.assign({
        orientation: "horizontal", readout: true, continuous_update: true,
      }, SELECTION)),
    },
    ToggleButtonsModel: {
      draw: drawToggleButtons,
      check: textButtons,
      defaults: defaults(Object.assign({ button_style: "", icons: [], tooltips: [] }, SELECTION)),
    },
  };
  var PASSIVE = [
    "LayoutModel", "DescriptionStyleModel", "HTMLStyleModel", "SliderStyleModel",
    "ToggleButtonsStyleModel", "LinkModel", "DirectionalLinkModel",
  ];

  function plainBox(state) {
    return state.box_style ? "box_style " + state.box_style : "";
  }

  function horizontalSlider(state) {
    if (state.orientation !== "horizontal") return "a " + state.orientation + " slider";
    return noHtmlDescription(state);
  }

  function textButtons(state) {
    if (state.icons.some(Boolean)) return "toggle buttons with icons";
    if (state.button_style) return "button_style " + state.button_style;
    return noHtmlDescription(state);
  }

  function draw(models, model) {
    return frame(models, model, VIEWS[model.name].draw(models, model));
  }

  // Stack: every child drawn once, the one at selected_index shown (none if it is null).
  function drawStack(models, model) {
    var el = element("div", "widget-container widget-box widget-stack");
    var pages = children(models, model);
    pages.forEach(function (page) { el.appendChild(page); });
    function show(index) {
      pages.forEach(function (page, k) { page.hidden = k !== index; });
    }
    show(model.get("selected_index"));
    model.on("selected_index", show);
    return el;
  }

  // HTML: the stored markup as it is (a frame's <img> with its alt text).
  function drawHTML(models, model) {
    var el = element("div", "widget-inline-hbox widget-html");
    var content = element("div", "widget-html-content");
    var style = styleOf(models, model);
    if (style.background) content.style.background = style.background;
    if (style.font_size) content.style.fontSize = style.font_size;
    if (style.text_color) content.style.color = style.text_color;
    el.appendChild(description(models, model, "div"));
    el.appendChild(content);
    function show(value) { content.innerHTML = value; }
    show(model.get("value"));
    model.on("value", show);
    return el;
  }

  // SelectionSlider: <label> (its accessible name), a native range over the option indices, and
  // a readout of the option shown, also given to screen readers as aria-valuetext ("1e-05",
  // not the index "9").
  function drawSlider(models, model) {
    var labels = model.get("_options_labels");
    var el = element("div", "widget-inline-hbox widget-slider widget-hslider");
    var label = description(models, model, "label");
    var input = element("input", "widget-range");
    var readout = element("div", "widget-readout");
    input.type = "range";
    input.id = label.id + "-range";
    label.htmlFor = input.id;
    input.min = "0";
    input.max = String(labels.length - 1);
    input.step = "1";
    input.disabled = Boolean(model.get("disabled"));
    var style = styleOf(models, model);
    if (style.handle_color) input.style.accentColor = style.handle_color;
    readout.setAttribute("aria-hidden", "true"); // heard as the range's aria-valuetext
    readout.hidden = !model.get("readout");
    [label, input, readout].forEach(function (part) { el.appendChild(part); });
    function show(index) {
      input.value = String(index);
      readout.textContent = labels[index];
      input.setAttribute("aria-valuetext", labels[index]);
    }
    show(model.get("index"));
    model.on("index", show);
    input.addEventListener(model.get("continuous_update") ? "input" : "change", function () {
      model.set("index", Number(input.value));
    });
    return el;
  }

  // ToggleButtons: a labelled group of buttons, the chosen one aria-pressed.
  function drawToggleButtons(models, model) {
    var el = element("div", "widget-inline-hbox widget-toggle-buttons");
    var label = description(models, model, "div");
    var group = element("div", "widget-toggle-button-group");
    var style = styleOf(models, model);
    var tooltips = model.get("tooltips");
    el.setAttribute("role", "group");
    if (model.get("description")) el.setAttribute("aria-labelledby", label.id);
    var buttons = model.get("_options_labels").map(function (text, k) {
      var button = element("button", "widget-toggle-button");
      button.type = "button";
      button.textContent = text;
      button.disabled = Boolean(model.get("disabled"));
      if (tooltips[k]) button.title = tooltips[k];
      if (style.button_width) button.style.width = style.button_width;
      if (style.font_weight) button.style.fontWeight = style.font_weight;
      button.addEventListener("click", function () { model.set("index", k); });
      group.appendChild(button);
      return button;
    });
    el.appendChild(label);
    el.appendChild(group);
    function show(index) {
      buttons.forEach(function (button, k) {
        button.setAttribute("aria-pressed", String(k === index));
      });
    }
    show(model.get("index"));
    model.on("index", show);
    return el;
  }

  // jslink (LinkModel): the target takes the source's value, then each follows the other.
  // jsdlink (DirectionalLinkModel): the target follows the source.
  function connect(models, link) {
    var source = link.get("source"), target = link.get("target");
    var from = referenced(models, source[0]), to = referenced(models, target[0]);
    to.set(target[1], from.get(source[1]));
    from.on(source[1], function (value) { to.set(target[1], value); });
    if (link.name === "LinkModel") {
      to.on(target[1], function (value) { from.set(source[1], value); });
    }
  }

  // ------------------------------------------------------------------------------- the page
  // Reads the page's stored state and views; throws Unsupported if this file cannot draw them.
  function readPage() {
    var models = {};
    document.querySelectorAll('script[type="' + STATE_TYPE + '"]').forEach(function (tag) {
      var stored = JSON.parse(tag.textContent);
      if (stored.version_major !== 2) throw new Unsupported("widget state version " + stored.version_major);
      Object.keys(stored.state).forEach(function (id) {
        var entry = stored.state[id];
        var known = VIEWS[entry.model_name] || PASSIVE.indexOf(entry.model_name) >= 0;
        if (!known || !/^@jupyter-widgets\/(base|controls)$/.test(entry.model_module)
            || String(entry.model_module_version).split(".")[0] !== "2") {
          throw new Unsupported(entry.model_module + " " + entry.model_name + " "
            + entry.model_module_version);
        }
        var model = models[id] = new Model(id, entry);
        var reason = VIEWS[model.name] ? VIEWS[model.name].check(model.state) : "";
        if (reason) throw new Unsupported(model.name + " with " + reason);
      });
    });
    var views = [];
    document.querySelectorAll('script[type="' + VIEW_TYPE + '"]').forEach(function (tag) {
      var view = JSON.parse(tag.textContent);
      if (view.version_major !== 2) throw new Unsupported("widget view version " + view.version_major);
      var model = models[view.model_id];
      if (!model || !VIEWS[model.name]) throw new Unsupported("a view of " + view.model_id);
      views.push({ tag: tag, model: model });
    });
    return { models: models, views: views };
  }

  // Each view is drawn into a <div class="widget-subarea nndl-widget"> just before its <script>
  // (where the widget manager puts its views too).
  function drawPage(page) {
    var drawn = [];
    try {
      Object.keys(page.models).forEach(function (id) {
        var model = page.models[id];
        if (model.name === "LinkModel" || model.name === "DirectionalLinkModel") {
          connect(page.models, model);
        }
      });
      page.views.forEach(function (view) {
        var area = element("div", "widget-subarea nndl-widget");
        area.appendChild(draw(page.models, view.model));
        drawn.push(view.tag.parentNode.insertBefore(area, view.tag));
      });
    } catch (error) {
      drawn.forEach(function (area) { area.remove(); });
      throw error;
    }
  }

  function start() {
    try {
      drawPage(readPage());
      document.documentElement.dataset.nndlWidgets = "static";
    } catch (error) {
      if (error instanceof Unsupported) {
        console.info("nndl-widgets.js: loading the full widget manager for " + error.reason);
      } else {
        console.error(error);
      }
      document.documentElement.dataset.nndlWidgets = "manager";
      startManager();
    }
  }

  // Draw as soon as the whole page is parsed (the state is at its end), before the deferred
  // scripts (MathJax) have run: readyState turns "interactive" first.
  if (document.readyState === "loading") {
    document.addEventListener("readystatechange", function parsed() {
      document.removeEventListener("readystatechange", parsed);
      start();
    });
  } else {
    start();
  }

  // ------------------------------------------------------------ the full widget manager
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

  // After DOMContentLoaded, i.e. after the deferred MathJax has run (the shim needs it).
  function startManager() {
    var go = function () {
      load("requirejs/require.js")
        .then(function () {
          // Each bundled widget module finds its icon fonts relative to the module path
          // RequireJS gives it: point every such path at our own copy of the fonts.
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
      describeManagerSliders();
    };
    var navigation = performance.getEntriesByType("navigation")[0];
    if (document.readyState === "complete" || (navigation && navigation.domContentLoadedEventStart)) {
      go();
    } else {
      document.addEventListener("DOMContentLoaded", go);
    }
  }

  // Screen readers: html-manager leaves the slider handle without a name and sets its
  // aria-valuetext to the index ("9") rather than the value shown ("1e-05"). Name each handle
  // after the slider's label and keep aria-valuetext equal to the readout, also after every move
  // (noUiSlider rewrites the attribute).
  function describeManagerSliders() {
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
  }
})();
