// Loaded on pages with widgets, after require.js and before the widget manager (see _config.yml).
(function () {
  // 1. The widget manager finds its icon fonts relative to the module path RequireJS gives it;
  //    point that path at our own copy instead of a folder beside the page.
  var here = document.currentScript.src;
  require.config({
    paths: {
      "@jupyter-widgets/html-manager/dist": new URL("html-manager", here).href,
    },
  });
  // 2. The widget manager typesets labels with MathJax 2's API (MathJax.Hub.Queue), but the site
  //    runs MathJax 3. Once MathJax 3 is in place, route those calls to its typesetPromise.
  document.addEventListener("DOMContentLoaded", function () {
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
  });
})();
