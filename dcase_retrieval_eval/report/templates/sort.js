(function () {
  "use strict";
  function key(row, col) {
    var v = row.cells[col].getAttribute("data-sort") || "";
    var n = Number(v);
    return v !== "" && isFinite(n) ? { num: n, text: v } : { num: null, text: v };
  }
  function sortBy(table, col, desc) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a, col), y = key(b, col), c;
      if (x.num !== null && y.num !== null) { c = x.num - y.num; }
      else { c = x.text < y.text ? -1 : x.text > y.text ? 1 : 0; }
      if (c === 0) {
        return Number(a.getAttribute("data-order")) - Number(b.getAttribute("data-order"));
      }
      return desc ? -c : c;
    });
    var heads = table.tHead.rows[0].cells;
    for (var i = 0; i < heads.length; i++) { heads[i].removeAttribute("aria-sort"); }
    heads[col].setAttribute("aria-sort", desc ? "descending" : "ascending");
    rows.forEach(function (r) { body.appendChild(r); });
  }
  var tables = document.querySelectorAll("table.sortable");
  Array.prototype.forEach.call(tables, function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.tabIndex = 0;
      th.addEventListener("click", function () {
        sortBy(table, col, th.getAttribute("aria-sort") === "ascending");
      });
    });
  });
  var m = /^#sort=([0-9]{1,3})(-desc)?$/.exec(window.location.hash);
  var main = document.getElementById("systems");
  if (m && main && Number(m[1]) < main.tHead.rows[0].cells.length) {
    sortBy(main, Number(m[1]), Boolean(m[2]));
  }
  document.documentElement.setAttribute("data-script", "ran");
})();
