'use strict';
/**
 * The example API's data, shared by the Express, Koa and Fastify examples so that they differ only in framework
 * code: an in-memory order book with one order in it, and the policy file that protects it.
 */
const path = require('node:path');

/** The policy every example loads (compiled to WebAssembly at start-up), and the rule it asks. */
const POLICY = path.join(__dirname, '..', '..', 'policies', 'api-authz.rego');
const ENTRYPOINT = 'authz/decision';

class OrderBook {
  constructor() {
    this.orders = new Map([['1', { id: '1', item: 'coffee beans', quantity: 2, createdBy: 'alice' }]]);
    this.nextId = 2;
  }

  /** The order, or undefined. */
  get(id) {
    return this.orders.get(String(id));
  }

  /**
   * Creates an order from a request body `{ item, quantity? }`.
   * @returns {{ order: object } | { error: string }} an error message for a malformed body (answered with 400).
   */
  create(body, createdBy) {
    const { item, quantity = 1 } = body && typeof body === 'object' ? body : {};
    if (typeof item !== 'string' || item.trim() === '') return { error: 'body must be JSON like {"item": "tea", "quantity": 1}' };
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > 100) return { error: 'quantity must be an integer from 1 to 100' };
    const order = { id: String(this.nextId++), item: item.trim(), quantity, createdBy: String(createdBy) };
    this.orders.set(order.id, order);
    return { order };
  }
}

module.exports = { OrderBook, POLICY, ENTRYPOINT };
