/* Charts for /stats, drawn with Chart.js from the tables on the page.
 *
 * Each <figure class="stats-figure" data-chart="TYPE" data-column="N"> charts column N (from 1)
 * of its own table, or of the table in the figure named by data-from: the chart can only show
 * the numbers of its table. Row labels are the rows' <th scope="row">; values are the cells'
 * data-value. The canvas is labelled as an image whose numbers are in the table.
 */
(function () {
  "use strict";

  if (!window.Chart) {
    return;
  }
  var palette = ["#003399", "#ffcc00", "#2e7d32", "#c62828", "#6a1b9a", "#00838f", "#ef6c00",
                 "#4e342e", "#5c6bc0", "#9e9d24", "#37474f"];

  function tableData(table, column) {
    var labels = [];
    var values = [];
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var cell = row.querySelectorAll("td")[column - 1];
      if (!cell || cell.dataset.value === "") {
        return;
      }
      labels.push(row.querySelector("th").textContent.trim());
      values.push(Number(cell.dataset.value));
    });
    var header = table.querySelectorAll("thead th")[column];
    return { labels: labels, values: values, name: header ? header.textContent.trim() : "" };
  }

  document.querySelectorAll("figure.stats-figure[data-chart]").forEach(function (figure) {
    var source = figure.dataset.from ? document.getElementById(figure.dataset.from) : figure;
    var table = source && source.querySelector("table");
    var holder = figure.querySelector(".stats-chart");
    if (!table || !holder) {
      return;
    }
    var type = figure.dataset.chart;
    var found = tableData(table, Number(figure.dataset.column));
    var caption = figure.querySelector("figcaption") || table.querySelector("caption");
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", (caption ? caption.textContent.trim() : found.name));
    holder.appendChild(canvas);
    holder.hidden = false;
    // Long lists of names (the tall charts) read best as horizontal bars; years stay vertical.
    var horizontal = type === "bar" && holder.classList.contains("stats-chart-tall");
    var round = type === "doughnut" || type === "pie";
    new Chart(canvas, {
      type: type,
      data: {
        labels: found.labels,
        datasets: [
          {
            label: found.name,
            data: found.values,
            backgroundColor: round ? palette.slice(0, found.values.length) : palette[0],
          },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: horizontal ? "y" : "x",
        plugins: { legend: { display: round } },
        scales: round ? {} : { [horizontal ? "x" : "y"]: { beginAtZero: true } },
      },
    });
    figure.dataset.drawn = String(found.values.length);
  });
})();
