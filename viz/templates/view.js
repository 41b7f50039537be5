// stakenet network view: builds the vis-network from the JSON data block, and wires the legend,
// search, filters, colour/size switches and the physics toggle. Every string from the data is
// written with textContent or as a property value, never parsed as HTML.
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("stakenet-data").textContent);
  var view = (window.stakenet = { ready: false, readyAt: null, network: null, nodes: null, edges: null });
  var recs = DATA.nodes;
  var DIM = "rgba(200,200,200,0.35)";

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function byId(id) { return document.getElementById(id); }
  function markReady() {
    if (view.ready) return;
    view.ready = true;
    view.readyAt = performance.now();
    document.body.setAttribute("data-ready", "1");
  }

  if (!recs.length) { markReady(); return; }

  var typeColour = {};
  DATA.types.forEach(function (t) { typeColour[t.type] = t.colour; });
  var roleColour = {};
  (DATA.roles || []).forEach(function (r) { roleColour[r.role] = r.colour; });
  var tenderColour = {};
  (DATA.tenders || []).forEach(function (t) { tenderColour[t.tenders] = t.colour; });
  var communityColour = {};
  DATA.communities.forEach(function (c) { communityColour[c.id] = c.colour; });
  var maxPagerank = 0, maxMoney = 0;
  recs.forEach(function (n) {
    n.lname = n.name.toLowerCase();
    if (n.pagerank !== null && n.pagerank > maxPagerank) maxPagerank = n.pagerank;
    if (n.money !== null && n.money > maxMoney) maxMoney = n.money;
  });
  var state = { colour: DATA.colourBy, size: DATA.sizeBy, selected: null, hidden: {} };

  function colourOf(n) {
    if (state.colour === "community") return (n.community !== null && communityColour[n.community]) || DATA.otherColour;
    if (state.colour === "role") return (n.role && roleColour[n.role]) || DATA.otherColour;
    if (state.colour === "tenders") return (n.tenders && tenderColour[n.tenders]) || DATA.otherColour;
    return typeColour[n.ntype] || DATA.otherColour;
  }
  function sizeOf(n) {
    var v = state.size === "pagerank" ? n.pagerank : n.money;
    var max = state.size === "pagerank" ? maxPagerank : maxMoney;
    if (v === null || !(max > 0) || v <= 0) return 7;
    return 7 + 28 * Math.sqrt(v / max);
  }
  function tooltip(n) {
    var box = el("div", null, "tip");
    box.appendChild(el("div", n.name, "tip-name"));
    var table = el("table");
    n.info.forEach(function (row) {
      var tr = el("tr");
      tr.appendChild(el("th", row[0]));
      tr.appendChild(el("td", row[1]));
      table.appendChild(tr);
    });
    ["funds", "cpv", "years"].forEach(function (k, i) {
      if (n[k].length) {
        var tr = el("tr");
        var named = (DATA.filterNames || {})[k] || {};
        tr.appendChild(el("th", ["Funds", "CPV divisions", "Years"][i]));
        tr.appendChild(el("td", n[k].map(function (c) { return named[c] ? c + " " + named[c] : c; }).join(", ")));
        table.appendChild(tr);
      }
    });
    box.appendChild(table);
    return box;
  }
  function styled(n, neighbours) {
    var dim = state.selected !== null && n.id !== state.selected && !neighbours[n.id];
    var c = colourOf(n);
    return {
      id: n.id,
      color: dim
        ? { background: DIM, border: DIM, highlight: { background: DIM, border: DIM }, hover: { background: DIM, border: "#343a40" } }
        : { background: c, border: "#343a40", highlight: { background: c, border: "#000000" }, hover: { background: c, border: "#000000" } },
      borderWidth: n.id === state.selected ? 4 : 1,
      size: sizeOf(n),
      font: { color: dim ? "rgba(33,37,41,0.25)" : "#212529" },
    };
  }
  function neighbourSet() {
    var set = {};
    if (state.selected !== null) view.network.getConnectedNodes(state.selected).forEach(function (id) { set[id] = true; });
    return set;
  }
  function restyle() {
    var nb = neighbourSet();
    view.nodes.update(recs.map(function (n) { return styled(n, nb); }));
    legend();
  }

  function legend() {
    var box = byId("legend");
    box.textContent = "";
    function row(colour, text) {
      var r = el("div", null, "legend-row");
      var s = el("span", null, "swatch");
      s.style.background = colour;
      r.appendChild(s);
      r.appendChild(el("span", text));
      box.appendChild(r);
    }
    if (state.colour === "type") {
      box.appendChild(el("h2", "Node type"));
      DATA.types.forEach(function (t) { row(t.colour, t.type + " (" + t.count + ")"); });
    } else if (state.colour === "tenders") {
      box.appendChild(el("h2", "Tenders received (fewest in a lot)"));
      DATA.tenders.forEach(function (t) { row(t.colour, t.tenders + " (" + t.count + ")"); });
      var unknown = recs.length - DATA.tenders.reduce(function (s, t) { return s + t.count; }, 0);
      if (unknown) row(DATA.otherColour, "Organisations, procurements without a count (" + unknown + ")");
    } else if (state.colour === "role") {
      box.appendChild(el("h2", "Role"));
      DATA.roles.forEach(function (r) { row(r.colour, r.role + " (" + r.count + ")"); });
      var other = recs.length - DATA.roles.reduce(function (s, r) { return s + r.count; }, 0);
      if (other) row(DATA.otherColour, "Projects, procurements, other (" + other + ")");
    } else {
      box.appendChild(el("h2", "Community"));
      var shown = 0, rest = 0;
      DATA.communities.forEach(function (c) {
        if (c.colour !== DATA.otherColour) { row(c.colour, "Community " + c.id + " (" + c.count + ")"); shown++; }
        else rest += c.count;
      });
      var none = recs.length - DATA.communities.reduce(function (s, c) { return s + c.count; }, 0);
      if (rest) row(DATA.otherColour, "Other communities (" + rest + ")");
      if (none) row(DATA.otherColour, "No community (" + none + ")");
    }
    box.appendChild(el("h2", "Size"));
    box.appendChild(el("div", state.size === "pagerank" ? "Node size: PageRank" : "Node size: money" + (DATA.currency ? " (" + DATA.currency + ")" : "")));
    box.appendChild(el("h2", "Links"));
    box.appendChild(el("div", "Link width: weight (shared projects, awards)."));
    box.appendChild(el("h2", "Use"));
    box.appendChild(el("div", "Hover a node for details; click or search to highlight its neighbours."));
  }

  function status(text) { byId("status").textContent = text; }
  function select(id, focus) {
    state.selected = id;
    view.network.selectNodes([id]);
    restyle();
    if (focus) view.network.focus(id, { scale: 1.1, animation: false });
    var count = view.network.getConnectedNodes(id).length;
    status("Selected: " + recs[id].name + " (" + count + " neighbour" + (count === 1 ? "" : "s") + ")");
  }
  function clearSelection() {
    state.selected = null;
    view.network.unselectAll();
    restyle();
    status("");
  }
  // Exact name first, then a name that starts with the query, then one that contains it.
  function search(query) {
    var q = String(query || "").trim().toLowerCase();
    if (!q) { clearSelection(); return null; }
    var best = null, rank = 9;
    for (var i = 0; i < recs.length && rank > 0; i++) {
      var nm = recs[i].lname;
      var r = nm === q ? 0 : nm.indexOf(q) === 0 ? 1 : nm.indexOf(q) >= 0 ? 2 : 9;
      if (r < rank) { rank = r; best = recs[i]; }
    }
    if (!best) { status("No node called \u201c" + String(query).trim() + "\u201d in this view."); return null; }
    select(best.id, true);
    return best.id;
  }

  function applyFilters() {
    var types = {};
    Array.prototype.forEach.call(document.querySelectorAll(".type-box"), function (b) { types[b.value] = b.checked; });
    var fund = byId("fund-filter").value, cpv = byId("cpv-filter").value, year = byId("year-filter").value;
    var shown = 0;
    var updates = recs.map(function (n) {
      var ok = types[n.ntype] !== false &&
        (!fund || n.funds.indexOf(fund) >= 0) &&
        (!cpv || n.cpv.indexOf(cpv) >= 0) &&
        (!year || n.years.indexOf(year) >= 0);
      if (ok) shown++;
      return { id: n.id, hidden: !ok };
    });
    view.nodes.update(updates);
    byId("shown").textContent = shown === recs.length ? "" : "(" + shown + " shown by the filters)";
    return shown;
  }

  // Build the network without data first so that every event handler is in place before
  // vis-network starts stabilising or drawing (setData below).
  var container = byId("mynetwork");
  view.nodes = new vis.DataSet([]);
  view.edges = new vis.DataSet([]);
  var network = (view.network = new vis.Network(container, {}, DATA.options));
  var settled = !DATA.physics;
  network.on("afterDrawing", function () { if (settled) markReady(); });
  network.once("stabilizationIterationsDone", function () {
    // The layout has settled: stop the simulation so the picture stays still (tick Physics to resume).
    network.setOptions({ physics: { enabled: false } });
    byId("physics").checked = false;
    settled = true;
    network.redraw();
  });
  network.on("click", function (p) { if (p.nodes.length) select(p.nodes[0], false); else clearSelection(); });

  var nb0 = {};
  view.nodes.add(recs.map(function (n) {
    var s = styled(n, nb0);
    return { id: n.id, label: n.label, x: n.x, y: n.y, title: tooltip(n), color: s.color, size: s.size, font: s.font };
  }));
  view.edges.add(DATA.edges.map(function (e, i) {
    return { id: i, from: e.from, to: e.to, width: e.width, title: e.etype ? e.etype + " (weight " + e.weight + ")" : "weight " + e.weight };
  }));
  network.setData({ nodes: view.nodes, edges: view.edges });
  if (!DATA.physics) network.fit({ animation: false });

  var names = byId("names");
  var seen = {};
  recs.slice().sort(function (a, b) { return a.lname < b.lname ? -1 : a.lname > b.lname ? 1 : 0; }).forEach(function (n) {
    if (seen[n.name]) return;
    seen[n.name] = true;
    var o = document.createElement("option");
    o.value = n.name;
    names.appendChild(o);
  });
  byId("search-button").addEventListener("click", function () { search(byId("search").value); });
  byId("search").addEventListener("keydown", function (ev) { if (ev.key === "Enter") search(byId("search").value); });
  byId("clear-button").addEventListener("click", function () { byId("search").value = ""; clearSelection(); });
  byId("colour-by").addEventListener("change", function (ev) { state.colour = ev.target.value; restyle(); });
  byId("size-by").addEventListener("change", function (ev) { state.size = ev.target.value; restyle(); });
  byId("physics").addEventListener("change", function (ev) { network.setOptions({ physics: { enabled: ev.target.checked } }); });
  Array.prototype.forEach.call(document.querySelectorAll("#type-filter input, #fund-filter, #cpv-filter, #year-filter"), function (c) {
    c.addEventListener("change", applyFilters);
  });
  legend();
  if (DATA.focus !== null && DATA.focus !== undefined) select(DATA.focus, false);

  view.search = search;
  view.select = select;
  view.clearSelection = clearSelection;
  view.applyFilters = applyFilters;
  view.setColour = function (mode) { state.colour = mode; byId("colour-by").value = mode; restyle(); };
  view.setSize = function (mode) { state.size = mode; byId("size-by").value = mode; restyle(); };
  view.selected = function () { return state.selected; };
  view.names = function (ids) { return ids.map(function (id) { return recs[id].name; }); };
})();
