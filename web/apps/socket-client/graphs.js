/*
 * The socket client's per-device graphs: a short history of every device's decoded values
 * (acceleration and beacon RSSI, a few seconds at 20 Hz, kept in one typed array per device)
 * and the two small canvases a row draws from it: sparklines of ax, ay, az, and bars of the
 * four beacon RSSI values with their recent range behind them.
 *
 * Recording costs a few stores per frame; drawing is done only for rows in view, and only
 * when their device sent a frame since it was last drawn.
 */
"use strict";

window.DeviceGraphs = (() => {
  const HISTORY = 60; // frames: 3 s at 20 Hz
  const SERIES = 7; // ax, ay, az (g), then NW, NE, SE, SW (dBm)
  const ACCEL = ["#d0342c", "#1f9d55", "#2f6fed"]; // x, y, z
  const BEACON = "#6a3fb5";
  // The bars span the RSSI a room gives (a wall away to a beacon close by), not the
  // frame's whole -100..-40 dBm, in which every bar would be short.
  const [RSSI_MIN, RSSI_MAX] = [-95, -50];

  class History {
    constructor() {
      this.values = new Float32Array(HISTORY * SERIES);
      this.next = 0; // the slot the next frame goes into
      this.count = 0;
    }

    record(device) {
      const { x, y, z } = device.acceleration;
      const rssi = device.rssi;
      const base = this.next * SERIES;
      this.values.set([x, y, z, rssi.NW, rssi.NE, rssi.SE, rssi.SW], base);
      this.next = (this.next + 1) % HISTORY;
      this.count = Math.min(HISTORY, this.count + 1);
    }

    /* Value `series` of the frame `age` frames ago (0 = newest). */
    at(age, series) {
      const slot = (this.next - 1 - age + 2 * HISTORY) % HISTORY;
      return this.values[slot * SERIES + series];
    }
  }

  /*
   * A canvas of the graphs' fixed size, sharp on this screen; returns its 2D context scaled
   * to CSS px. The size is fixed rather than read from the layout: reading it after the
   * table's updates would force a layout per canvas per frame.
   */
  const WIDTH = 112;
  const HEIGHT = 24;
  function prepare(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const [width, height] = [WIDTH, HEIGHT];
    if (canvas.width !== Math.round(width * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      Object.assign(canvas.style, { width: `${width}px`, height: `${height}px` });
    }
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    return [g, width, height];
  }

  /* Sparklines of ax, ay, az (−2..+2 g, zero in the middle), newest on the right. */
  function drawMotion(canvas, history) {
    const [g, width, height] = prepare(canvas);
    g.strokeStyle = "#dde1e8";
    g.beginPath();
    g.moveTo(0, height / 2);
    g.lineTo(width, height / 2);
    g.stroke();
    if (history.count < 2) return;
    const step = width / (HISTORY - 1);
    g.lineWidth = 1.25;
    for (let series = 0; series < 3; series += 1) {
      g.strokeStyle = ACCEL[series];
      g.beginPath();
      for (let age = 0; age < history.count; age += 1) {
        const x = width - age * step;
        const y = height / 2 - (history.at(age, series) / 2) * (height / 2 - 1);
        if (age === 0) g.moveTo(x, y);
        else g.lineTo(x, y);
      }
      g.stroke();
    }
  }

  /* One bar per beacon (NW, NE, SE, SW): its RSSI now, its recent range shaded behind. */
  function drawBeacons(canvas, history) {
    const [g, width, height] = prepare(canvas);
    if (history.count === 0) return;
    const slot = width / 4;
    const level = (dbm) => Math.max(0, Math.min(1, (dbm - RSSI_MIN) / (RSSI_MAX - RSSI_MIN)));
    for (let beacon = 0; beacon < 4; beacon += 1) {
      let low = Infinity;
      let high = -Infinity;
      for (let age = 0; age < history.count; age += 1) {
        const dbm = history.at(age, 3 + beacon);
        low = Math.min(low, dbm);
        high = Math.max(high, dbm);
      }
      const x = beacon * slot + 2;
      const barWidth = slot - 4;
      g.fillStyle = "#e4dcf3";
      g.fillRect(x, height * (1 - level(high)), barWidth, height * (level(high) - level(low)) + 1);
      const now = level(history.at(0, 3 + beacon));
      g.fillStyle = BEACON;
      g.fillRect(x + barWidth / 4, height * (1 - now), barWidth / 2, height * now);
    }
  }

  return { History, drawMotion, drawBeacons, HISTORY };
})();
