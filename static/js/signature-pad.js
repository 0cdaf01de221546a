/* The signature pad of the portal's signing form: draw with a finger, a pen or the mouse (pointer
   events), and the drawing goes into the form as a PNG data URL when the stroke ends. Without this
   script the pad stays empty and the typed name signs alone. No inline script: CSP. */
(function () {
  "use strict";

  var MAX_PIXELS_WIDE = 2400; // the server refuses larger drawings (contracts/signature_images.py)

  function setUp(pad) {
    var canvas = pad.querySelector("[data-signature-pad-canvas]");
    var input = pad.querySelector("[data-signature-pad-input]");
    var clear = pad.querySelector("[data-signature-pad-clear]");
    if (!canvas || !input) return;
    var context = canvas.getContext("2d");
    var drawing = false;
    var last = null;

    function size() {
      var box = canvas.getBoundingClientRect();
      var ratio = Math.min(window.devicePixelRatio || 1, MAX_PIXELS_WIDE / Math.max(box.width, 1), 3);
      var saved = input.value;
      canvas.width = Math.round(box.width * ratio);
      canvas.height = Math.round(box.height * ratio);
      context.setTransform(ratio, 0, 0, ratio, 0, 0);
      context.lineWidth = 2.5;
      context.lineCap = "round";
      context.lineJoin = "round";
      context.strokeStyle = "#10243e";
      if (saved) restore(saved, box);
    }

    function restore(dataUrl, box) {
      var image = new Image();
      image.onload = function () { context.drawImage(image, 0, 0, box.width, box.height); };
      image.src = dataUrl;
    }

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return { x: event.clientX - box.left, y: event.clientY - box.top };
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      try {
        canvas.setPointerCapture(event.pointerId); // keeps the stroke when a finger leaves the pad
      } catch (error) {
        /* a pointer the browser no longer tracks: draw without capture */
      }
      drawing = true;
      last = point(event);
      context.beginPath();
      context.arc(last.x, last.y, context.lineWidth / 2, 0, Math.PI * 2);
      context.fillStyle = context.strokeStyle;
      context.fill();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      event.preventDefault();
      var next = point(event);
      context.beginPath();
      context.moveTo(last.x, last.y);
      context.lineTo(next.x, next.y);
      context.stroke();
      last = next;
    });
    function end(event) {
      if (!drawing) return;
      drawing = false;
      if (canvas.hasPointerCapture(event.pointerId)) canvas.releasePointerCapture(event.pointerId);
      if (canvas.width && canvas.height) {
        input.value = canvas.toDataURL("image/png");
        pad.classList.add("has-signature");
      }
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);

    if (clear) {
      clear.addEventListener("click", function () {
        context.clearRect(0, 0, canvas.width, canvas.height);
        input.value = "";
        pad.classList.remove("has-signature");
      });
    }
    pad.classList.add("is-ready"); // shown first: a hidden canvas measures 0 px
    size();
    var drawnWidth = canvas.getBoundingClientRect().width;
    window.addEventListener("resize", function () {
      // A phone turned sideways: measure again, keeping what was drawn.
      var width = canvas.getBoundingClientRect().width;
      if (Math.abs(width - drawnWidth) > 1) {
        drawnWidth = width;
        size();
      }
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-signature-pad]"), setUp);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
