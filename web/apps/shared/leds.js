/*
 * How a page draws a device's LEDs. Pure functions, no DOM (tests/js/leds.test.js).
 *
 * `shownPixels` turns a device's `led_get_state` answer (docs/protocol.md) into the colours
 * to draw: what the device reports, never what a page last sent. `displayColour` turns one
 * colour into a CSS colour that looks on a screen as the LED looks in the room.
 */
"use strict";

(function (root, factory) {
  const api = factory();
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.GroupLoopLeds = api;
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  const rgb = (hex) => [0, 2, 4].map((i) => parseInt(String(hex).slice(i, i + 2), 16) || 0);
  // Patterns that change brightness over time: a snapshot of their pixels is an arbitrary
  // moment of the animation (often near dark), so they are drawn at their peak instead.
  const PULSING = new Set(["breathing", "heartbeat", "spring"]);

  /*
   * The colours [r, g, b] of a device's LEDs from its led_get_state data
   * ({pattern, brightness, leds, pixels}): the pixels it reports for a steady pattern (solid,
   * off, cycle: dark when off), the base colours at the reported brightness for a pulsing one.
   */
  function shownPixels(state) {
    if (!state || !Array.isArray(state.pixels)) return [];
    if (!PULSING.has(state.pattern) || !Array.isArray(state.leds)) return state.pixels.map(rgb);
    const scale = Number(state.brightness) / 255;
    return state.leds.map((hex) => rgb(hex).map((c) => Math.round(c * scale)));
  }

  /* The colour a device shows as a whole (its map marker): its brightest LED. */
  function mainColour(pixels) {
    let best = [0, 0, 0];
    for (const colour of pixels) if (Math.max(...colour) > Math.max(...best)) best = colour;
    return best;
  }

  /*
   * The colour to draw for an LED value. Scaled down by brightness, an orange pixel is a
   * dim brown on a screen, yet a lit LED still looks orange: draw the pixel's hue at full
   * strength, faded towards an unlit LED by how bright it is (with the eye's gamma of 2.2).
   */
  const UNLIT = [26, 31, 41];
  function displayColour(colour) {
    const peak = Math.max(...colour);
    if (peak === 0) return `rgb(${UNLIT.join(",")})`;
    const lit = 0.25 + 0.75 * (peak / 255) ** (1 / 2.2);
    const shown = colour.map((c, i) => Math.round(UNLIT[i] + ((c * 255) / peak - UNLIT[i]) * lit));
    return `rgb(${shown.join(",")})`;
  }

  const isDark = (pixels) => pixels.every((colour) => Math.max(...colour) === 0);

  return { shownPixels, mainColour, displayColour, isDark, UNLIT };
});
