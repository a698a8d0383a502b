// ESLint for the project's JavaScript (`make lint` runs `npx eslint .`): the recommended
// rules, and for each folder the globals of the environment its files run in.
// Formatting is Prettier's job (.prettierrc), so no style rules here.
import { fileURLToPath } from "node:url";
import { includeIgnoreFile } from "@eslint/compat";
import js from "@eslint/js";
import globals from "globals";

// What git ignores (node_modules, .venv, site/, build outputs) is not ours to lint.
const gitignore = fileURLToPath(new URL(".gitignore", import.meta.url));

export default [
  includeIgnoreFile(gitignore),
  js.configs.recommended,
  {
    // Classic scripts, not modules: loaded by <script> tags or require().
    files: ["**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "script" },
    rules: {
      // `_name` marks an argument or caught error kept for its position or its meaning.
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" }],
    },
  },
  {
    // The CDN's libraries run in the browser and, for the tests, as CommonJS modules.
    files: ["cdn/js/**/*.js"],
    languageOptions: { globals: { ...globals.browser, ...globals.commonjs } },
  },
  {
    files: ["web/apps/**/*.js"],
    languageOptions: { globals: globals.browser },
  },
  {
    // The pages' pure modules (no DOM) are also CommonJS modules for the node tests.
    files: ["web/apps/shared/room.js", "web/apps/shared/leds.js"],
    languageOptions: { globals: globals.commonjs },
  },
  {
    files: ["tests/**/*.js"],
    languageOptions: { globals: globals.node },
  },
  {
    files: ["**/*.mjs"],
    languageOptions: { sourceType: "module", globals: globals.node },
  },
];
