/*
 * The device-control room map: the room, its four beacons and every device at its estimated
 * position, in its LED colour, labelled with its id. A click selects the device under the
 * pointer, a dragged rectangle selects the devices inside it; with Shift both add to the
 * selection (a Shift-click on a selected device takes it out).
 *
 * Drawn on one canvas from the page's requestAnimationFrame loop (`draw()`). The canvas
 * carries its room → page transform as data attributes (data-origin-x, data-origin-y: the
 * room's north-west corner in CSS pixels of the canvas; data-scale: CSS pixels per metre),
 * so a script or a test can point at a place in the room.
 */
"use strict";

window.RoomMap = (() => {
  const PAD = 28; // px around the room: beacon names and labels at the walls stay visible
  // A crowd gets smaller markers, and labels only where they can be read: on the selected
  // devices and the one under the pointer.
  const LABELLED_UP_TO = 60;
  const dotRadius = (count) => (count <= 50 ? 7 : count <= 200 ? 5 : 4);
  const CLICK_SLOP = 4; // px a click may move before it is a drag
  const HIT = 20; // px from a marker's centre that still picks it (the nearest one wins)

  class RoomMap {
    /*
     * options: devices() → iterable of {id, x, y, colour (CSS)}, isSelected(id),
     * select(ids, additive) for a rectangle, pick(id | null, additive) for a click.
     */
    constructor(canvas, options) {
      this.canvas = canvas;
      this.context = canvas.getContext("2d");
      this.options = options;
      this.room = null;
      this.drag = null;
      this.hover = null;
      this.dirty = true;
      new ResizeObserver(() => this.resize()).observe(canvas.parentElement);
      canvas.addEventListener("pointerdown", (event) => this.down(event));
      canvas.addEventListener("pointermove", (event) => this.move(event));
      canvas.addEventListener("pointerup", (event) => this.up(event));
      canvas.addEventListener("pointercancel", () => {
        this.drag = null;
        this.dirty = true;
      });
    }

    /*
     * The map as text, for screen readers (a canvas says nothing) and scripts: one item per
     * device with its estimated position, rewritten at most once a second.
     */
    describe(list, now = performance.now()) {
      if (now - (this.describedAt || 0) < 1000) return;
      this.describedAt = now;
      const items = [];
      for (const device of this.options.devices()) {
        const item = document.createElement("li");
        Object.assign(item.dataset, {
          device: device.id,
          x: device.x.toFixed(2),
          y: device.y.toFixed(2),
        });
        item.textContent = `${device.id} at ${device.x.toFixed(1)} m east, ${device.y.toFixed(1)} m south`;
        items.push(item);
      }
      list.replaceChildren(...items);
      list.dataset.at = String(Math.round(now)); // when it was written, for scripts
    }

    setRoom(room) {
      this.room = room;
      this.resize();
    }

    /* Canvas size from its container's width and the room's shape, sharp on any screen. */
    resize() {
      if (!this.room) return;
      const width = Math.max(240, this.canvas.parentElement.clientWidth);
      const scale = Math.min(
        (width - 2 * PAD) / this.room.width,
        (window.innerHeight * 0.55 - 2 * PAD) / this.room.depth,
      );
      const height = Math.round(this.room.depth * scale + 2 * PAD);
      const ratio = window.devicePixelRatio || 1;
      Object.assign(this.canvas, { width: width * ratio, height: height * ratio });
      this.canvas.style.height = `${height}px`;
      this.scale = scale;
      this.origin = [(width - this.room.width * scale) / 2, PAD];
      this.ratio = ratio;
      Object.assign(this.canvas.dataset, {
        originX: this.origin[0].toFixed(2),
        originY: this.origin[1].toFixed(2),
        scale: scale.toFixed(4),
      });
      this.dirty = true;
    }

    toCanvas(x, y) {
      return [this.origin[0] + x * this.scale, this.origin[1] + y * this.scale];
    }

    local(event) {
      const box = this.canvas.getBoundingClientRect();
      return [event.clientX - box.left, event.clientY - box.top];
    }

    down(event) {
      if (event.button !== 0) return;
      this.canvas.setPointerCapture(event.pointerId);
      const at = this.local(event);
      this.drag = { from: at, to: at, additive: event.shiftKey };
    }

    move(event) {
      if (!this.drag) {
        const hover = this.deviceAt(this.local(event));
        if (hover !== this.hover) [this.hover, this.dirty] = [hover, true];
        return;
      }
      this.drag.to = this.local(event);
      this.dirty = true;
    }

    up(event) {
      if (!this.drag) return;
      const { from, additive } = this.drag;
      const to = this.local(event);
      this.drag = null;
      this.dirty = true;
      if (Math.hypot(to[0] - from[0], to[1] - from[1]) <= CLICK_SLOP) {
        this.options.pick(this.deviceAt(to), additive);
        return;
      }
      const [left, right] = [Math.min(from[0], to[0]), Math.max(from[0], to[0])];
      const [top, bottom] = [Math.min(from[1], to[1]), Math.max(from[1], to[1])];
      const inside = [];
      for (const device of this.options.devices()) {
        const [x, y] = this.toCanvas(device.x, device.y);
        if (x >= left && x <= right && y >= top && y <= bottom) inside.push(device.id);
      }
      this.options.select(inside, additive);
    }

    /* The device whose marker is nearest to `at` (canvas px), or null past HIT px. */
    deviceAt([px, py]) {
      let best = null;
      let bestDistance = HIT;
      for (const device of this.options.devices()) {
        const [x, y] = this.toCanvas(device.x, device.y);
        const distance = Math.hypot(x - px, y - py);
        if (distance < bestDistance) [best, bestDistance] = [device.id, distance];
      }
      return best;
    }

    draw() {
      if (!this.room || !this.scale) return;
      const g = this.context;
      g.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
      g.clearRect(0, 0, this.canvas.width, this.canvas.height);
      this.drawRoom(g);
      const devices = [...this.options.devices()];
      const dot = dotRadius(devices.length);
      const labelAll = devices.length <= LABELLED_UP_TO;
      const selected = [];
      const labels = [];
      g.lineWidth = 1;
      g.strokeStyle = "#0006";
      for (const device of devices) {
        const [x, y] = this.toCanvas(device.x, device.y);
        g.beginPath();
        g.arc(x, y, dot, 0, 2 * Math.PI);
        g.fillStyle = device.colour;
        g.fill();
        g.stroke();
        const isSelected = this.options.isSelected(device.id);
        if (isSelected) selected.push([x, y]);
        if (labelAll || isSelected || device.id === this.hover) labels.push([device.id, x, y]);
      }
      g.lineWidth = 2.5;
      g.strokeStyle = "#2f6fed";
      for (const [x, y] of selected) {
        g.beginPath();
        g.arc(x, y, dot + 4, 0, 2 * Math.PI);
        g.stroke();
      }
      g.font = "11px system-ui, sans-serif";
      g.textAlign = "center";
      g.textBaseline = "top";
      g.lineWidth = 3;
      g.strokeStyle = "#fbfcfecc"; // a halo keeps a label readable over other markers
      g.fillStyle = "#1d2330";
      for (const [id, x, y] of labels) {
        g.strokeText(id, x, y + dot + 2);
        g.fillText(id, x, y + dot + 2);
      }
      if (this.drag) {
        const [fx, fy] = this.drag.from;
        const [tx, ty] = this.drag.to;
        g.fillStyle = "#2f6fed22";
        g.strokeStyle = "#2f6fed";
        g.lineWidth = 1;
        g.fillRect(fx, fy, tx - fx, ty - fy);
        g.strokeRect(fx, fy, tx - fx, ty - fy);
      }
      this.dirty = false;
    }

    drawRoom(g) {
      const [x0, y0] = this.toCanvas(0, 0);
      const [x1, y1] = this.toCanvas(this.room.width, this.room.depth);
      g.fillStyle = "#fbfcfe";
      g.fillRect(x0, y0, x1 - x0, y1 - y0);
      g.strokeStyle = "#e6e9ef";
      g.lineWidth = 1;
      g.beginPath();
      for (let m = 1; m < this.room.width; m += 1) {
        g.moveTo(...this.toCanvas(m, 0));
        g.lineTo(...this.toCanvas(m, this.room.depth));
      }
      for (let m = 1; m < this.room.depth; m += 1) {
        g.moveTo(...this.toCanvas(0, m));
        g.lineTo(...this.toCanvas(this.room.width, m));
      }
      g.stroke();
      g.strokeStyle = "#9aa3b5";
      g.strokeRect(x0, y0, x1 - x0, y1 - y0);
      const Room = window.GroupLoopRoom;
      g.font = "600 11px system-ui, sans-serif";
      g.fillStyle = "#6b7385";
      Room.beaconPositions(this.room).forEach(([bx, by], i) => {
        const [x, y] = this.toCanvas(bx, by);
        g.beginPath();
        g.moveTo(x, y - 6);
        g.lineTo(x + 6, y + 5);
        g.lineTo(x - 6, y + 5);
        g.closePath();
        g.fill();
        g.textAlign = bx > 0 ? "right" : "left";
        g.textBaseline = by > 0 ? "top" : "bottom";
        g.fillText(Room.BEACONS[i], x + (bx > 0 ? -8 : 8), y + (by > 0 ? 6 : -6));
      });
    }
  }

  return RoomMap;
})();
