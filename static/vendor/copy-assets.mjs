// Copies the built front-end files we serve from node_modules into static/vendor/.
// Run with `npm ci && npm run vendor`; the copied files are committed, node_modules is not.
//
// Source maps are dropped, and so are the `sourceMappingURL` comments pointing at them:
// Django's ManifestStaticFilesStorage (WhiteNoise in production) rewrites those references
// during collectstatic and fails when the .map file is missing.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const vendorDir = dirname(fileURLToPath(import.meta.url));
const modules = join(vendorDir, "..", "..", "node_modules");

// destination folder -> [source path under node_modules, file name in the destination]
const assets = {
  bootstrap: [
    ["bootstrap/dist/css/bootstrap.min.css", "bootstrap.min.css"],
    ["bootstrap/dist/css/bootstrap.rtl.min.css", "bootstrap.rtl.min.css"],
    ["bootstrap/dist/js/bootstrap.bundle.min.js", "bootstrap.bundle.min.js"],
    ["bootstrap/LICENSE", "LICENSE"],
  ],
  "bootstrap-icons": [
    ["bootstrap-icons/font/bootstrap-icons.min.css", "bootstrap-icons.min.css"],
    ["bootstrap-icons/font/fonts/bootstrap-icons.woff", "fonts/bootstrap-icons.woff"],
    ["bootstrap-icons/font/fonts/bootstrap-icons.woff2", "fonts/bootstrap-icons.woff2"],
    ["bootstrap-icons/LICENSE", "LICENSE"],
  ],
  htmx: [
    ["htmx.org/dist/htmx.min.js", "htmx.min.js"],
    ["htmx.org/LICENSE", "LICENSE"],
  ],
  "chart.js": [
    ["chart.js/dist/chart.umd.min.js", "chart.umd.min.js"],
    ["chart.js/LICENSE.md", "LICENSE"],
    // The UMD bundle inlines @kurkle/color (MIT), whose notice must travel with it.
    ["@kurkle/color/LICENSE.md", "LICENSE.kurkle-color"],
  ],
  "swagger-ui": [
    ["swagger-ui-dist/swagger-ui.css", "swagger-ui.css"],
    ["swagger-ui-dist/swagger-ui-bundle.js", "swagger-ui-bundle.js"],
    ["swagger-ui-dist/swagger-ui-standalone-preset.js", "swagger-ui-standalone-preset.js"],
    ["swagger-ui-dist/favicon-32x32.png", "favicon-32x32.png"],
    // The bundles' headers point at these third-party notices; Apache-2.0 wants NOTICE kept.
    ["swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt", "swagger-ui-bundle.js.LICENSE.txt"],
    [
      "swagger-ui-dist/swagger-ui-standalone-preset.js.LICENSE.txt",
      "swagger-ui-standalone-preset.js.LICENSE.txt",
    ],
    ["swagger-ui-dist/LICENSE", "LICENSE"],
    ["swagger-ui-dist/NOTICE", "NOTICE"],
  ],
};

const sourceMapComment = /\n?(\/\/# sourceMappingURL=\S+|\/\*# sourceMappingURL=[^\s*]+\s*\*\/)\s*$/;

for (const [folder, files] of Object.entries(assets)) {
  const target = join(vendorDir, folder);
  rmSync(target, { recursive: true, force: true }); // no stale files from an older version
  for (const [source, name] of files) {
    const from = join(modules, source);
    const to = join(target, name);
    mkdirSync(dirname(to), { recursive: true });
    if (/\.(js|css)$/.test(name)) {
      writeFileSync(to, readFileSync(from, "utf8").replace(sourceMapComment, "\n"));
    } else {
      cpSync(from, to);
    }
  }
  console.log(`static/vendor/${folder}: ${files.length} files`);
}
