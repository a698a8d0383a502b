/*
 * How the simulator's devices keep their distance and flock: pure functions of positions
 * and velocities (metres, m/s), no drawing and no sockets, so node tests can pin them
 * (tests/browser/flocking.test.js).
 *
 * - bodyRadius: how big a device is drawn, so that `count` of them fit in the room.
 * - freeSpot: where a new device can appear without landing on another.
 * - flock: the velocity a device wants under the three classic boids rules (Reynolds):
 *   separation (move away from neighbours that are too close), alignment (match the
 *   neighbours' velocity) and cohesion (move towards their centre), each with a weight.
 * - personalSpace: a push (m/s) away from devices closer than arm's reach, added to what
 *   every behaviour wants, so crowds spread before they collide;
 * - wallSpace: a push (m/s) away from walls that are near, so a flock turns before it
 *   reaches one instead of sliding along it;
 * - separate: pushes overlapping devices apart, whatever their behaviour wants.
 */
"use strict";

window.Flocking = (() => {
  const VIEW_METRES = 1.5; // neighbours farther than this do not steer a device
  const CRUISE = 0.8; // m/s: a flock keeps moving at about walking pace
  const MAX_RADIUS = 0.24; // m: a wearable's ring, drawn large enough to see its LEDs

  /* A radius (m) that lets `count` devices sit side by side in a width × height room. */
  function bodyRadius(count, width, height) {
    const share = Math.sqrt((width * height) / Math.max(1, count));
    return Math.min(MAX_RADIUS, 0.3 * share);
  }

  /*
   * A point at least `gap` (m) from every member, inside [margin, size − margin], tried
   * `tries` times with `random()` (0..1); the emptiest point found when the room is full.
   */
  function freeSpot(members, gap, width, height, margin, random = Math.random, tries = 60) {
    let best = null;
    let bestClearance = -1;
    for (let i = 0; i < tries; i += 1) {
      const x = margin + random() * (width - 2 * margin);
      const y = margin + random() * (height - 2 * margin);
      let clearance = Infinity;
      for (const m of members) clearance = Math.min(clearance, Math.hypot(m.x - x, m.y - y));
      if (clearance >= gap) return [x, y];
      if (clearance > bestClearance) [best, bestClearance] = [[x, y], clearance];
    }
    return best;
  }

  /*
   * The velocity `member` wants among `others` (members of the same swarm; itself is
   * skipped) with weights {separation, alignment, cohesion} (0 switches a rule off).
   */
  function flock(member, others, weights) {
    let count = 0;
    let [awayX, awayY, velX, velY, sumX, sumY] = [0, 0, 0, 0, 0, 0];
    for (const other of others) {
      if (other === member) continue;
      const dx = member.x - other.x;
      const dy = member.y - other.y;
      if (dx * dx + dy * dy > VIEW_METRES ** 2) continue;
      const distance = Math.sqrt(dx * dx + dy * dy);
      if (distance === 0) continue;
      count += 1;
      // 1/d: a neighbour at arm's length pushes twice as hard as one at two arms' length.
      awayX += dx / distance ** 2;
      awayY += dy / distance ** 2;
      velX += other.vx;
      velY += other.vy;
      sumX += other.x;
      sumY += other.y;
    }
    let vx = member.vx;
    let vy = member.vy;
    if (count > 0) {
      vx += weights.separation * awayX * 0.3;
      vy += weights.separation * awayY * 0.3;
      vx += weights.alignment * (velX / count - member.vx);
      vy += weights.alignment * (velY / count - member.vy);
      vx += weights.cohesion * (sumX / count - member.x);
      vy += weights.cohesion * (sumY / count - member.y);
    }
    // A lone device keeps going its way; every device cruises at about the same speed.
    const speed = Math.hypot(vx, vy);
    if (speed < 1e-6) return [Math.cos(member.heading) * CRUISE, Math.sin(member.heading) * CRUISE];
    return [(vx / speed) * CRUISE, (vy / speed) * CRUISE];
  }

  /* Velocity (m/s) away from the members within `reach` (m) of `member`, growing as they near. */
  function personalSpace(member, others, reach) {
    let [px, py] = [0, 0];
    for (const other of others) {
      const dx = member.x - other.x;
      const dy = member.y - other.y;
      if (other === member || dx * dx + dy * dy >= reach * reach) continue;
      const distance = Math.sqrt(dx * dx + dy * dy);
      if (distance === 0) continue;
      const push = 3 * (reach - distance); // 3 m/s per metre of intrusion
      px += (dx / distance) * push;
      py += (dy / distance) * push;
    }
    return [px, py];
  }

  /* Velocity (m/s) away from the walls of a width × height room closer than `reach` (m). */
  function wallSpace(member, width, height, reach) {
    const away = (distance) => Math.max(0, reach - distance) * 2; // 2 m/s per metre
    return [away(member.x) - away(width - member.x), away(member.y) - away(height - member.y)];
  }

  /*
   * Moves members apart until no two are closer than `gap` (m) and all stay inside the room
   * at `margin` from its walls; a few passes, each splitting every overlap between the two.
   */
  function separate(members, gap, width, height, margin, passes = 20) {
    const inside = (value, size) => Math.max(margin, Math.min(size - margin, value));
    for (let pass = 0; pass < passes; pass += 1) {
      let moved = false;
      for (let i = 0; i < members.length; i += 1) {
        const a = members[i];
        for (let j = i + 1; j < members.length; j += 1) {
          const b = members[j];
          let dx = b.x - a.x;
          let dy = b.y - a.y;
          if (dx * dx + dy * dy >= gap * gap) continue; // (squares: this loop runs n² times)
          let distance = Math.sqrt(dx * dx + dy * dy);
          const push = (gap * 1.001 - distance) / 2; // a hair more, so the pair is done with
          if (distance === 0) [dx, dy, distance] = [1, 0, 1]; // on top of each other: pick a side
          a.x -= (dx / distance) * push;
          a.y -= (dy / distance) * push;
          b.x += (dx / distance) * push;
          b.y += (dy / distance) * push;
          moved = true;
        }
      }
      for (const m of members) {
        m.x = inside(m.x, width);
        m.y = inside(m.y, height);
      }
      if (!moved) return;
    }
  }

  /* The smallest distance between two members (Infinity for fewer than two). */
  function closestPair(members) {
    let closest = Infinity;
    for (let i = 0; i < members.length; i += 1) {
      for (let j = i + 1; j < members.length; j += 1) {
        const d = Math.hypot(members[i].x - members[j].x, members[i].y - members[j].y);
        closest = Math.min(closest, d);
      }
    }
    return closest;
  }

  return {
    bodyRadius,
    freeSpot,
    flock,
    personalSpace,
    wallSpace,
    separate,
    closestPair,
    VIEW_METRES,
    CRUISE,
  };
})();
