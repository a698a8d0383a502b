/*
 * Simulator: a swarm of devices in the browser, drawn with p5.js (from the CDN) in a room
 * with a beacon in each corner. Every device is a real WebSocket device of the hub; their
 * LED rings show what the hub's commands set. ?count=N&behaviour=B choose the start.
 */
"use strict";

(async () => {
  const G = window.GroupLoop;
  const { room, displayColour } = window.BrowserDevice;
  const $ = (id) => document.getElementById(id);

  // The page's own subscriber (manager) shows how many of the swarm the hub really streams.
  const page = await G.start("simulator", { libraries: ["p5.min.js"] });
  if (!page) return; // the banner says what is wrong
  const { table, hubUrl, manager: watcher } = page;
  const swarm = new window.Swarm.Swarm({ hubUrl, commands: table });

  /* ---- controls ---- */
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
  }
  $("swarm-form").addEventListener("submit", (event) => {
    event.preventDefault();
    apply();
  });
  apply();

  setInterval(() => {
    const stats = swarm.stats();
    for (const [key, value] of Object.entries(stats)) $(key).textContent = value;
    const ours = new Set(swarm.members.map((m) => m.device.id));
    const streaming = [...watcher.getAllDevices().keys()].filter((id) => ours.has(id)).length;
    $("streaming").textContent = streaming;
  }, 250);

  /* ---- drawing ---- */
  new window.p5((p) => {
    let scale = 100; // pixels per metre
    const pad = 28;

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
      swarm.step(p.deltaTime / 1000, p.millis());
      p.background("#eef1f6");
      drawRoom();
      for (const member of swarm.members) drawDevice(member);
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

    function drawDevice(member) {
      const device = member.device;
      const [x, y] = at(member.x, member.y);
      const r = Math.max(14, scale * 0.24);
      p.noStroke();
      p.fill(device.connected ? "#3a4252" : "#9aa1ad");
      p.circle(x, y, 2 * r);
      device.pixels().forEach((colour, i, ring) => {
        const angle = (i / ring.length) * 2 * Math.PI - Math.PI / 2;
        p.fill(displayColour(colour));
        p.circle(x + Math.cos(angle) * r * 0.62, y + Math.sin(angle) * r * 0.62, r * 0.56);
      });
      if (device.motorOn) {
        p.noFill();
        p.stroke("#d0342c");
        p.circle(x, y, 2 * r + 6 + 3 * Math.sin(p.millis() / 20));
        p.noStroke();
      }
      p.fill("#1d2330");
      p.textSize(10);
      p.text(device.id, x, y + r + 9);
    }

    p.mousePressed = () => {
      for (const member of swarm.members) {
        const [x, y] = at(member.x, member.y);
        if (Math.hypot(p.mouseX - x, p.mouseY - y) < Math.max(14, scale * 0.24)) {
          member.device.tap();
        }
      }
    };
  });
})();
