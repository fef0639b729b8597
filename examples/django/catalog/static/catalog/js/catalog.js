document.addEventListener("DOMContentLoaded", function () {
  var items = document.querySelectorAll("#items li");
  document.title = "Shop (" + items.length + " items)";
});
