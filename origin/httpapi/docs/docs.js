// Starts the vendored Swagger UI (see README.md) on this origin's own
// /openapi.json. It is a file rather than an inline script so that the
// page's Content-Security-Policy allows scripts from this origin only.
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  if (typeof SwaggerUIBundle !== "function") {
    root.textContent = "This build of the origin does not include Swagger UI (it was built without make). " +
      "The OpenAPI document is at /openapi.json.";
    return;
  }
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    displayOperationId: true,
    // No call to the public validator service: nothing leaves this origin.
    validatorUrl: null,
  });
})();
