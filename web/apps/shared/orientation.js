/*
 * A device's orientation from its accelerometer, drawn in 3D on a 2D canvas (no library).
 *
 * At rest an accelerometer measures only the push that holds it up against gravity: the
 * reading (ax, ay, az) in g is the "up" direction in the device's own axes (a device lying
 * flat reads 0, 0, 1). The view turns the device so that this direction points up; its
 * heading around the vertical cannot be known from an accelerometer and is left alone.
 * While a device accelerates the reading is not only gravity, so the view is smoothed.
 *
 * The device is drawn as a flat box (a wearable), its LEDs on the top face and a notch on
 * its +x edge, seen from a fixed camera above and to the side. The simulator shows the
 * selected device's orientation, the device emulator its own.
 */
"use strict";

window.Orientation = (() => {
  const HALF = [1, 1, 0.32]; // the box's half sizes along x, y, z
  const CAMERA = { azimuth: -0.6, elevation: 0.5 }; // radians
  const LIGHT = normalise([-0.4, -0.6, 1]);

  function normalise(v) {
    const length = Math.hypot(...v) || 1;
    return v.map((c) => c / length);
  }
  const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const cross = (a, b) => [
    a[1] * b[2] - a[2] * b[1],
    a[2] * b[0] - a[0] * b[2],
    a[0] * b[1] - a[1] * b[0],
  ];

  /* The unit "up" vector in the device's axes from a reading in g (flat when it is 0). */
  function upFrom({ ax, ay, az }) {
    return Math.hypot(ax, ay, az) < 1e-6 ? [0, 0, 1] : normalise([ax, ay, az]);
  }

  /* `previous` moved a fraction `k` towards `next` (both unit vectors): a low-pass. */
  function smooth(previous, next, k = 0.15) {
    return normalise(previous.map((c, i) => c + (next[i] - c) * k));
  }

  /* Tilt in degrees: roll about the device's x axis, pitch about its y axis. */
  function angles(up) {
    const [x, y, z] = up;
    const degrees = (radians) => Math.round((radians * 180) / Math.PI) || 0; // never "-0°"
    return { roll: degrees(Math.atan2(y, z)), pitch: degrees(Math.atan2(-x, Math.hypot(y, z))) };
  }

  /*
   * The rotation (a function on 3-vectors) that turns the device's `up` onto the world's
   * z: the shortest turn, about the axis up × z (Rodrigues' formula).
   */
  function levelling(up) {
    const z = [0, 0, 1];
    const axis = cross(up, z);
    const sin = Math.hypot(...axis);
    const cos = dot(up, z);
    if (sin < 1e-9) return cos > 0 ? (v) => v : (v) => [v[0], -v[1], -v[2]]; // upside down
    const k = axis.map((c) => c / sin);
    return (v) => {
      const kv = cross(k, v);
      const kdv = dot(k, v) * (1 - cos);
      return v.map((c, i) => c * cos + kv[i] * sin + k[i] * kdv);
    };
  }

  /* World point → [screen x, screen y (down), depth] for a camera looking at the origin. */
  function project([x, y, z]) {
    const { azimuth, elevation } = CAMERA;
    const px = x * Math.cos(azimuth) - y * Math.sin(azimuth);
    const py = x * Math.sin(azimuth) + y * Math.cos(azimuth);
    const up = z * Math.cos(elevation) + py * Math.sin(elevation);
    const depth = py * Math.cos(elevation) - z * Math.sin(elevation);
    return [px, -up, depth];
  }
  // Towards the camera, in world axes: what a face must look at to be seen.
  const TOWARDS_CAMERA = (() => {
    const { azimuth, elevation } = CAMERA;
    const back = [0, -Math.cos(elevation), Math.sin(elevation)]; // in camera-turned axes
    return [
      back[0] * Math.cos(azimuth) + back[1] * Math.sin(azimuth),
      -back[0] * Math.sin(azimuth) + back[1] * Math.cos(azimuth),
      back[2],
    ];
  })();

  // The box's faces: outward normal, and its four corners as signs of HALF.
  const FACES = [
    {
      normal: [0, 0, 1],
      corners: [
        [-1, -1, 1],
        [1, -1, 1],
        [1, 1, 1],
        [-1, 1, 1],
      ],
      top: true,
    },
    {
      normal: [0, 0, -1],
      corners: [
        [-1, -1, -1],
        [-1, 1, -1],
        [1, 1, -1],
        [1, -1, -1],
      ],
    },
    {
      normal: [1, 0, 0],
      corners: [
        [1, -1, -1],
        [1, 1, -1],
        [1, 1, 1],
        [1, -1, 1],
      ],
    },
    {
      normal: [-1, 0, 0],
      corners: [
        [-1, -1, -1],
        [-1, -1, 1],
        [-1, 1, 1],
        [-1, 1, -1],
      ],
    },
    {
      normal: [0, 1, 0],
      corners: [
        [-1, 1, -1],
        [-1, 1, 1],
        [1, 1, 1],
        [1, 1, -1],
      ],
    },
    {
      normal: [0, -1, 0],
      corners: [
        [-1, -1, -1],
        [1, -1, -1],
        [1, -1, 1],
        [-1, -1, 1],
      ],
    },
  ];

  function shade(hex, light) {
    const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    return `rgb(${rgb.map((c) => Math.round(c * light)).join(",")})`;
  }

  /*
   * Draws the device on `canvas` turned by `up` (from upFrom/smooth); `leds` are CSS colours
   * for the LEDs on the top face (any number, in a ring).
   */
  function draw(canvas, up, leds = []) {
    const ctx = canvas.getContext("2d");
    const { width, height } = canvas;
    const scale = Math.min(width, height) * 0.28;
    const turn = levelling(up);
    const toScreen = (v) => {
      const [sx, sy, depth] = project(turn(v));
      return [width / 2 + sx * scale, height / 2 + sy * scale, depth];
    };
    const corner = (signs) => signs.map((s, i) => s * HALF[i]);
    ctx.clearRect(0, 0, width, height);

    // The floor it stands on, for a sense of "level".
    ctx.fillStyle = "#e3e7ee";
    ctx.beginPath();
    const floor = Array.from({ length: 32 }, (_u, i) => {
      const a = (i / 32) * 2 * Math.PI;
      const [sx, sy] = project([1.7 * Math.cos(a), 1.7 * Math.sin(a), -1.1]);
      return [width / 2 + sx * scale, height / 2 + sy * scale];
    });
    floor.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    ctx.fill();

    const visible = FACES.map((face) => ({ face, normal: turn(face.normal) }))
      .filter(({ normal }) => dot(normal, TOWARDS_CAMERA) > 0)
      .map(({ face, normal }) => ({ face, normal, points: face.corners.map(corner).map(toScreen) }))
      .sort((a, b) => avgDepth(b.points) - avgDepth(a.points));
    for (const { face, normal, points } of visible) {
      const light = 0.55 + 0.45 * Math.max(0, dot(normal, LIGHT));
      ctx.fillStyle = shade(face.top ? "#3a4252" : "#8a93a6", light);
      ctx.strokeStyle = "#1d2330";
      ctx.lineWidth = 1;
      ctx.beginPath();
      points.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
      ctx.closePath();
      ctx.fill();
      ctx.stroke();
      if (face.top) drawTop(ctx, toScreen, leds, scale);
    }
  }

  function avgDepth(points) {
    return points.reduce((sum, p) => sum + p[2], 0) / points.length;
  }

  /* The LED ring and the +x notch, on the top face (drawn only when it is seen). */
  function drawTop(ctx, toScreen, leds, scale) {
    const z = HALF[2];
    leds.forEach((colour, i) => {
      const a = (i / leds.length) * 2 * Math.PI - Math.PI / 2;
      const [x, y] = toScreen([0.6 * Math.cos(a), 0.6 * Math.sin(a), z]);
      ctx.fillStyle = colour;
      ctx.beginPath();
      ctx.arc(x, y, Math.max(2, scale * 0.14), 0, 2 * Math.PI);
      ctx.fill();
    });
    const notch = [
      [0.75, -0.18, z],
      [0.97, 0, z],
      [0.75, 0.18, z],
    ].map(toScreen);
    ctx.fillStyle = "#f2f4f8";
    ctx.beginPath();
    notch.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    ctx.fill();
  }

  return { upFrom, smooth, angles, levelling, draw };
})();
