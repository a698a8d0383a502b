/*
 * The simulator's swarm: browser devices (shared/browser-device.js) moving in the room.
 * Each member has a position and a velocity in metres; a behaviour sets where it wants to
 * go, and what its velocity does becomes the acceleration in its frames (plus gravity on
 * z and a little sensor noise). Drawing lives in app.js; this file only moves and counts.
 */
"use strict";

window.Swarm = (() => {
  const { Device, room } = window.BrowserDevice;
  const G_MS2 = 9.81;
  const noise = (amount) => (Math.random() * 2 - 1) * amount;
  const clamp = (value, low, high) => Math.max(low, Math.min(high, value));

  /* Desired velocity (m/s) of one member for each behaviour. */
  const behaviours = {
    wander(member, dt) {
      member.heading += noise(2.5) * dt;
      return [Math.cos(member.heading) * 0.9, Math.sin(member.heading) * 0.9];
    },
    circle(member, dt) {
      member.angle += 0.35 * dt;
      const cx = room.width / 2 + Math.cos(member.angle) * member.radius;
      const cy = room.height / 2 + Math.sin(member.angle) * member.radius;
      return [(cx - member.x) * 1.5, (cy - member.y) * 1.5];
    },
    gather(member, _dt, swarm) {
      const [tx, ty] = swarm.meetingPoint;
      const dx = tx - member.x + member.offset[0];
      const dy = ty - member.y + member.offset[1];
      const distance = Math.hypot(dx, dy);
      const speed = Math.min(1.2, distance);
      return distance < 0.01 ? [0, 0] : [(dx / distance) * speed, (dy / distance) * speed];
    },
    still() {
      return [0, 0];
    },
  };

  class Swarm {
    /* options: hubUrl, commands (commands.json), onChange(device, what) for every device. */
    constructor(options) {
      this.options = options;
      this.members = [];
      this.behaviour = "wander";
      this.randomTaps = false;
      this.meetingPoint = [room.width / 2, room.height / 2];
      this.meetingChangesAt = 0;
    }

    /* Grows or shrinks the swarm to `count` devices, each with an id of its own. */
    resize(count) {
      while (this.members.length > count) this.members.pop().device.stop();
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
      const member = {
        x: 0.5 + Math.random() * (room.width - 1),
        y: 0.5 + Math.random() * (room.height - 1),
        vx: 0,
        vy: 0,
        ax: 0,
        ay: 0,
        heading: Math.random() * 2 * Math.PI,
        angle: Math.random() * 2 * Math.PI,
        radius: 1 + Math.random() * (Math.min(room.width, room.height) / 2 - 1.3),
        offset: [noise(0.6), noise(0.6)],
      };
      member.device = new Device({
        id,
        hubUrl: this.options.hubUrl,
        commands: this.options.commands,
        onChange: this.options.onChange,
        sensors: () => ({
          ax: member.ax / G_MS2 + noise(0.02),
          ay: member.ay / G_MS2 + noise(0.02),
          az: 1 + noise(0.02),
          rssi: room.rssiAt(member.x, member.y).map((dbm) => dbm + noise(2)),
        }),
      });
      member.device.start();
      return member;
    }

    /* Advances every member by `dt` seconds at time `nowMs`. */
    step(dt, nowMs) {
      if (dt <= 0) return;
      dt = Math.min(dt, 0.1); // a stalled tab must not fling devices through the walls
      if (nowMs > this.meetingChangesAt) {
        const inside = (size) => 1 + Math.random() * (size - 2);
        this.meetingPoint = [inside(room.width), inside(room.height)];
        this.meetingChangesAt = nowMs + 6000;
      }
      const desired = behaviours[this.behaviour] || behaviours.still;
      for (const member of this.members) {
        const [wx, wy] = desired(member, dt, this);
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
        if (this.randomTaps && Math.random() < dt / 8) member.device.tap();
      }
    }

    /* Walls: bounce back and turn around. */
    keepInside(member) {
      const margin = 0.2;
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
