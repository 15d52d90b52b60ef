// Starts Swagger UI on /docs from the vendored bundle (no CDN, no inline script).
"use strict";
window.addEventListener("DOMContentLoaded", () => {
  // a static copy (milex site build) holds the schema beside this page
  const site = document.querySelector('meta[name="milex-site"]');
  window.SwaggerUIBundle({ url: site ? `${site.content}openapi.json` : "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
