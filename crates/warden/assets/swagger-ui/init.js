// warden's start of Swagger UI: the document's URL is the page's data-url attribute, so that
// the page needs no inline script (its Content-Security-Policy allows scripts from itself only).
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.url,
    dom_id: "#swagger-ui",
    deepLinking: true,
    docExpansion: "list",
    validatorUrl: null,
  });
});
