//= require cart
//= require brand
//= require_self

document.addEventListener("DOMContentLoaded", function () {
  Shop.cart.render(document.querySelector("#cart"));
});
