/*
 * A device list that stays fast at 500 devices: sortable (click a column head), filtered
 * (one text box, matched against the columns that say so), and virtualised: only the rows
 * in view exist in the document (a pool of <tr> reused as the list scrolls, spacer rows
 * above and below standing in for the others), so 500 rows cost what one screen costs.
 *
 *   const table = new DeviceTable(section, {columns, rowHeight, onRowClick, rowClass});
 *   table.setIds(ids);   // which devices exist (any iterable of ids)
 *   table.draw();        // from the page's one requestAnimationFrame loop
 *
 * A column is {key, title, numeric, width, sort(id) → value, filter(id) → text,
 * render(td, id)}; `render` is called for each row in view on every draw and should only
 * touch the cell when its content changed (setText does that). Rows carry
 * `data-device="<id>"`, cells `data-field="<key>"`, as the pages' tests expect.
 */
"use strict";

window.DeviceTable = (() => {
  const RESORT_MS = 500; // sort keys such as "last seen" change every frame: re-sort at 2 Hz
  const OVERSCAN = 4; // rows drawn beyond each edge, so a fast scroll shows no gap

  /* Sets a node's text only when it differs: rewriting equal text still costs layout. */
  function setText(node, text) {
    const value = text == null ? "" : String(text);
    if (node.textContent !== value) node.textContent = value;
  }

  const compare = (a, b) => {
    if (a === b) return 0;
    if (a === undefined || a === null || a === "") return 1; // unknowns last, either way
    if (b === undefined || b === null || b === "") return -1;
    return a < b ? -1 : 1;
  };

  class DeviceTable {
    constructor(container, options) {
      this.columns = options.columns;
      this.rowHeight = options.rowHeight || 30;
      this.onRowClick = options.onRowClick || null;
      this.rowClass = options.rowClass || (() => "");
      this.ids = [];
      this.shown = []; // ids after filter and sort
      this.sortKey = options.sortKey || "id";
      this.descending = false;
      this.filterText = "";
      this.dirtyOrder = true;
      this.sortedAt = 0;
      this.pool = [];
      this.build(container, options.label || "devices");
    }

    build(container, label) {
      const filter = document.createElement("input");
      Object.assign(filter, { type: "search", placeholder: "filter (id, firmware, status…)" });
      filter.className = "table-filter";
      filter.setAttribute("aria-label", `filter ${label}`);
      filter.addEventListener("input", () => {
        this.filterText = filter.value.trim().toLowerCase();
        this.dirtyOrder = true;
        this.viewport.scrollTop = 0;
      });
      this.count = document.createElement("span");
      this.count.className = "muted table-count";
      const bar = document.createElement("div");
      bar.className = "row table-bar";
      bar.append(filter, this.count);

      this.viewport = document.createElement("div");
      this.viewport.className = "table-viewport";
      const table = document.createElement("table");
      table.className = "virtual";
      const colgroup = document.createElement("colgroup");
      const head = document.createElement("tr");
      this.heads = new Map();
      for (const column of this.columns) {
        const col = document.createElement("col");
        if (column.width) col.style.width = column.width;
        colgroup.append(col);
        const th = document.createElement("th");
        th.className = column.numeric ? "num" : "";
        if (column.sort) {
          const button = document.createElement("button");
          button.type = "button";
          button.className = "sort";
          button.textContent = column.title;
          button.addEventListener("click", () => this.sortBy(column.key));
          th.append(button);
          this.heads.set(column.key, th);
        } else {
          th.textContent = column.title;
        }
        head.append(th);
      }
      const thead = document.createElement("thead");
      thead.append(head);
      this.body = document.createElement("tbody");
      this.before = this.spacer();
      this.after = this.spacer();
      this.body.append(this.before, this.after);
      table.append(colgroup, thead, this.body);
      this.viewport.append(table);
      container.append(bar, this.viewport);
      this.showSort();
    }

    spacer() {
      const row = document.createElement("tr");
      row.className = "spacer";
      row.setAttribute("aria-hidden", "true");
      return row;
    }

    sortBy(key) {
      this.descending = this.sortKey === key ? !this.descending : false;
      this.sortKey = key;
      this.dirtyOrder = true;
      this.showSort();
    }

    showSort() {
      for (const [key, th] of this.heads) {
        const state =
          key === this.sortKey ? (this.descending ? "descending" : "ascending") : "none";
        th.setAttribute("aria-sort", state);
      }
    }

    /* The devices that exist now; the order is recomputed on the next draw. */
    setIds(ids) {
      this.ids = Array.from(ids);
      this.dirtyOrder = true;
    }

    order(now) {
      const column = this.columns.find((c) => c.key === this.sortKey);
      const filters = this.columns.filter((c) => c.filter);
      const wanted = this.filterText;
      let ids = this.ids;
      if (wanted) {
        ids = ids.filter((id) =>
          filters.some((c) =>
            String(c.filter(id) ?? "")
              .toLowerCase()
              .includes(wanted),
          ),
        );
      }
      if (column && column.sort) {
        const keys = new Map(ids.map((id) => [id, column.sort(id)]));
        const sign = this.descending ? -1 : 1;
        ids = ids.slice().sort((a, b) => sign * compare(keys.get(a), keys.get(b)) || compare(a, b));
      }
      this.shown = ids;
      this.sortedAt = now;
      this.dirtyOrder = false;
    }

    rowAt(index) {
      while (this.pool.length <= index) {
        const row = document.createElement("tr");
        row.style.height = `${this.rowHeight}px`;
        for (const column of this.columns) {
          const cell = document.createElement("td");
          cell.dataset.field = column.key;
          cell.className = column.numeric ? `num ${column.key}` : column.key;
          row.append(cell);
        }
        if (this.onRowClick) {
          row.addEventListener("click", (event) => {
            if (row.dataset.device) this.onRowClick(row.dataset.device, event);
          });
        }
        this.pool.push(row);
      }
      return this.pool[index];
    }

    /* The ids of the rows in the document now (the ones in view, plus a few). */
    visibleIds() {
      return this.pool.filter((row) => row.isConnected).map((row) => row.dataset.device);
    }

    /* Brings the rows in view up to date; cheap when nothing in view changed. */
    draw(now = performance.now()) {
      if (this.dirtyOrder || now - this.sortedAt > RESORT_MS) this.order(now);
      const total = this.shown.length;
      const height = this.viewport.clientHeight || this.rowHeight * 10;
      const first = Math.max(0, Math.floor(this.viewport.scrollTop / this.rowHeight) - OVERSCAN);
      const last = Math.min(
        total,
        Math.ceil((this.viewport.scrollTop + height) / this.rowHeight) + OVERSCAN,
      );
      this.before.style.height = `${first * this.rowHeight}px`;
      this.after.style.height = `${(total - last) * this.rowHeight}px`;
      const count = last - first;
      for (let i = 0; i < count; i += 1) {
        const id = this.shown[first + i];
        const row = this.rowAt(i);
        if (row.dataset.device !== id) row.dataset.device = id;
        const look = this.rowClass(id);
        if (row.className !== look) row.className = look;
        this.columns.forEach((column, c) => column.render(row.cells[c], id));
        // Rows sit in pool order between the spacers: only a new one is inserted.
        const previous = i === 0 ? this.before : this.pool[i - 1];
        if (row.previousSibling !== previous) previous.after(row);
      }
      for (let i = count; i < this.pool.length; i += 1) this.pool[i].remove();
      const filtered = total === this.ids.length ? "" : ` of ${this.ids.length}`;
      setText(this.count, `${total}${filtered} shown`);
    }
  }

  /*
   * The columns every device list has, for the devices of a HitloopDeviceManager: id,
   * status (online, or silent when no frame came for SILENT_MS: the manager drops a device
   * later) and how long ago it was last seen. Each page places them among its own.
   */
  const SILENT_MS = 1500;
  function commonColumns(manager) {
    const lastSeen = (id) => manager.getDevice(id)?.lastSeen || 0;
    const online = (id) => (Date.now() - lastSeen(id) < SILENT_MS ? "online" : "silent");
    return {
      id: {
        key: "id",
        title: "id",
        width: "4.3rem",
        sort: (id) => id,
        filter: (id) => id,
        render: (cell, id) => setText(cell, id),
      },
      status: {
        key: "status",
        title: "status",
        width: "4.8rem",
        sort: online,
        filter: online,
        render: (cell, id) => setText(cell, online(id)),
      },
      seen: {
        key: "seen",
        title: "last seen",
        numeric: true,
        width: "5rem",
        sort: (id) => -lastSeen(id),
        render: (cell, id) => setText(cell, `${((Date.now() - lastSeen(id)) / 1000).toFixed(1)} s`),
      },
    };
  }

  Object.assign(DeviceTable, { setText, commonColumns });
  return DeviceTable;
})();
