// What web/apps/shared/leds.js draws for a device's reported LED state (node --test tests/js).
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const Leds = require("../../web/apps/shared/leds.js");

const state = (pattern, pixels, leds = ["0000ff", "0000ff"], brightness = 64) => ({
  pattern,
  brightness,
  leds,
  pixels,
});

test("pattern off is drawn dark although the base colours are still blue", () => {
  const shown = Leds.shownPixels(state("off", ["000000", "000000"]));
  assert.deepEqual(shown, [
    [0, 0, 0],
    [0, 0, 0],
  ]);
  assert.ok(Leds.isDark(shown));
  assert.equal(Leds.displayColour(shown[0]), `rgb(${Leds.UNLIT.join(",")})`);
});

test("a steady pattern is drawn as the pixels the device reports", () => {
  const shown = Leds.shownPixels(state("solid", ["ff0000", "000000"], ["ff0000", "000000"], 255));
  assert.deepEqual(shown, [
    [255, 0, 0],
    [0, 0, 0],
  ]);
  assert.deepEqual(Leds.mainColour(shown), [255, 0, 0]);
});

test("a pulsing pattern is drawn at its peak, not at the moment it was asked", () => {
  // Mid-breath the pixels are dark; the LEDs are still blue at brightness 64.
  const shown = Leds.shownPixels(state("breathing", ["000000", "000000"], ["0000ff", "00ff00"]));
  assert.deepEqual(shown, [
    [0, 0, 64],
    [0, 64, 0],
  ]);
});

test("no state yet draws nothing, and a lit LED keeps its hue on screen", () => {
  assert.deepEqual(Leds.shownPixels(undefined), []);
  assert.deepEqual(Leds.shownPixels({ pattern: "solid" }), []);
  assert.equal(Leds.displayColour([255, 0, 0]), "rgb(255,0,0)");
  const dim = Leds.displayColour([32, 16, 0]); // dim orange is still orange, not brown
  const [r, g, b] = dim.match(/\d+/g).map(Number);
  assert.ok(r > g && g > b, dim);
});
