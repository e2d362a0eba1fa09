// "Choose every record on this page": a box above a list that checks or clears every row's box
// of the same form. Without JavaScript the box stays hidden and each row is chosen
// by hand. Listens on the document, so tables swapped in by htmx work too.
(function () {
  "use strict";

  function rowBoxes(chooser) {
    return chooser.form ? Array.from(chooser.form.querySelectorAll('input[name="number"]')) : [];
  }

  function reveal(root) {
    root.querySelectorAll("input.choose-all").forEach(function (chooser) {
      var label = chooser.closest("label");
      if (label) { label.hidden = false; }
      sync(chooser);
    });
  }

  function sync(chooser) {
    var boxes = rowBoxes(chooser);
    var chosen = boxes.filter(function (box) { return box.checked; }).length;
    chooser.checked = boxes.length > 0 && chosen === boxes.length;
    chooser.indeterminate = chosen > 0 && chosen < boxes.length;
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("input.choose-all")) {
      rowBoxes(target).forEach(function (box) { box.checked = target.checked; });
    } else if (target.matches('input[name="number"]') && target.form) {
      var chooser = target.form.querySelector("input.choose-all");
      if (chooser) { sync(chooser); }
    }
  });
  document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  document.addEventListener("htmx:afterSwap", function (event) { reveal(event.target); });
})();
