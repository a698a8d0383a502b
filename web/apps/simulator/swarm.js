/*
 * The simulator's swarm: browser devices (shared/browser-device.js) moving in the room.
 * Each member has a position and a velocity in metres; a behaviour sets where it wants to
 * go, and what its velocity does becomes the acceleration in its frames (plus gravity,
 * seen through the tilt at which its wearer holds it, and a little sensor noise). Members
 * never overlap (flocking.js keeps them apart). The devices join the hub only between
 * start() and stop(); until then the swarm moves in the page alone. Drawing lives in
 * app.js; this file only moves and counts.
 */
"use strict";

window.Swarm = (() => {
  const { Device, room } = window.BrowserDevice;
  const { bodyRadius, freeSpot, flock, personalSpace, wallSpace, separate } = window.Flocking;
  const G_MS2 = 9.81;
  const WALL_REACH = 1; // m: closer than this to a wall, a device turns away from it
  const noise = (amount) => (Math.random() * 2 - 1) * amount;
  const clamp = (value, low, high) => Math.max(low, Math.min(high, value));
  // Spread evenly over an area: a ring between two radii, or the unit disc.
  const uniformRadius = (low, high) => Math.sqrt(low ** 2 + Math.random() * (high ** 2 - low ** 2));
  function inUnitDisc() {
    const [r, a] = [Math.sqrt(Math.random()), Math.random() * 2 * Math.PI];
    return [r * Math.cos(a), r * Math.sin(a)];
  }

  /* Desired velocity (m/s) of one member for each behaviour. */
  const behaviours = {
    wander(member, dt) {
      member.heading += noise(2.5) * dt;
      return [Math.cos(member.heading) * 0.9, Math.sin(member.heading) * 0.9];
    },
    circle(member, dt) {
      member.angle += 0.35 * dt;
      const cx = room.width / 2 + Math.cos(member.angle) * member.orbit;
      const cy = room.height / 2 + Math.sin(member.angle) * member.orbit;
      return [(cx - member.x) * 1.5, (cy - member.y) * 1.5];
    },
    gather(member, _dt, swarm) {
      // Each member has its own place in a disc around the point, big enough for them all.
      const [cx, cy] = swarm.meetingPoint;
      const dx = cx + member.place[0] * swarm.gatheringRadius - member.x;
      const dy = cy + member.place[1] * swarm.gatheringRadius - member.y;
      const distance = Math.hypot(dx, dy);
      const speed = Math.min(1.2, distance);
      return distance < 0.01 ? [0, 0] : [(dx / distance) * speed, (dy / distance) * speed];
    },
    still() {
      return [0, 0];
    },
    flock(member, dt, swarm) {
      member.heading += noise(1.5) * dt; // a lone device wanders
      return flock(member, swarm.members, swarm.weights);
    },
  };

  class Swarm {
    /* options: hubUrl, commands (commands.json), onChange(device, what) for every device. */
    constructor(options) {
      this.options = options;
      this.members = [];
      this.behaviour = "wander";
      this.randomTaps = false;
      this.running = false; // connected to the hub: only between start() and stop()
      this.frameRate = 20; // frames a second per device, as the firmware
      this.weights = { separation: 1, alignment: 0.5, cohesion: 0.3 }; // the flock behaviour's
      this.radius = bodyRadius(0, room.width, room.height); // of a member, in metres
      this.meetingPoint = [room.width / 2, room.height / 2];
      this.meetingChangesAt = 0;
    }

    /* Closest two members may come, centre to centre (m). */
    get gap() {
      return 2 * this.radius + 0.04;
    }

    /* Radius (m) of a disc that holds the whole swarm side by side. */
    get gatheringRadius() {
      return this.gap * Math.sqrt(this.members.length) * 0.6;
    }

    /* Every member joins the hub, and members added later join as they appear. */
    start() {
      this.running = true;
      for (const member of this.members) member.device.start();
    }

    /* Every member leaves the hub; the swarm keeps moving in the page. */
    stop() {
      this.running = false;
      for (const member of this.members) member.device.stop();
    }

    setFrameRate(perSecond) {
      this.frameRate = perSecond;
      for (const member of this.members) member.device.setFrameRate(perSecond);
    }

    /* Grows or shrinks the swarm to `count` devices, each with an id of its own. */
    resize(count) {
      while (this.members.length > count) this.members.pop().device.stop();
      this.radius = bodyRadius(count, room.width, room.height);
      const taken = new Set(this.members.map((m) => m.device.id));
      while (this.members.length < count) {
        let id;
        do id = window.BrowserDevice.randomId();
        while (taken.has(id));
        taken.add(id);
        this.members.push(this.spawn(id));
      }
    }

    spawn(id) {
      const [x, y] = freeSpot(this.members, this.gap, room.width, room.height, this.radius);
      const member = {
        x,
        y,
        vx: 0,
        vy: 0,
        ax: 0,
        ay: 0,
        heading: Math.random() * 2 * Math.PI,
        // How the wearer holds it: a tilt that drifts (radians), seen by the accelerometer.
        roll: noise(0.3),
        pitch: noise(0.3),
        angle: Math.random() * 2 * Math.PI,
        orbit: uniformRadius(0.6, Math.min(room.width, room.height) / 2 - 0.3),
        place: inUnitDisc(),
      };
      member.device = new Device({
        id,
        hubUrl: this.options.hubUrl,
        commands: this.options.commands,
        frameRate: this.frameRate,
        onChange: this.options.onChange,
        // Gravity seen through the tilt, plus the acceleration of walking, in g.
        sensors: () => ({
          ax: -Math.sin(member.pitch) + member.ax / G_MS2 + noise(0.02),
          ay: Math.sin(member.roll) * Math.cos(member.pitch) + member.ay / G_MS2 + noise(0.02),
          az: Math.cos(member.roll) * Math.cos(member.pitch) + noise(0.02),
          rssi: room.rssiAt(member.x, member.y).map((dbm) => dbm + noise(2)),
        }),
      });
      if (this.running) member.device.start();
      return member;
    }

    /* Advances every member by `dt` seconds at time `nowMs`. */
    step(dt, nowMs) {
      if (dt <= 0) return;
      dt = Math.min(dt, 0.1); // a stalled tab must not fling devices through the walls
      if (nowMs > this.meetingChangesAt) {
        // Far enough from the walls for the whole gathering to fit around the point.
        const edge = (size) => Math.min(size / 2, Math.max(1, this.gatheringRadius));
        const inside = (size) => edge(size) + Math.random() * (size - 2 * edge(size));
        this.meetingPoint = [inside(room.width), inside(room.height)];
        this.meetingChangesAt = nowMs + 6000;
      }
      const desired = behaviours[this.behaviour] || behaviours.still;
      for (const member of this.members) {
        const [bx, by] = desired(member, dt, this);
        const [px, py] = personalSpace(member, this.members, 1.3 * this.gap);
        const [qx, qy] = wallSpace(member, room.width, room.height, WALL_REACH);
        const [wx, wy] = [bx + px + qx, by + py + qy];
        // Velocity eases towards the wish: that change is the acceleration the device feels.
        const vx = member.vx + (wx - member.vx) * Math.min(1, 3 * dt);
        const vy = member.vy + (wy - member.vy) * Math.min(1, 3 * dt);
        member.ax = (vx - member.vx) / dt;
        member.ay = (vy - member.vy) / dt;
        member.vx = vx;
        member.vy = vy;
        member.x += vx * dt;
        member.y += vy * dt;
        this.keepInside(member);
        member.roll = clamp(member.roll + noise(0.6) * dt, -0.6, 0.6);
        member.pitch = clamp(member.pitch + noise(0.6) * dt, -0.6, 0.6);
        if (this.randomTaps && Math.random() < dt / 8) member.device.tap();
      }
      separate(this.members, this.gap, room.width, room.height, this.radius);
    }

    /* Walls: bounce back and turn around. */
    keepInside(member) {
      const margin = this.radius;
      if (member.x < margin || member.x > room.width - margin) {
        member.vx = -member.vx;
        member.heading = Math.PI - member.heading;
      }
      if (member.y < margin || member.y > room.height - margin) {
        member.vy = -member.vy;
        member.heading = -member.heading;
      }
      member.x = clamp(member.x, margin, room.width - margin);
      member.y = clamp(member.y, margin, room.height - margin);
    }

    stats() {
      const devices = this.members.map((m) => m.device);
      const sum = (key) => devices.reduce((total, d) => total + d[key], 0);
      return {
        simulated: devices.length,
        connected: devices.filter((d) => d.connected).length,
        frames: sum("framesSent"),
        commands: sum("commandsReceived"),
      };
    }
  }

  return { Swarm, behaviours: Object.keys(behaviours) };
})();
