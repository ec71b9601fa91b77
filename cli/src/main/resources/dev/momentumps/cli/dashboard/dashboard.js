// The momentum-ps run dashboard: draws a run's data (GET api/run, once a second; or window.MPS_DATA, the
// data report.html carries inline) with uPlot. Nothing is fetched from anywhere but this page's own server.
(function () {
  "use strict";
  var C = { blue: "#0072B2", orange: "#D55E00", green: "#009E73", pink: "#CC79A7", yellow: "#E69F00", sky: "#56B4E9" };
  var charts = {};

  function fmt(v, digits) {
    if (v === null || v === undefined || v === "NaN") return "–";
    if (typeof v !== "number") return String(v);
    var a = Math.abs(v);
    if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(2);
    if (Number.isInteger(v) || a >= 1000) return Math.round(v).toLocaleString("en-US");
    return v.toPrecision(digits || 4);
  }
  function duration(s) {
    s = Math.round(s || 0);
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, r = s % 60;
    return (h > 0 ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(r).padStart(2, "0");
  }
  function text(id, v) { var e = document.getElementById(id); if (e) e.textContent = v; }
  function width(el) { return Math.max(300, el.clientWidth - 8); }

  function line(id, xLabel, yLabel, series, opts) {
    var el = document.getElementById(id);
    var s = [{ label: xLabel }];
    series.forEach(function (x) {
      s.push({ label: x.label, stroke: x.color, width: 2, spanGaps: true, points: { show: x.points !== false, size: 4 },
               paths: x.bars ? uPlot.paths.bars({ size: [0.9, 60] }) : undefined, fill: x.bars ? x.color : undefined });
    });
    var o = { width: width(el), height: 260, series: s, scales: { x: { time: false } },
              axes: [{ label: xLabel }, { label: yLabel, size: 60 }], legend: { live: true } };
    if (opts && opts.log) o.scales.y = { distr: 3 };
    var data = [[]];
    series.forEach(function () { data.push([]); });
    var u = new uPlot(o, data, el);
    el.dataset.series = String(series.length);
    return u;
  }

  function init() {
    charts.loss = line("chart-loss", "update", "loss", [
      { label: "training loss (whole set)", color: C.blue }, { label: "test loss", color: C.orange },
      { label: "minibatch loss (recent)", color: C.sky, points: false }]);
    charts.lossTime = line("chart-loss-time", "seconds", "loss", [
      { label: "training loss (whole set)", color: C.blue }, { label: "test loss", color: C.orange }]);
    charts.rate = line("chart-rate", "seconds", "updates / s", [{ label: "updates / s", color: C.green, points: false }]);
    charts.staleness = line("chart-staleness", "seconds", "staleness τ (versions)", [
      { label: "mean", color: C.blue, points: false }, { label: "max", color: C.orange, points: false }]);
    charts.histogram = line("chart-histogram", "staleness τ (versions)", "gradients applied", [
      { label: "gradients", color: C.blue, bars: true, points: false }]);
    charts.momentum = line("chart-momentum", "seconds", "implicit momentum μ", [
      { label: "μ = E[τ] / (1 + E[τ])", color: C.pink, points: false }]);
    charts.accuracy = line("chart-accuracy", "update", "test accuracy", [{ label: "test accuracy", color: C.green }]);
    window.addEventListener("resize", function () {
      Object.keys(charts).forEach(function (k) { var u = charts[k]; u.setSize({ width: width(u.root.parentNode), height: 260 }); });
    });
  }

  function render(d) {
    var ev = d.evaluations, pr = d.progress;
    text("task", d.task || "");
    var state = document.getElementById("state");
    state.textContent = d.diverged ? "diverged" : d.state;
    state.className = "badge" + (d.diverged ? " bad" : d.state === "finished" ? " done" : "");
    var dead = (d.workers || []).filter(function (w) { return !w.alive; });
    var alarm = document.getElementById("alarm");
    var alarms = [];
    if (d.diverged) alarms.push("DIVERGED at update " + fmt(d.diverged_at_update));
    if (dead.length > 0 && d.state !== "finished") alarms.push(dead.length + " worker" + (dead.length > 1 ? "s" : "") + " dead");
    alarm.hidden = alarms.length === 0;
    alarm.textContent = alarms.join(" · ");
    text("version", fmt(d.version));
    text("pushes", fmt((d.gradients_applied || 0) + (d.gradients_dropped || 0)) + " of " + fmt(d.expected_pushes) + " pushes");
    var rates = pr.updates_per_second || [];
    var rate = d.summary ? d.summary.updates_per_second : rates.length ? rates[rates.length - 1] : null;
    text("rate", fmt(rate, 3));
    text("elapsed", duration(d.seconds) + " elapsed");
    var n = ev.version.length;
    text("train-loss", n ? fmt(ev.train_loss[n - 1]) : "–");
    text("test-loss", n && ev.test_loss[n - 1] !== null ? "test " + fmt(ev.test_loss[n - 1])
      + (ev.test_accuracy[n - 1] !== null ? ", accuracy " + fmt(ev.test_accuracy[n - 1], 3) : "") : "");
    document.getElementById("train-loss").parentNode.className = "tile" + (d.diverged ? " bad" : "");
    text("staleness", fmt(d.staleness_mean, 3));
    text("staleness-max", "max " + fmt(d.staleness_max) + (d.staleness_bound > 0 ? ", bound " + d.staleness_bound : ""));
    var ws = d.workers || [];
    text("alive", fmt(d.workers_alive) + " / " + ws.length);
    document.getElementById("alive").parentNode.className = "tile" + (dead.length > 0 && d.state !== "finished" ? " bad" : "");
    text("mode", d.mode ? "mode " + d.mode : "");
    text("dropped", fmt(d.gradients_dropped));
    text("dropped-why", d.drop_reasons || "");

    charts.loss.setData([ev.version, ev.train_loss, ev.test_loss, interpolate(ev.version, pr.version, pr.minibatch_loss)]);
    charts.lossTime.setData([ev.seconds, ev.train_loss, ev.test_loss]);
    charts.rate.setData([pr.seconds, pr.updates_per_second]);
    charts.staleness.setData([pr.seconds, pr.staleness_mean, pr.staleness_max]);
    var h = d.staleness_histogram || [];
    charts.histogram.setData([h.map(function (_, i) { return i; }), h]);
    // asynchrony's implicit momentum: where gradients can be stale (async, ssp), not in synchronous rounds
    var stale = d.mode === "async" || d.mode === "ssp";
    document.getElementById("momentum-figure").hidden = !stale;
    if (stale) {
      var mbox = document.getElementById("chart-momentum");
      if (charts.momentum.width !== width(mbox)) charts.momentum.setSize({ width: width(mbox), height: 260 });
      charts.momentum.setData([pr.seconds, pr.implicit_momentum]);
    }
    var hasAccuracy = ev.test_accuracy.some(function (v) { return v !== null; });
    document.getElementById("accuracy-figure").hidden = !hasAccuracy;
    if (hasAccuracy) {
      var box = document.getElementById("chart-accuracy");
      if (charts.accuracy.width !== width(box)) charts.accuracy.setSize({ width: width(box), height: 260 });
      charts.accuracy.setData([ev.version, ev.test_accuracy]);
    }

    var body = document.querySelector("#workers tbody");
    body.innerHTML = "";
    ws.forEach(function (w) {
      var tr = document.createElement("tr");
      if (!w.alive) tr.className = "dead";
      [w.id, w.rank, w.name, w.alive ? "alive" : "dead", fmt(w.pushes), fmt(w.pushes_per_second, 3),
       fmt(w.mean_staleness, 3), fmt(w.max_staleness), duration(w.seconds_since_push) + " ago"].forEach(function (v, i) {
        var td = document.createElement("td");
        td.textContent = v;
        if (i === 2 || i === 3) td.className = "text";
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    var events = document.getElementById("events");
    events.innerHTML = "";
    (d.events || []).slice().reverse().forEach(function (e) {
      var li = document.createElement("li");
      li.textContent = duration(e.seconds) + "  " + e.text;
      if (/DIVERGED|gone|exited|died/.test(e.text)) li.className = "bad";
      events.appendChild(li);
    });
    var cfg = document.querySelector("#config tbody");
    cfg.innerHTML = "";
    var all = Object.assign({ optimizer: d.optimizer, mode: d.mode }, d.config || {});
    Object.keys(all).forEach(function (k) {
      var tr = document.createElement("tr");
      var a = document.createElement("th"); a.className = "text"; a.textContent = k;
      var b = document.createElement("td"); b.className = "text";
      b.textContent = typeof all[k] === "object" ? JSON.stringify(all[k]) : String(all[k]);
      tr.appendChild(a); tr.appendChild(b); cfg.appendChild(tr);
    });
    text("footer", d.state === "finished" ? "Run finished after " + duration(d.seconds) + "."
      : "Updated " + new Date().toLocaleTimeString() + ".");
  }

  // the minibatch losses the server reports, at each evaluation's update (nearest progress point before it)
  function interpolate(xs, px, py) {
    var out = [], j = 0;
    for (var i = 0; i < xs.length; i++) {
      while (j + 1 < px.length && px[j + 1] <= xs[i]) j++;
      out.push(px.length && px[j] <= xs[i] ? py[j] : null);
    }
    return out;
  }

  function poll() {
    fetch("api/run", { cache: "no-store", credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (d) {
      render(d);
      if (d.state !== "finished") setTimeout(poll, 1000);
    }).catch(function (e) {
      text("footer", "No answer from the run (" + e.message + "); retrying.");
      setTimeout(poll, 2000);
    });
  }

  init();
  if (window.MPS_DATA) render(window.MPS_DATA); else poll();
})();
