/*
 * Simulator: a swarm of devices in the browser, drawn with p5.js (from the CDN) in a room
 * with a beacon in each corner. The swarm moves in the page from the start, but its devices
 * join the hub only when the user presses Start (and leave on Stop): opening the tab must
 * not add devices to a live installation. Once started every device is a real WebSocket
 * device of the hub; their LED rings show what the hub's commands set. Clicking a device
 * selects it: its orientation, from its accelerometer, is drawn in 3D beside the room.
 * ?count=N&behaviour=B preset the form.
 */
"use strict";

(async () => {
  const G = window.GroupLoop;
  const { room } = window.BrowserDevice;
  const { displayColour } = window.GroupLoopLeds;
  const { Orientation } = window;
  const $ = (id) => document.getElementById(id);

  // The page's own subscriber (manager) shows how many of the swarm the hub really streams.
  const page = await G.start("simulator", { libraries: ["p5.min.js"] });
  if (!page) return; // the banner says what is wrong
  const { table, hubUrl, manager: watcher } = page;
  const swarm = new window.Swarm.Swarm({ hubUrl, commands: table });

  /* ---- the swarm: size and behaviour ---- */
  const query = new URLSearchParams(location.search);
  const startCount = Number.parseInt(query.get("count") ?? "8", 10);
  $("count").value = Number.isFinite(startCount) ? Math.max(0, Math.min(100, startCount)) : 8;
  if (window.Swarm.behaviours.includes(query.get("behaviour"))) {
    $("behaviour").value = query.get("behaviour");
  }
  function apply() {
    const count = Math.max(0, Math.min(100, Number.parseInt($("count").value, 10) || 0));
    $("count").value = count;
    swarm.behaviour = $("behaviour").value;
    swarm.randomTaps = $("taps").checked;
    swarm.resize(count);
    $("flocking").disabled = swarm.behaviour !== "flock";
    if (selected && !swarm.members.includes(selected)) select(null);
  }
  $("swarm-form").addEventListener("submit", (event) => {
    event.preventDefault();
    apply();
  });
  $("behaviour").addEventListener("change", apply);

  /* ---- joining the hub: only on Start ---- */
  function showRunning() {
    $("start").textContent = swarm.running ? "Stop" : "Start";
    $("start").classList.toggle("secondary", swarm.running);
    $("hub-state").textContent = swarm.running
      ? `the devices are on the hub at ${hubUrl}`
      : "not on the hub: press Start to connect the devices";
  }
  $("start").addEventListener("click", () => {
    if (swarm.running) swarm.stop();
    else swarm.start();
    showRunning();
  });

  /* ---- sliders: send rate and the flock's three weights, applied as they move ---- */
  function slider(id, format, onValue) {
    const input = $(id);
    const show = () => {
      $(`${id}-value`).textContent = format(Number(input.value));
      onValue(Number(input.value));
    };
    input.addEventListener("input", show);
    show();
  }
  slider("rate", String, (perSecond) => swarm.setFrameRate(perSecond));
  for (const weight of ["separation", "alignment", "cohesion"]) {
    slider(
      weight,
      (value) => value.toFixed(1),
      (value) => (swarm.weights[weight] = value),
    );
  }

  /* ---- the selected device and its orientation ---- */
  let selected = null;
  let up = [0, 0, 1];
  function select(member) {
    selected = member;
    $("selected-id").textContent = member ? member.device.id : "—";
    $("tap-selected").disabled = !member;
    if (!member) $("selected-tilt").textContent = "click a device in the room";
  }
  $("tap-selected").addEventListener("click", () => selected && selected.device.tap());

  function drawOrientation() {
    if (!selected) return;
    const device = selected.device;
    up = Orientation.smooth(up, Orientation.upFrom(device.sensors()));
    Orientation.draw($("orientation"), up, device.pixels().map(displayColour));
    const { roll, pitch } = Orientation.angles(up);
    $("selected-tilt").textContent = `roll ${roll}°, pitch ${pitch}°`;
  }

  apply();
  showRunning();
  setInterval(() => {
    const stats = swarm.stats();
    for (const [key, value] of Object.entries(stats)) $(key).textContent = value;
    const ours = new Set(swarm.members.map((m) => m.device.id));
    const streaming = [...watcher.getAllDevices().keys()].filter((id) => ours.has(id)).length;
    $("streaming").textContent = streaming;
  }, 250);

  /* ---- drawing the room ---- */
  new window.p5((p) => {
    let scale = 100; // pixels per metre
    const pad = 28;
    const LABELLED = 40; // above this many devices only the selected one is labelled

    function fit() {
      const width = Math.max(320, $("room").clientWidth);
      scale = (width - 2 * pad) / room.width;
      p.resizeCanvas(width, Math.round(room.height * scale + 2 * pad));
    }

    const at = (x, y) => [pad + x * scale, pad + y * scale];

    p.setup = () => {
      p.createCanvas(800, 600).parent("room");
      p.frameRate(30); // smooth enough, and leaves the page time to send 20 frames a second
      fit();
    };
    p.windowResized = fit;

    p.draw = () => {
      window.Simulator.drawn += 1;
      swarm.step(p.deltaTime / 1000, p.millis());
      p.background("#eef1f6");
      drawRoom();
      const labelled = swarm.members.length <= LABELLED;
      for (const member of swarm.members) drawDevice(member, labelled || member === selected);
      drawOrientation();
    };

    function drawRoom() {
      p.stroke("#d5dae3");
      p.strokeWeight(1);
      for (let x = 0; x <= room.width; x += 1) p.line(...at(x, 0), ...at(x, room.height));
      for (let y = 0; y <= room.height; y += 1) p.line(...at(0, y), ...at(room.width, y));
      p.noFill();
      p.stroke("#8a93a6");
      p.strokeWeight(2);
      p.rect(pad, pad, room.width * scale, room.height * scale);
      p.textAlign(p.CENTER, p.CENTER);
      p.textSize(11);
      room.beacons.forEach((name, i) => {
        const [x, y] = at(...room.beaconPosition(i));
        p.noStroke();
        p.fill("#6a3fb5");
        p.rect(x - 16, y - 10, 32, 20, 4);
        p.fill(255);
        p.text(name, x, y);
      });
    }

    /*
     * One device: body, LED ring, vibration and selection rings, label. Straight on the
     * canvas's 2D context: p5's fill() parses its colour string on every call, which at 100
     * devices × 7 circles was most of a frame.
     */
    function drawDevice(member, labelled) {
      const ctx = p.drawingContext;
      const device = member.device;
      const [x, y] = at(member.x, member.y);
      const r = swarm.radius * scale;
      const disc = (cx, cy, radius, colour) => {
        ctx.beginPath();
        ctx.arc(cx, cy, radius, 0, 2 * Math.PI);
        ctx.fillStyle = colour;
        ctx.fill();
      };
      const ring = (radius, colour, width) => {
        ctx.beginPath();
        ctx.arc(x, y, radius, 0, 2 * Math.PI);
        ctx.strokeStyle = colour;
        ctx.lineWidth = width;
        ctx.stroke();
      };
      disc(x, y, r, device.connected ? "#3a4252" : "#9aa1ad");
      const pixels = device.pixels();
      pixels.forEach((colour, i) => {
        const angle = (i / pixels.length) * 2 * Math.PI - Math.PI / 2;
        const [lx, ly] = [x + Math.cos(angle) * r * 0.62, y + Math.sin(angle) * r * 0.62];
        disc(lx, ly, r * 0.28, displayColour(colour));
      });
      if (device.motorOn) ring(r + 3 + 1.5 * Math.sin(p.millis() / 20), "#d0342c", 2);
      if (member === selected) ring(r + 2, "#2f6fed", 3);
      if (labelled) {
        ctx.fillStyle = "#1d2330";
        ctx.font = "10px system-ui, sans-serif";
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        ctx.fillText(device.id, x, y + r + 7);
      }
    }

    // For the console, the browser tests and the benchmark: the swarm, where a member is
    // drawn, and how many frames the sketch has drawn.
    window.Simulator = {
      swarm,
      drawn: 0,
      roomPosition(index) {
        const member = swarm.members[index];
        const [x, y] = at(member.x, member.y);
        return { id: member.device.id, x, y };
      },
    };

    p.mousePressed = () => {
      if (p.mouseX < 0 || p.mouseY < 0 || p.mouseX > p.width || p.mouseY > p.height) return;
      let nearest = null;
      let best = swarm.radius * scale * 1.2; // a little slack around the ring
      for (const member of swarm.members) {
        const [x, y] = at(member.x, member.y);
        const distance = Math.hypot(p.mouseX - x, p.mouseY - y);
        if (distance < best) [nearest, best] = [member, distance];
      }
      if (nearest) select(nearest);
    };
  });
})();
