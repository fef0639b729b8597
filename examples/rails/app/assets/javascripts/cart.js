var Shop = window.Shop || (window.Shop = {});

Shop.cart = {
  items: [],
  add: function (sku, qty) {
    this.items.push({ sku: sku, qty: qty || 1 });
  },
  render: function (el) {
    if (!el) return;
    el.textContent = this.items.length + " items";
  }
};
